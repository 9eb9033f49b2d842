package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// DefaultMaxLineBytes is the longest line kept whole; HAProxy's own lines
// stay far below it, so a longer one is garbage or a runaway log-format.
const DefaultMaxLineBytes = 64 << 10

// Reader splits a stream into Lines. It reuses its buffers, so reading a
// line allocates nothing once the buffers have grown to the longest line.
type Reader struct {
	r       *bufio.Reader // nil while a following Reader waits at the end
	src     io.Reader
	file    string
	offset  int64
	number  int64
	max     int
	buf     []byte
	utf8Buf []byte
	err     error

	// follow holds back a last line without its newline instead of
	// returning it: a followed file is still being written, and the rest of
	// that line arrives later. The bytes already read stay in buf.
	follow  bool
	partial bool  // buf holds the start of a line whose newline has not arrived
	pending int64 // bytes of that line consumed so far
	ptrunc  bool  // that line is already longer than the limit

	// raw passes lines on without replacing invalid UTF-8: a container
	// log's records, whose lines are checked once joined (unwrapper).
	raw bool
}

// NewReader returns a Reader of r, whose lines are attributed to file and
// start at offset. A maxLine of 0 means DefaultMaxLineBytes.
func NewReader(r io.Reader, file string, offset int64, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	return &Reader{r: bufio.NewReaderSize(r, 256<<10), src: r, file: file, offset: offset, max: maxLine}
}

// newFollowReader returns a Reader for a file that is still growing: at the
// current end it returns io.EOF without consuming a last line that lacks its
// newline, and a later Next continues from where it stopped, once the writer
// has finished the line.
//
// A following Reader holds its read buffer only while it reads: at the end
// of the file every buffered byte has been consumed (a partial last line is
// kept in the Reader's own line buffer), so the read buffer goes back to a
// pool shared by all files. A daemon following a thousand mostly idle files
// then holds a few buffers, not a thousand.
func newFollowReader(r io.Reader, file string, offset int64, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	return &Reader{src: r, file: file, offset: offset, max: maxLine, follow: true}
}

// followBufBytes is a followed file's read buffer: big enough for many
// HAProxy lines per read call.
const followBufBytes = 32 << 10

// followBufs holds the read buffers of following Readers at rest.
var followBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, followBufBytes) }}

// release gives a following Reader's read buffer back to the pool. Call it
// only when the buffer is empty (after ReadSlice returned an error other
// than ErrBufferFull).
func (r *Reader) release() {
	if r.follow && r.r != nil {
		r.r.Reset(nil)
		followBufs.Put(r.r)
		r.r = nil
	}
}

// reset makes the Reader read r from offset, forgetting any held-back
// partial line and any error: for a file truncated in place.
func (r *Reader) reset(src io.Reader, offset int64) {
	r.src = src
	if r.r != nil {
		r.r.Reset(src)
	}
	r.offset, r.number = offset, 0
	r.buf, r.partial, r.pending, r.ptrunc, r.err = r.buf[:0], false, 0, false, nil
}

// rename attributes the lines returned from now on to file: a followed
// file found under a new name after a rotation.
func (r *Reader) rename(file string) { r.file = file }

// Pending is how many bytes of an unfinished last line a following Reader
// holds back (0 when none).
func (r *Reader) Pending() int64 { return r.pending }

// flushPartial returns the held-back partial line as a complete line, for a
// followed file that will not grow any more (deleted, or rotated away and
// idle). ok is false when there is none.
func (r *Reader) flushPartial() (line Line, ok bool) {
	if !r.partial {
		return Line{}, false
	}
	n, truncated := r.pending, r.ptrunc
	r.partial, r.pending, r.ptrunc = false, 0, false
	return r.finish(n, truncated), true
}

// Offset is the position just past the last line returned.
func (r *Reader) Offset() int64 { return r.offset }

// Next returns the next line. At the end of the stream it returns io.EOF; a
// last line without a newline is returned as a line first, since a file read
// for a backfill does not grow.
func (r *Reader) Next() (Line, error) {
	if r.err != nil {
		return Line{}, r.err
	}
	var n int64 // bytes consumed, including any cut part and the newline
	truncated := false
	if r.partial {
		n, truncated = r.pending, r.ptrunc
		r.partial, r.pending, r.ptrunc = false, 0, false
	} else {
		r.buf = r.buf[:0]
	}
	if r.r == nil {
		r.r = followBufs.Get().(*bufio.Reader)
		r.r.Reset(r.src)
	}
	for {
		chunk, err := r.r.ReadSlice('\n')
		n += int64(len(chunk))
		content := bytes.TrimSuffix(chunk, []byte{'\n'})
		if room := r.max - len(r.buf); len(content) > room {
			content = content[:room]
			truncated = true
		}
		r.buf = append(r.buf, content...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && r.follow {
			if n > 0 {
				r.partial, r.pending, r.ptrunc = true, n, truncated
			}
			r.release()           // every buffered byte is consumed
			return Line{}, io.EOF // not sticky: the file may grow
		}
		if err == io.EOF {
			if n == 0 {
				r.err = io.EOF
				return Line{}, io.EOF
			}
			r.err = io.EOF // the next call reports the end
			break
		}
		r.err = fmt.Errorf("%s: read at offset %d: %w", r.file, r.offset+n, err)
		r.release()
		return Line{}, r.err
	}
	return r.finish(n, truncated), nil
}

// finish turns the n bytes consumed into buf into the next Line.
func (r *Reader) finish(n int64, truncated bool) Line {
	data := bytes.TrimSuffix(r.buf, []byte{'\r'})
	r.number++
	line := Line{File: r.file, Number: r.number, Offset: r.offset, End: r.offset + n, Truncated: truncated}
	if !r.raw && !utf8.Valid(data) {
		r.utf8Buf = append(r.utf8Buf[:0], bytes.ToValidUTF8(data, []byte("\uFFFD"))...)
		data = r.utf8Buf
		line.InvalidUTF8 = true
	}
	line.Data = data
	r.offset += n
	return line
}
