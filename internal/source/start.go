package source

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/logspan/logspan/internal/source/fileid"
)

// This file is how a found file starts being followed: whether it is one
// already followed under a new name, a copy of one, a file read before
// (resumed at its known offset), or new (read from its start, or from its
// end at a first start when the input says so).

// discover handles one path that matches input i.
func (t *Tailer) discover(path string, input int, in *Input, first bool) {
	fi, err := os.Stat(path)
	if err != nil {
		t.Stats.OpenErrors.Add(1)
		t.report.once(path, "cannot stat file", err)
		return
	}
	if fi.IsDir() {
		t.report.once(path, "is a directory, not a log file: make the glob match files only", nil)
		return
	}
	dev, ino := fileid.Key(fi)
	if f := t.byKey[fileKey{dev, ino}]; f != nil {
		if f.Path() != path {
			t.cfg.Log.Info("followed file found under a new name: continuing at its offset", "file", path, "was", f.Path(), "offset", f.fo.offset())
			f.renamed(path, input)
			f.life.on(foundAgain, t.cfg.Now(), t.cfg.RotateWait)
		}
		return
	}
	if t.known.finished(dev, ino, t.cfg.Now()) {
		// A gzip file read to its end never changes: no need to open it. A
		// plain file read to its end is opened all the same: it may grow,
		// and its new lines are due at the next poll.
		return
	}
	if t.cfg.MaxOpen > 0 && len(t.files) >= t.cfg.MaxOpen {
		if !t.waiting {
			t.waiting = true
			t.cfg.Log.Warn("too many files open: further files wait until others are let go (raise daemon.max_open_files)", "max_open_files", t.cfg.MaxOpen)
		}
		return
	}
	fh, err := t.cfg.Open(path)
	if err != nil {
		t.Stats.OpenErrors.Add(1)
		hint := ""
		if errors.Is(err, fs.ErrPermission) {
			hint = " (logspan needs read access: run it in the log's group, e.g. adm, or fix the file's mode)"
		}
		t.report.once(path, "cannot open file"+hint, err)
		return
	}
	id, prefix, fi, err := fileid.Identify(fh)
	if errors.Is(err, fileid.ErrIncomplete) {
		fh.Close()
		t.cfg.Log.Debug("compressed file still being written: it is read at a later discovery", "file", path)
		return
	}
	if err != nil {
		fh.Close()
		t.Stats.OpenErrors.Add(1)
		t.report.once(path, "cannot read file", err)
		return
	}
	t.report.clear(path)
	offset, resumed, copied, copyOf := t.startOffset(path, fh, fi, id, prefix, in, first)
	if copyOf != "" {
		// Its lines are being read from the original; once that is let go
		// (or found truncated), this copy resumes where it stopped.
		fh.Close()
		t.cfg.Log.Debug("a copy of a followed file (rotated and compressed, or copytruncate's copy): it is read once the original is let go", "file", path, "original", copyOf)
		return
	}
	if resumed != nil && resumed.Finished {
		fh.Close()
		return
	}
	if offset < 0 {
		// A compressed file found at startup with start: end.
		t.known.add(&fileid.Known{Path: path, ID: id, Finished: true, Seen: t.cfg.Now()})
		fh.Close()
		return
	}
	fo, reset, err := newFollower(fh, path, id, fi.Size(), offset, t.cfg.MaxLine, copied, in.Format)
	if err != nil {
		fh.Close()
		t.Stats.OpenErrors.Add(1)
		t.report.once(path, "cannot read file", err)
		return
	}
	if copied {
		offset = fo.offset()
	}
	if reset {
		t.Stats.Truncations.Add(1)
		t.cfg.Log.Warn("checkpoint is past the end of the compressed file: reading it from the start", "file", path, "offset", offset)
		offset = 0
	}
	size := fi.Size()
	if id.Compressed {
		size = -1
	}
	t.nextID++
	f := &Followed{ID: t.nextID, Start: offset, Resumed: resumed, path: path, input: input, id: id, size: size,
		fo: fo, life: lifecycle{grew: t.cfg.Now()}, lastSize: fi.Size()}
	t.mu.Lock()
	t.files = append(t.files, f)
	t.byKey[fileKey{id.Dev, id.Inode}] = f
	t.mu.Unlock()
	if resumed != nil {
		t.Stats.Resumed.Add(1)
		t.known.drop(resumed)
	}
	t.cfg.Log.Info("following file", "file", path, "offset", offset, "resumed", resumed != nil, "compressed", id.Compressed)
	t.cfg.OnOpen(f)
}

// startOffset decides where a newly opened file is read from: a known entry
// with the same content resumes; otherwise the start of the file, or its end
// for a file found at startup when the input says so. It returns -1 for a
// compressed file to be skipped whole.
//
// A file that starts like a followed file but is another file is a copy of
// it: logrotate's compress made it from the rotated log, or copytruncate
// copied the log before truncating it. Its lines are read from the original
// for as long as that is followed: reading the copy too would send them
// twice. copyOf names the original, and the copy is left alone until the
// original is let go (or found truncated); then it resumes from the
// original's known entry, at an offset into its decompressed bytes.
func (t *Tailer) startOffset(path string, fh *os.File, fi os.FileInfo, id fileid.ID, prefix []byte, in *Input, first bool) (offset int64, resumed *fileid.Known, copied bool, copyOf string) {
	for _, f := range t.files {
		if fid := f.Identity(); fid.FingerprintLen > 0 && fid.SameContent(prefix) && !fid.SameFile(id) {
			return 0, nil, false, f.Path()
		}
	}
	if k, copied := t.known.match(id, prefix); k != nil {
		if copied && !id.Compressed && k.Offset > fi.Size() {
			// A copy that stops short of what was read of the original:
			// every line in it was read.
			return fi.Size(), k, true, ""
		}
		if !id.Compressed && k.Offset > fi.Size() {
			t.Stats.Truncations.Add(1)
			t.cfg.Log.Warn("file is shorter than its checkpoint (truncated while logspan was stopped): reading it from the start", "file", path, "offset", k.Offset, "size", fi.Size())
			t.known.drop(k)
			return 0, nil, false, ""
		}
		return k.Offset, k, copied, ""
	}
	if !first || in.StartAtBeginning {
		return 0, nil, false, ""
	}
	if !t.cfg.LastRun.IsZero() && fi.ModTime().After(t.cfg.LastRun) {
		t.cfg.Log.Info("file changed while logspan was stopped and has no checkpoint: reading it from the start", "file", path)
		return 0, nil, false, ""
	}
	if id.Compressed {
		return -1, nil, false, ""
	}
	return lastLineEnd(fh, fi.Size()), nil, false, ""
}

// lastLineEnd returns the offset just past the last newline at or before
// size, so that starting "at the end" never starts inside a line.
func lastLineEnd(f *os.File, size int64) int64 {
	const step = 64 << 10
	buf := make([]byte, step)
	for end := size; end > 0; {
		start := max(0, end-step)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return size
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				return start + int64(i) + 1
			}
		}
		end = start
	}
	return 0
}
