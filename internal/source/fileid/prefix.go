package fileid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrIncomplete says a gzip file ends before its stream does: it is still
// being written (logrotate's compress, or gzip, is at work), and its first
// bytes cannot be known yet.
var ErrIncomplete = errors.New("compressed file still being written")

// GzipMagic starts every gzip stream. Rotated logs are recognised by it,
// not by their name: logrotate's delaycompress and hand-renamed files make
// names unreliable.
var GzipMagic = []byte{0x1f, 0x8b}

// Prefix reads up to Size bytes from the start of f, decompressing when it
// is gzip, without moving f's read position.
func Prefix(f *os.File) (prefix []byte, compressed bool, err error) {
	buf := make([]byte, Size)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("cannot read %s: %w", f.Name(), unwrapPath(err))
	}
	buf = buf[:n]
	if !bytes.HasPrefix(buf, GzipMagic) {
		return buf, false, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(io.NewSectionReader(f, 0, 1<<62)))
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, true, fmt.Errorf("%s: %w", f.Name(), ErrIncomplete)
	}
	if err != nil {
		return nil, true, fmt.Errorf("%s looks like gzip but its header is broken: %w", f.Name(), err)
	}
	out := make([]byte, Size)
	n = 0
	for n < len(out) {
		m, err := zr.Read(out[n:])
		n += m
		if err == io.EOF {
			break // a whole stream shorter than Size
		}
		if err == io.ErrUnexpectedEOF {
			return nil, true, fmt.Errorf("%s: %w", f.Name(), ErrIncomplete)
		}
		if err != nil {
			return nil, true, fmt.Errorf("cannot decompress %s: %w", f.Name(), err)
		}
	}
	return out[:n], true, nil
}

// Identify returns the identity of the open file f, its first bytes and
// its status.
func Identify(f *os.File) (ID, []byte, os.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return ID{}, nil, nil, fmt.Errorf("cannot stat %s: %w", f.Name(), unwrapPath(err))
	}
	prefix, compressed, err := Prefix(f)
	if err != nil {
		return ID{}, nil, nil, err
	}
	return Of(fi, prefix, compressed), prefix, fi, nil
}
