package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/logspan/logspan/internal/source/container"
	"github.com/logspan/logspan/internal/source/fileid"
)

// follower reads one open file that may still be written to. It never
// consumes a last line that lacks its newline, notices when the file was
// truncated or rewritten in place, and keeps the file's fingerprint up to
// date while the file is shorter than fileid.Size.
type follower struct {
	f  *os.File
	tf *tailFile // what r reads a plain file through; nil for gzip
	r  *Reader
	// u reads r's lines as a container log's records; nil for a plain file.
	u  *unwrapper
	id fileid.ID
	// size is the file's size at the last check (compressed size for gzip).
	size int64
	// done says a gzip file was read to its end: it has nothing more.
	done bool
	// incomplete says a gzip file ended before its stream did: it is still
	// being written, and is read on from here once it is complete.
	incomplete bool
	// gzipped says a file that was empty when opened has turned out to be
	// gzip as it filled (logrotate's compress writing it): it must be
	// identified again, as the compressed file it is.
	gzipped bool
	buf     []byte // the first bytes, read again while the fingerprint is short
}

// newFollower reads f from offset. id comes from fileid.Identify. A gzip
// file is decompressed from its start and offset bytes are skipped. When it
// holds fewer, what that means depends on where offset came from: for a
// copy (offset is that of another file with the same start, the log it was
// compressed from), the copy stopped short of lines the original had, all
// of which were read, so the follower starts at the copy's end; otherwise
// the offset is not this file's, and the follower starts at 0 and reset
// says so.
//
// A format other than container.Plain reads the file's lines as a
// container runtime's records (see unwrapper).
func newFollower(f *os.File, name string, id fileid.ID, size, offset int64, maxLine int, copied bool, format container.Format) (fo *follower, reset bool, err error) {
	fo = &follower{f: f, id: id, size: size}
	if !id.Compressed {
		fo.tf = newTailFile(f, offset)
		fo.r = newFollowReader(fo.tf, name, offset, maxLine)
		fo.wrap(format)
		return fo, false, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, false, fmt.Errorf("%s looks like gzip but its header is broken: %w", name, err)
	}
	skipped, err := io.CopyN(io.Discard, zr, offset)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("cannot decompress %s: %w", name, err)
	}
	if skipped < offset && copied {
		offset = skipped
	}
	if skipped < offset {
		// The checkpoint is past the end: not the file it was taken of.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, false, fmt.Errorf("cannot seek %s: %w", name, err)
		}
		if err := zr.Reset(bufio.NewReader(f)); err != nil {
			return nil, false, fmt.Errorf("cannot decompress %s: %w", name, err)
		}
		offset, reset = 0, true
	}
	// A gzip file is complete: its last line counts even without a newline.
	fo.r = NewReader(zr, name, offset, maxLine)
	fo.wrap(format)
	return fo, reset, nil
}

// wrap reads the file's lines as records of format, unless it is Plain.
func (fo *follower) wrap(format container.Format) {
	if format != container.Plain {
		fo.u = unwrap(fo.r, format)
	}
}

// next returns the next complete line, or io.EOF when there is none yet (or,
// for gzip, none left: done is then set).
func (fo *follower) next() (Line, error) {
	var l Line
	var err error
	if fo.u != nil {
		l, err = fo.u.Next()
	} else {
		l, err = fo.r.Next()
	}
	if err == io.EOF && fo.id.Compressed {
		fo.done = true
	}
	if fo.id.Compressed && errors.Is(err, io.ErrUnexpectedEOF) {
		fo.incomplete = true
		return Line{}, io.EOF
	}
	return l, err
}

// toEnd lets the next reads go to the file's current end rather than stop
// at the size the last check saw: for a file read one last time before it
// is let go, without a check of its own.
func (fo *follower) toEnd() {
	if fo.tf != nil {
		fo.tf.unlimit()
	}
}

// rename attributes the lines read from now on to path.
func (fo *follower) rename(path string) { fo.r.rename(path) }

// flushPartial returns a held-back partial last line as a complete line,
// for a file let go: it will not grow any more. For a container log, it
// returns each unfinished line in turn: call it until it returns false.
func (fo *follower) flushPartial() (Line, bool) {
	if fo.u != nil {
		return fo.u.flushPartial()
	}
	return fo.r.flushPartial()
}

// links is how many names the open file has: 0 once it was deleted. An
// error counts as a name: the file is taken as renamed, not deleted.
func (fo *follower) links() uint64 {
	fi, err := fo.f.Stat()
	if err != nil {
		return 1
	}
	return fileid.Links(fi)
}

// offset is the position just past the last line returned; for a
// container log with an unfinished line, where that line starts.
func (fo *follower) offset() int64 {
	if fo.u != nil {
		return fo.u.offset()
	}
	return fo.r.Offset()
}

// check stats the open file. It reports truncated when the file is now
// shorter than what was read. While the fingerprint is shorter than
// fileid.Size (a young file), it also compares the file's first bytes
// with it, reporting truncated when they changed, and extends it as the
// file grows. A longer file is not read at its start again: the tailFile
// verifies the bytes before its position when it next reads instead (see
// errRewritten), which catches a file truncated and written again past that
// position without a call of its own.
func (fo *follower) check() (fi os.FileInfo, truncated bool, err error) {
	fi, err = fo.f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("cannot stat %s: %w", fo.f.Name(), err)
	}
	if fo.id.Compressed {
		return fi, false, nil
	}
	fo.size = fi.Size()
	fo.tf.checked(fo.size)
	if fo.size < fo.r.Offset()+fo.r.Pending() {
		return fi, true, nil
	}
	if fo.id.FingerprintLen >= fileid.Size || fo.id.FingerprintLen == 0 && fo.size == 0 {
		return fi, false, nil
	}
	if fo.buf == nil {
		fo.buf = make([]byte, fileid.Size)
	}
	buf := fo.buf[:min(fo.size, fileid.Size)]
	n, err := fo.f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("cannot read %s: %w", fo.f.Name(), err)
	}
	buf = buf[:n]
	if fo.id.FingerprintLen == 0 && bytes.HasPrefix(buf, fileid.GzipMagic) {
		fo.gzipped = true
		return fi, false, nil
	}
	if !fo.id.SameContent(buf) {
		return fi, true, nil
	}
	if len(buf) > fo.id.FingerprintLen {
		fo.id.Refingerprint(buf)
	}
	if fo.id.FingerprintLen >= fileid.Size {
		fo.buf = nil // not needed again
	}
	return fi, false, nil
}

// restart reads the file again from its start, after a truncation.
func (fo *follower) restart() error {
	fo.tf.restart()
	fo.r.reset(fo.tf, 0)
	if fo.u != nil {
		fo.u.reset()
	}
	prefix, _, err := fileid.Prefix(fo.f)
	if err != nil {
		return err
	}
	fo.id.Refingerprint(prefix)
	return nil
}

func (fo *follower) close() error { return fo.f.Close() }
