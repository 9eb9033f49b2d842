package source

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/logspan/logspan/internal/source/fileid"
)

// Followed is one followed file, as the Tailer hands it to its caller with
// each line. Its exported fields are set when it is made and never change;
// the rest changes with the file and is read through its methods, which
// are safe to call from any goroutine (for metrics).
type Followed struct {
	// ID is unique within the process and never reused; a file truncated in
	// place continues under a new ID.
	ID uint64
	// Start is the offset reading began at.
	Start int64
	// Resumed is the known entry the file resumed from, or nil.
	Resumed *fileid.Known

	Lines atomic.Int64 // lines read
	Bytes atomic.Int64 // bytes read, including newlines

	mu    sync.Mutex
	path  string
	input int
	id    fileid.ID
	size  int64

	// Used by the Tailer's goroutine only.
	fo       *follower
	life     lifecycle
	lastSize int64
}

// Path is the name the file was last seen under.
func (f *Followed) Path() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.path
}

// Input is the index of the input the file belongs to, -1 when no input
// matches it any more (after a reload, until it is let go).
func (f *Followed) Input() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.input
}

// Identity is the file's identity as of the last check.
func (f *Followed) Identity() fileid.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id
}

// Size is the file's size at the last check (-1 for gzip, whose offsets
// count decompressed bytes).
func (f *Followed) Size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size
}

// renamed records that the file was found under path, matching input: its
// lines are attributed to the new name from now on.
func (f *Followed) renamed(path string, input int) {
	f.mu.Lock()
	f.path, f.input = path, input
	f.mu.Unlock()
	f.fo.rename(path)
}

// setInput records which input matches the file now (-1: none).
func (f *Followed) setInput(input int) {
	f.mu.Lock()
	f.input = input
	f.mu.Unlock()
}

// checked records the size and identity the follower's check just saw, and
// says whether the file grew since the last check.
func (f *Followed) checked(size int64) (grew bool) {
	f.mu.Lock()
	f.size, f.id = size, f.fo.id
	f.mu.Unlock()
	grew = size != f.lastSize
	f.lastSize = size
	return grew
}

// is says fi is f's file.
func (f *Followed) is(fi os.FileInfo) bool { return f.Identity().Is(fi) }
