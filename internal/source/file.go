package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/logspan/logspan/internal/source/container"
	"github.com/logspan/logspan/internal/source/fileid"
)

// File is one input read whole, as a backfill reads it.
type File struct {
	*Reader
	// Name is the path the file was opened by, or "-" for standard input.
	Name string
	// Size is the file's size on disk, or -1 when unknown (standard input).
	Size int64
	// Compressed says the file is gzip; offsets are then into its
	// decompressed bytes.
	Compressed bool

	raw    *countingReader
	closer io.Closer
	u      *unwrapper // nil for plain lines
}

// SetFormat makes Next read the file's lines as a container runtime's
// records of format (see unwrapper); container.Plain, the default, reads
// them as they are. Call it before the first Next.
func (f *File) SetFormat(format container.Format) {
	if format != container.Plain && f.u == nil {
		f.u = unwrap(f.Reader, format)
	}
}

// Next returns the next line: the file's own, or the program's for a
// container log (SetFormat). At the end it returns io.EOF.
func (f *File) Next() (Line, error) {
	if f.u != nil {
		return f.u.Next()
	}
	return f.Reader.Next()
}

// Offset is the position just past the last line returned.
func (f *File) Offset() int64 {
	if f.u != nil {
		return f.u.offset()
	}
	return f.Reader.Offset()
}

// Open opens name for reading whole; "-" reads stdin. The returned error
// names the file and says why it cannot be read (missing, permission).
func Open(name string, stdin io.Reader, maxLine int) (*File, error) {
	f := &File{Name: name, Size: -1}
	var src io.Reader
	if name == "-" {
		src = stdin
	} else {
		fh, err := os.Open(name)
		if err != nil {
			return nil, fileError("open", name, err)
		}
		st, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, fileError("stat", name, err)
		}
		if st.IsDir() {
			fh.Close()
			return nil, fmt.Errorf("%s is a directory, not a log file", name)
		}
		f.Size = st.Size()
		f.closer = fh
		src = fh
	}
	f.raw = &countingReader{r: src}
	br := bufio.NewReaderSize(f.raw, 64<<10)
	head, err := br.Peek(len(fileid.GzipMagic))
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	var lines io.Reader = br
	if bytes.Equal(head, fileid.GzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s looks like gzip but its header is broken: %w", name, err)
		}
		f.Compressed = true
		lines = zr
	}
	f.Reader = NewReader(lines, name, 0, maxLine)
	return f, nil
}

// BytesRead is how many of the file's bytes (as stored, compressed or not)
// have been read so far. It is safe to call from another goroutine, for a
// progress display.
func (f *File) BytesRead() int64 { return f.raw.n.Load() }

// Close closes the underlying file (not standard input).
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
