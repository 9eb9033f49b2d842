package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxLineBytes is the longest line kept whole; HAProxy's own lines
// stay far below it, so a longer one is garbage or a runaway log-format.
const DefaultMaxLineBytes = 64 << 10

// Reader splits a stream into Lines. It reuses its buffers, so reading a
// line allocates nothing once the buffers have grown to the longest line.
type Reader struct {
	r       *bufio.Reader
	file    string
	offset  int64
	number  int64
	max     int
	buf     []byte
	utf8Buf []byte
	err     error
}

// NewReader returns a Reader of r, whose lines are attributed to file and
// start at offset. A maxLine of 0 means DefaultMaxLineBytes.
func NewReader(r io.Reader, file string, offset int64, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	return &Reader{r: bufio.NewReaderSize(r, 256<<10), file: file, offset: offset, max: maxLine}
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
	r.buf = r.buf[:0]
	var n int64 // bytes consumed, including any cut part and the newline
	truncated := false
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
		if err == io.EOF {
			if n == 0 {
				r.err = io.EOF
				return Line{}, io.EOF
			}
			r.err = io.EOF // the next call reports the end
			break
		}
		r.err = fmt.Errorf("%s: read at offset %d: %w", r.file, r.offset+n, err)
		return Line{}, r.err
	}
	data := bytes.TrimSuffix(r.buf, []byte{'\r'})
	r.number++
	line := Line{File: r.file, Number: r.number, Offset: r.offset, End: r.offset + n, Truncated: truncated}
	if !utf8.Valid(data) {
		r.utf8Buf = append(r.utf8Buf[:0], bytes.ToValidUTF8(data, []byte("\uFFFD"))...)
		data = r.utf8Buf
		line.InvalidUTF8 = true
	}
	line.Data = data
	r.offset += n
	return line, nil
}
