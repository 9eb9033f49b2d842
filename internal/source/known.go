package source

import (
	"time"

	"github.com/logspan/logspan/internal/source/fileid"
)

// knownSet is the files read before that are not followed now: the
// checkpoints logspan started with, and the files let go during this run.
// A file found later that one of them describes resumes at its offset
// instead of being read again. The entries are pointers because the caller
// (the daemon's acknowledgements) is told, through Followed.Resumed and
// OnClose, which entry a file resumed from or was let go as.
type knownSet struct {
	entries []*fileid.Known
}

// add remembers k.
func (ks *knownSet) add(k *fileid.Known) { ks.entries = append(ks.entries, k) }

// drop forgets k (a file resumed from it, or found truncated).
func (ks *knownSet) drop(k *fileid.Known) {
	for i, x := range ks.entries {
		if x == k {
			ks.entries = append(ks.entries[:i], ks.entries[i+1:]...)
			return
		}
	}
}

// forget drops the entries not seen for maxAge.
func (ks *knownSet) forget(now time.Time, maxAge time.Duration) {
	kept := ks.entries[:0]
	for _, k := range ks.entries {
		if now.Sub(k.Seen) <= maxAge {
			kept = append(kept, k)
		}
	}
	clear(ks.entries[len(kept):])
	ks.entries = kept
}

// finished says the gzip file on disk as (dev, ino) was read to its end:
// it never changes and need not be opened again. Its entry is marked seen
// at now, so that it is not forgotten while the file is still there.
func (ks *knownSet) finished(dev, ino uint64, now time.Time) bool {
	for _, k := range ks.entries {
		if k.Dev == dev && k.Inode == ino && k.Finished {
			k.Seen = now
			return true
		}
	}
	return false
}

// match returns the entry a file with identity id and first bytes prefix
// resumes from: the same file on disk with the same content, else another
// file with the same content (a rotated log compressed into a new file, or
// a copy of it); nil when none.
func (ks *knownSet) match(id fileid.ID, prefix []byte) (k *fileid.Known, copied bool) {
	var content *fileid.Known
	for _, x := range ks.entries {
		if !x.SameContent(prefix) {
			continue
		}
		if x.SameFile(id) {
			return x, false
		}
		if content == nil && x.FingerprintLen > 0 {
			content = x
		}
	}
	return content, content != nil
}
