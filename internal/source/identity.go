package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"syscall"
)

// FingerprintSize is how many bytes from a file's start its fingerprint
// covers once the file is that long. HAProxy's first line alone carries a
// millisecond timestamp, a client address and a port, so a kilobyte tells
// two logs apart with certainty while costing one small read.
const FingerprintSize = 1024

// Identity tells whether a file found under some name is one logspan has
// already read. The device and inode say "the same file on disk" while the
// file exists; the fingerprint (a hash of its first bytes, decompressed for
// gzip) guards against an inode being reused for a new file, and recognises
// a rotated log after it was compressed into a new file.
type Identity struct {
	Dev, Inode uint64
	// Compressed says the file is gzip: it is read whole once and never
	// grows, and its offsets count decompressed bytes.
	Compressed bool
	// FingerprintLen is how many leading bytes Fingerprint covers: fewer
	// than FingerprintSize while the file is shorter.
	FingerprintLen int
	Fingerprint    [sha256.Size]byte
}

// SameFile says a and b are the same file on disk (device and inode).
func (id Identity) SameFile(other Identity) bool {
	return id.Dev == other.Dev && id.Inode == other.Inode
}

// SameContent says a file whose identity is other starts with the bytes id
// was fingerprinted from: other has at least as many fingerprinted bytes and
// the same hash over id's length. prefix is other's first bytes (up to
// FingerprintSize), which the hash of a shorter length needs.
func (id Identity) SameContent(prefix []byte) bool {
	if id.FingerprintLen > len(prefix) {
		return false
	}
	return sha256.Sum256(prefix[:id.FingerprintLen]) == id.Fingerprint
}

// fileKey returns the device and inode of an open file.
func fileKey(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}

// links is how many names a file has; 0 once it has been deleted while open.
func links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// readPrefix reads up to FingerprintSize bytes from the start of f,
// decompressing when it is gzip, without moving f's read position.
func readPrefix(f *os.File) (prefix []byte, compressed bool, err error) {
	buf := make([]byte, FingerprintSize)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("cannot read %s: %w", f.Name(), err)
	}
	buf = buf[:n]
	if !bytes.HasPrefix(buf, gzipMagic) {
		return buf, false, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(io.NewSectionReader(f, 0, 1<<62)))
	if err != nil {
		return nil, true, fmt.Errorf("%s looks like gzip but its header is broken: %w", f.Name(), err)
	}
	out := make([]byte, FingerprintSize)
	n, err = io.ReadFull(zr, out)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, true, fmt.Errorf("cannot decompress %s: %w", f.Name(), err)
	}
	return out[:n], true, nil
}

// identify returns f's identity and its first bytes.
func identify(f *os.File) (Identity, []byte, os.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return Identity{}, nil, nil, fileError("stat", f.Name(), err)
	}
	prefix, compressed, err := readPrefix(f)
	if err != nil {
		return Identity{}, nil, nil, err
	}
	id := Identity{Compressed: compressed, FingerprintLen: len(prefix), Fingerprint: sha256.Sum256(prefix)}
	id.Dev, id.Inode = fileKey(fi)
	return id, prefix, fi, nil
}
