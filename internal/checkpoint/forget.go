package checkpoint

import "time"

// Forget returns entries without those whose Seen is older than maxAge before
// now. The daemon uses it to prune entries of files deleted long ago, which
// would otherwise accumulate forever and, once their inode is reused, risk
// being matched to a new file. An entry seen exactly maxAge before now is
// kept. A maxAge of zero or less drops every entry not seen at or after now.
//
// The result is a new slice; entries is not modified.
func Forget(entries []Entry, now time.Time, maxAge time.Duration) []Entry {
	cutoff := now.Add(-maxAge)
	kept := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if !e.Seen.Before(cutoff) {
			kept = append(kept, e)
		}
	}
	return kept
}
