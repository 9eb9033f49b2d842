package fileid

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"syscall"
)

// Size is how many bytes from a file's start its fingerprint covers once
// the file is that long. HAProxy's first line alone carries a millisecond
// timestamp, a client address and a port, so a kilobyte tells two logs
// apart with certainty while costing one small read. Checkpoints with a
// longer fingerprint are not ours.
const Size = 1024

// Fingerprint is the SHA-256 of a file's first bytes. It is written as hex
// in checkpoints, and as "" while it covers no byte.
type Fingerprint [sha256.Size]byte

// MarshalText writes the hex digest, or nothing for the zero Fingerprint.
func (f Fingerprint) MarshalText() ([]byte, error) {
	if f == (Fingerprint{}) {
		return []byte{}, nil
	}
	return []byte(hex.EncodeToString(f[:])), nil
}

// UnmarshalText reads what MarshalText writes; anything else is an error
// naming the value, which makes a checkpoint file holding it corrupt.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*f = Fingerprint{}
		return nil
	}
	if len(b) != 2*sha256.Size {
		return fmt.Errorf("fingerprint %q is not 64 hex characters", b)
	}
	if _, err := hex.Decode(f[:], b); err != nil {
		return fmt.Errorf("fingerprint %q is not 64 hex characters: %w", b, err)
	}
	return nil
}

// ID is a file's identity. Its JSON form is part of the checkpoint file's.
type ID struct {
	// Dev and Inode say "this file on disk" while it exists.
	Dev   uint64 `json:"dev"`
	Inode uint64 `json:"inode"`
	// FingerprintLen is how many leading bytes Fingerprint covers, 0..Size:
	// fewer than Size while the file is shorter.
	FingerprintLen int         `json:"fingerprint_len"`
	Fingerprint    Fingerprint `json:"fingerprint"`
	// Compressed says the file is gzip: it is read whole once and never
	// grows, and its offsets count decompressed bytes.
	Compressed bool `json:"compressed,omitempty"`
}

// Of returns the identity of a file whose status is fi and whose first
// bytes (decompressed for gzip, up to Size) are prefix.
func Of(fi os.FileInfo, prefix []byte, compressed bool) ID {
	id := ID{Compressed: compressed}
	id.Dev, id.Inode = Key(fi)
	id.Refingerprint(prefix)
	return id
}

// Refingerprint makes the fingerprint cover prefix (up to Size bytes): for
// a young file that grew, or a file truncated and written again.
func (id *ID) Refingerprint(prefix []byte) {
	prefix = prefix[:min(len(prefix), Size)]
	id.FingerprintLen = len(prefix)
	id.Fingerprint = Fingerprint{}
	if len(prefix) > 0 {
		id.Fingerprint = sha256.Sum256(prefix)
	}
}

// SameFile says id and other are the same file on disk.
func (id ID) SameFile(other ID) bool {
	return id.Dev == other.Dev && id.Inode == other.Inode
}

// SameContent says a file whose first bytes are prefix (up to Size) starts
// with the bytes id was fingerprinted from. A fingerprint of no bytes (an
// empty file) matches every file.
func (id ID) SameContent(prefix []byte) bool {
	if id.FingerprintLen == 0 {
		return true
	}
	if id.FingerprintLen > len(prefix) {
		return false
	}
	return Fingerprint(sha256.Sum256(prefix[:id.FingerprintLen])) == id.Fingerprint
}

// Complete says the fingerprint covers Size bytes: it will not change
// while the file only grows.
func (id ID) Complete() bool { return id.FingerprintLen >= Size }

// Is says fi is the file id names (device and inode).
func (id ID) Is(fi os.FileInfo) bool {
	dev, ino := Key(fi)
	return dev == id.Dev && ino == id.Inode
}

// Key returns the device and inode of a file's status.
func Key(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}

// Links is how many names a file has: 0 once it was deleted while open.
func Links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
