package source

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// verifyBytes is how many bytes before its read position a tailFile reads
// again and compares, at the first read after each check.
const verifyBytes = 64

// errRewritten says the bytes just before a followed file's read position
// are no longer the ones read there: the file was truncated and written
// again past that position between two looks (copytruncate on a busy log).
var errRewritten = errors.New("file rewritten in place")

// tailFile is what a follower reads a plain file through. It reads with
// pread from a position of its own, which lets it do two things a plain
// read cannot, and both save a system call per file and poll, which
// matters when a thousand files are polled four times a second:
//
//   - It stops at limit, the size the last check saw, and answers io.EOF
//     without asking the kernel: the read that only learns that nothing
//     more was written is gone, and an idle file costs no read at all.
//   - Its first read after a check starts verifyBytes early and compares
//     them with the last bytes it returned before: a file rewritten in place
//     shows there, in the same call that reads the new data. Reading the
//     file's first bytes again at every check did the same job with a
//     call of its own.
type tailFile struct {
	f      *os.File
	pos    int64 // the next byte to read
	limit  int64 // reads stop here; -1 for no limit
	verify bool  // the next read checks tail first
	tail   [verifyBytes]byte
	tailN  int // valid bytes at the end of tail, which end at pos
}

// newTailFile reads f from offset, with no limit until the first check.
// The bytes before offset are not verified: they were not read by it.
func newTailFile(f *os.File, offset int64) *tailFile {
	return &tailFile{f: f, pos: offset, limit: -1}
}

// checked records the size the follower's check just saw, and arms the
// verification for the next read.
func (t *tailFile) checked(size int64) {
	t.limit, t.verify = size, true
}

// unlimit lets reads go to the file's current end, past the size the last
// check saw.
func (t *tailFile) unlimit() { t.limit = -1 }

// restart reads from the start again, verifying nothing.
func (t *tailFile) restart() {
	t.pos, t.tailN, t.verify = 0, 0, false
}

// Read reads from pos, never past limit. It returns errRewritten when the
// verification fails; nothing is returned with it.
func (t *tailFile) Read(p []byte) (int, error) {
	want := int64(len(p))
	if t.limit >= 0 {
		if t.pos >= t.limit {
			return 0, io.EOF
		}
		want = min(want, t.limit-t.pos)
	}
	if want == 0 {
		return 0, nil
	}
	var n int
	var err error
	if k := t.tailN; t.verify && k > 0 {
		t.verify = false
		if int64(len(p)) >= int64(k)+want {
			// One call: the verified bytes, then the new ones, moved down.
			n, err = t.f.ReadAt(p[:int64(k)+want], t.pos-int64(k))
			if n < k || !bytes.Equal(p[:k], t.tail[verifyBytes-k:]) {
				return 0, errRewritten
			}
			n = copy(p, p[k:n])
		} else {
			// No room around the new bytes (a long line fills the
			// caller's buffer): verify with a call of its own.
			var old [verifyBytes]byte
			m, _ := t.f.ReadAt(old[:k], t.pos-int64(k))
			if m < k || !bytes.Equal(old[:k], t.tail[verifyBytes-k:]) {
				return 0, errRewritten
			}
			n, err = t.f.ReadAt(p[:want], t.pos)
		}
	} else {
		n, err = t.f.ReadAt(p[:want], t.pos)
	}
	t.remember(p[:n])
	t.pos += int64(n)
	if n > 0 {
		return n, nil // io.EOF comes at the next call, as from a file
	}
	if err == nil {
		err = io.EOF
	}
	return 0, err
}

// remember keeps the last verifyBytes bytes read.
func (t *tailFile) remember(b []byte) {
	if len(b) >= verifyBytes {
		copy(t.tail[:], b[len(b)-verifyBytes:])
		t.tailN = verifyBytes
		return
	}
	copy(t.tail[:], t.tail[len(b):])
	copy(t.tail[verifyBytes-len(b):], b)
	t.tailN = min(verifyBytes, t.tailN+len(b))
}
