package checkpoint

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxFingerprintLen is the most bytes of a file's start that a fingerprint
// may cover. It bounds what a daemon must read to recognise a file and
// rejects entries no daemon could have written.
const maxFingerprintLen = 1024

// Entry is one file's checkpoint. It is plain data, independent of how the
// daemon identifies files, so that this package only stores and validates:
// the daemon converts its own identity type to and from it.
//
// A file is recognised after a restart or a rotation by Dev and Inode and,
// because inodes are reused, by the fingerprint of its first bytes.
type Entry struct {
	// Path is the last name the file was seen under. It is for operators
	// reading the file and for finding the file again; identity is Dev,
	// Inode and the fingerprint, since rotation renames files.
	Path string `json:"path"`
	// Dev is the device number of the file system holding the file.
	Dev uint64 `json:"dev"`
	// Inode is the file's inode number on Dev.
	Inode uint64 `json:"inode"`
	// FingerprintLen is how many bytes from the file's start (decompressed
	// for gzip) were hashed into Fingerprint, 0..1024. A file shorter than
	// the daemon's fingerprint size is hashed whole, hence the length.
	FingerprintLen int `json:"fingerprint_len"`
	// Fingerprint is the hex SHA-256 of those bytes, so that a reused inode
	// holding a different file is not mistaken for the old one.
	Fingerprint string `json:"fingerprint"`
	// Offset is the acknowledged offset: every line before it has been
	// delivered to and acknowledged by the collector. For gzip files it is
	// an offset into the decompressed bytes.
	Offset int64 `json:"offset"`
	// Compressed says the file is gzip, so Offset is a decompressed offset
	// and resuming means decompressing up to it.
	Compressed bool `json:"compressed,omitempty"`
	// Finished says a gzip file was read to its end: rotated gzip files never
	// change again, so the daemon need not read it again.
	Finished bool `json:"finished,omitempty"`
	// Seen is the last time the file was seen; the daemon uses it to drop
	// entries of files long gone. Save writes it in UTC. Save rewrites the
	// file whenever any entry changes, Seen included, so a daemon that wants
	// idle Saves to cost nothing updates Seen coarsely (when the offset moves,
	// or every few minutes), not every second.
	Seen time.Time `json:"seen"`
}

// validate reports why e could not have been written by a working daemon,
// or nil. Load uses it to detect corrupt files, Save to refuse to write an
// entry that would make the next Load discard every entry.
func (e *Entry) validate() error {
	switch {
	case e.Path == "":
		return errors.New("empty path")
	case e.Offset < 0:
		return fmt.Errorf("negative offset %d", e.Offset)
	case e.FingerprintLen < 0 || e.FingerprintLen > maxFingerprintLen:
		return fmt.Errorf("fingerprint_len %d outside 0..%d", e.FingerprintLen, maxFingerprintLen)
	case e.FingerprintLen > 0 && !isSHA256Hex(e.Fingerprint):
		return fmt.Errorf("fingerprint %q is not 64 hex characters", e.Fingerprint)
	case e.FingerprintLen == 0 && e.Fingerprint != "" && !isSHA256Hex(e.Fingerprint):
		return fmt.Errorf("fingerprint %q is neither empty nor 64 hex characters", e.Fingerprint)
	}
	return nil
}

// isSHA256Hex says s is a hex-encoded SHA-256 digest.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// validateEntries checks every entry and names the first bad one by index and
// path, so that an operator can find it in the file.
func validateEntries(entries []Entry) error {
	for i := range entries {
		if err := entries[i].validate(); err != nil {
			return fmt.Errorf("entry %d (path %q): %w", i, entries[i].Path, err)
		}
	}
	return nil
}

// canonical returns a sorted copy of entries with Seen in UTC: the form that
// is written and compared, so that the same state always encodes to the same
// bytes whatever order or time zone the daemon uses. The caller's slice is
// not modified.
func canonical(entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.Seen = e.Seen.UTC()
		out[i] = e
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Inode, b.Inode),
			cmp.Compare(a.Dev, b.Dev),
		)
	})
	return out
}
