package checkpoint

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/logspan/logspan/internal/source/fileid"
)

// Entry is one file's checkpoint: the file's identity (device, inode and
// the fingerprint of its first bytes, since inodes are reused), the last
// path it was seen under, the acknowledged offset (every line before it
// was delivered to and acknowledged by the collector; decompressed bytes
// for gzip), whether a gzip file was read to its end, and when it was last
// seen. It is the very type the reader matches files against
// (fileid.Known), so that what is saved is what is resumed, with no
// conversion in between.
//
// Save writes Seen in UTC, and rewrites the file whenever any entry
// changes, Seen included, so a daemon that wants idle Saves to cost nothing
// updates Seen coarsely (when the offset moves, or every few minutes).
type Entry = fileid.Known

// validate reports why e could not have been written by a working daemon,
// or nil. Load uses it to detect corrupt files, Save to refuse to write an
// entry that would make the next Load discard every entry. A fingerprint
// that is not hex fails earlier, when the file is decoded.
func validate(e *Entry) error {
	switch {
	case e.Path == "":
		return errors.New("empty path")
	case e.Offset < 0:
		return fmt.Errorf("negative offset %d", e.Offset)
	case e.FingerprintLen < 0 || e.FingerprintLen > fileid.Size:
		return fmt.Errorf("fingerprint_len %d outside 0..%d", e.FingerprintLen, fileid.Size)
	case e.FingerprintLen > 0 && e.Fingerprint == (fileid.Fingerprint{}):
		return fmt.Errorf("fingerprint_len %d but no fingerprint", e.FingerprintLen)
	}
	return nil
}

// validateEntries checks every entry and names the first bad one by index and
// path, so that an operator can find it in the file.
func validateEntries(entries []Entry) error {
	for i := range entries {
		if err := validate(&entries[i]); err != nil {
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
