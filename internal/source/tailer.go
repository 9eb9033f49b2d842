package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logspan/logspan/internal/source/fileid"
)

// fileKey is a file's device and inode.
type fileKey struct{ dev, ino uint64 }

// Reason says why a followed file was closed.
type Reason int

const (
	// Released: the file was deleted or rotated away and has been read to
	// its end, or no input matches it any more.
	Released Reason = iota
	// Finished: a gzip file was read to its end.
	Finished
	// Truncated: the file was truncated (copytruncate); it continues as a
	// new Followed read from offset 0.
	Truncated
	// Incomplete: a gzip file is still being written; it is read on from
	// where it stopped at a later discovery.
	Incomplete
	// Gzipped: a file opened empty turned out to be gzip as it filled; it
	// is identified again at the next discovery. Nothing was read from it.
	Gzipped
)

func (r Reason) String() string {
	switch r {
	case Released:
		return "released"
	case Finished:
		return "finished"
	case Truncated:
		return "truncated"
	case Incomplete:
		return "incomplete"
	case Gzipped:
		return "gzipped"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// TailerConfig configures a Tailer.
type TailerConfig struct {
	Inputs []Input
	// Known are the checkpointed files. Entries whose identity matches a
	// file found are resumed at their offset; the Followed's Resumed is then
	// the very pointer given here.
	Known []*fileid.Known
	// LastRun is when the previous logspan process last saved its
	// checkpoints (zero when there were none). A file found at startup that
	// no checkpoint knows and that changed after LastRun was written while
	// logspan was down: it is read from its start whatever the input says.
	LastRun time.Time
	// MaxLine is the longest line kept whole (default 64 KiB).
	MaxLine int
	// MaxOpen caps the files open at once; further files wait for a slot.
	// 0 sets no cap. The daemon's default (daemon.max_open_files) lives
	// with its other settings in internal/config, not here.
	MaxOpen int
	// RotateWait is how long a file that was rotated away or deleted must
	// have stopped growing before it is closed: the writer may still append
	// through its open descriptor until it reopens the log. 0 lets it go at
	// the first poll that finds it idle. The daemon's default
	// (daemon.rotate_wait) lives in internal/config.
	RotateWait time.Duration
	// TurnBytes is how much one Poll reads from one file before moving to
	// the next, so a busy file does not starve the others (default 1 MiB).
	TurnBytes int64
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
	// Open opens a file for reading (default os.Open); tests inject
	// failures such as permission denied, which root cannot otherwise see.
	Open func(name string) (*os.File, error)
	Log  *slog.Logger
	// OnOpen is called when a file starts being followed, OnClose when it
	// stops. Both run on the goroutine calling Discover or Poll.
	OnOpen  func(f *Followed)
	OnClose func(f *Followed, why Reason, k *fileid.Known)
}

// TailStats counts the tailer's events, for metrics.
type TailStats struct {
	Rotations   atomic.Int64 // followed files renamed away or replaced
	Deletions   atomic.Int64 // followed files deleted
	Truncations atomic.Int64 // files found truncated or rewritten in place
	OpenErrors  atomic.Int64 // failed attempts to open a matching file
	Resumed     atomic.Int64 // files resumed from a checkpoint
}

// Tailer follows the files of its inputs: it finds them (Discover), reads
// what was appended to each (Poll), and recognises rotation, truncation and
// deletion. It owns no goroutine: the caller calls Discover and Poll from
// one goroutine, on its own schedule (a ticker in the daemon, a manual
// trigger in tests), which keeps it deterministic.
//
// Unlike tail -F, a rotated file is not left at once: it is kept open and
// read until it has stopped growing for RotateWait, since its writer may
// still be appending through an open descriptor. A last line without its
// newline is never consumed until the newline arrives (or the file is let
// go).
type Tailer struct {
	cfg   TailerConfig
	Stats TailStats

	mu    sync.Mutex // guards files and inputs for readers of Files
	files []*Followed
	// byKey finds a followed file by device and inode, which never change
	// while it is followed: discovery asks for each path it finds.
	byKey   map[fileKey]*Followed
	inputs  []Input
	known   knownSet
	nextID  uint64
	scanned bool // the first Discover has run
	finder  *finder
	// report logs each problem with a path once, not at every discovery.
	report  *reporter
	waiting bool // a "too many open files" warning was logged
	// rediscover asks for a discovery at the end of the poll: a file was
	// rotated, and its successor should be read now, not at the next
	// (slower) discovery tick.
	rediscover bool
}

// NewTailer returns a Tailer; nothing is opened before the first Discover.
func NewTailer(cfg TailerConfig) *Tailer {
	if cfg.TurnBytes <= 0 {
		cfg.TurnBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Open == nil {
		cfg.Open = os.Open
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.OnOpen == nil {
		cfg.OnOpen = func(*Followed) {}
	}
	if cfg.OnClose == nil {
		cfg.OnClose = func(*Followed, Reason, *fileid.Known) {}
	}
	report := newReporter(cfg.Log)
	t := &Tailer{cfg: cfg, inputs: cfg.Inputs, report: report, finder: &finder{open: cfg.Open, report: report},
		byKey: map[fileKey]*Followed{}}
	for _, k := range cfg.Known {
		t.known.add(k)
	}
	return t
}

// Files returns the files followed now.
func (t *Tailer) Files() []*Followed {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*Followed(nil), t.files...)
}

// SetInputs replaces the inputs (a reload of the rules). Followed files keep
// their offsets; a file no input matches any more is read to its current end
// and let go at the next Poll.
func (t *Tailer) SetInputs(inputs []Input) {
	t.mu.Lock()
	t.inputs = inputs
	t.mu.Unlock()
	for _, f := range t.Files() {
		f.setInput(t.inputFor(f.Path()))
	}
}

// inputFor returns the index of the first input matching path, or -1.
func (t *Tailer) inputFor(path string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.inputs {
		if t.inputs[i].Matches(path) {
			return i
		}
	}
	return -1
}

// Forget drops known entries not seen for maxAge.
func (t *Tailer) Forget(maxAge time.Duration) { t.known.forget(t.cfg.Now(), maxAge) }

// Discover expands the inputs' globs and starts following every matching
// file not followed yet. A followed file found under a new name (rotated
// within the glob) keeps its offset and takes the new name. Problems with
// one file are logged once and do not stop the others.
func (t *Tailer) Discover() {
	first := !t.scanned
	t.scanned = true
	t.mu.Lock()
	inputs := t.inputs
	t.mu.Unlock()
	for _, fd := range t.finder.find(inputs) {
		t.discover(fd.path, fd.input, &inputs[fd.input], first)
	}
}

// Poll reads what was appended to every followed file, up to TurnBytes per
// file, and calls visit for each complete line in order. It returns more =
// true when some file had more to read than its turn allowed, so the caller
// polls again at once. An error from visit (the caller is shutting down)
// stops the poll and is returned: the caller is shutting down, and lines
// not taken are read again after a restart, from the checkpoint.
//
// Poll also checks each file: a file truncated in place is read again from
// its start under a new Followed; a file whose path now leads elsewhere or
// nowhere (rotated or deleted) is read to its end and closed once it has
// not grown for RotateWait.
func (t *Tailer) Poll(visit func(f *Followed, l *Line) error) (more bool, err error) {
	for _, f := range t.Files() {
		m, err := t.poll(f, visit)
		if err != nil {
			return false, err
		}
		more = more || m
	}
	if t.rediscover {
		t.rediscover = false
		t.Discover()
		more = true // read the new file at once
	}
	return more, nil
}

func (t *Tailer) poll(f *Followed, visit func(f *Followed, l *Line) error) (more bool, err error) {
	now, wait := t.cfg.Now(), t.cfg.RotateWait
	if f.Input() < 0 && f.life.on(unmatched, now, wait) == release {
		// No input matches it after a reload: read what is there, then let go.
		f.fo.toEnd()
		f, _, err := t.read(f, visit, -1)
		if err != nil {
			return false, err
		}
		return false, t.release(f, Released, visit)
	}
	compressed := f.Identity().Compressed
	grown := false
	if !compressed {
		fi, trunc, err := f.fo.check()
		if err != nil {
			t.report.once(f.Path(), "cannot check file", err)
			return false, nil
		}
		if f.fo.gzipped {
			return false, t.drop(f)
		}
		if trunc && f.life.on(truncated, now, wait) == restart {
			f = t.truncated(f)
		}
		if grown = f.checked(fi.Size()); grown {
			f.life.on(grew, now, wait)
		}
	}
	f, more, err = t.read(f, visit, t.cfg.TurnBytes)
	if err != nil || more {
		return more, err
	}
	if f.fo.done {
		return false, t.release(f, Finished, visit)
	}
	if f.fo.incomplete {
		return false, t.release(f, Incomplete, visit)
	}
	if compressed || grown && f.life.state == following {
		// A file that grew is being written through its path or through a
		// descriptor its writer still holds; either way it is read on.
		// Its path is looked at once it stops growing, which is when a
		// rotation or deletion matters, and saves a stat per busy file
		// and poll.
		return false, nil
	}
	ev, ok := t.probe(f)
	if !ok {
		return false, nil
	}
	switch f.life.on(ev, now, wait) {
	case countRotation:
		t.Stats.Rotations.Add(1)
		t.cfg.Log.Info("file rotated: reading the old file to its end", "file", f.Path(), "how", ev.String())
	case countDeletion:
		t.Stats.Deletions.Add(1)
		t.cfg.Log.Info("file deleted: reading it to its end", "file", f.Path())
	case release:
		return false, t.release(f, Released, visit)
	}
	return false, nil
}

// read visits f's complete lines, up to budget bytes (no limit if < 0). A
// file found rewritten in place while reading goes on from its start as a
// new Followed, which read returns in place of f.
func (t *Tailer) read(f *Followed, visit func(*Followed, *Line) error, budget int64) (_ *Followed, more bool, err error) {
	var n int64
	for budget < 0 || n < budget {
		l, err := f.fo.next()
		if err == io.EOF {
			return f, false, nil
		}
		if errors.Is(err, errRewritten) {
			if f.life.on(truncated, t.cfg.Now(), t.cfg.RotateWait) == restart {
				f = t.truncated(f)
			}
			continue
		}
		if err != nil {
			t.report.once(f.Path(), "cannot read file", err)
			return f, false, nil
		}
		n += l.End - l.Offset
		f.Lines.Add(1)
		f.Bytes.Add(l.End - l.Offset)
		if err := visit(f, &l); err != nil {
			// Shutting down: the line is not taken, and the checkpoint
			// stays before it.
			return f, false, err
		}
	}
	return f, true, nil
}

// probe looks where f's path leads now, for the lifecycle: to f, to
// another file, or nowhere (and then whether f still has a name). A new
// file at the path (made by the rotation, or only after it) is followed
// at the end of this poll, not at the next discovery. ok is false when the
// path cannot be looked at; that is reported.
func (t *Tailer) probe(f *Followed) (ev lifeEvent, ok bool) {
	path := f.Path()
	fi, err := os.Stat(path)
	switch {
	case err == nil && f.is(fi):
		return stillThere, true
	case err == nil:
		if !t.following(fi) {
			t.rediscover = true
		}
		return replaced, true
	case errors.Is(err, fs.ErrNotExist):
		if f.fo.links() == 0 {
			return deleted, true
		}
		return renamedAway, true
	}
	t.report.once(path, "cannot stat file", err)
	return 0, false
}

// following says fi is one of the followed files.
func (t *Tailer) following(fi os.FileInfo) bool {
	dev, ino := fileid.Key(fi)
	return t.byKey[fileKey{dev, ino}] != nil
}

// truncated continues f, found truncated or rewritten, as a new Followed read
// from offset 0.
func (t *Tailer) truncated(f *Followed) *Followed {
	t.Stats.Truncations.Add(1)
	t.cfg.Log.Warn("file truncated (copytruncate rotation?): lines written between the copy and the truncation may be lost; reading it from the start", "file", f.Path(), "offset", f.fo.offset())
	// The content read so far is remembered: copytruncate's copy of it,
	// found later under another name, resumes instead of being read again.
	k := &fileid.Known{Path: f.Path(), ID: f.fo.id, Offset: f.fo.offset(), Seen: t.cfg.Now()}
	t.known.add(k)
	if err := f.fo.restart(); err != nil {
		t.cfg.Log.Error("cannot read truncated file", "file", f.Path(), "err", err)
	}
	t.nextID++
	nf := &Followed{ID: t.nextID, path: f.Path(), input: f.Input(), id: f.fo.id, size: f.fo.size, fo: f.fo,
		life: f.life, lastSize: f.lastSize}
	t.mu.Lock()
	for i, x := range t.files {
		if x == f {
			t.files[i] = nf
			t.byKey[fileKey{f.fo.id.Dev, f.fo.id.Inode}] = nf
		}
	}
	t.mu.Unlock()
	t.cfg.OnClose(f, Truncated, k)
	t.cfg.OnOpen(nf)
	t.rediscover = true // copytruncate's copy, waiting for this, resumes now
	return nf
}

// release stops following f: a held-back partial line is visited as a
// complete line (the file will not grow), the file is closed and kept as a
// known entry, in case it is found again under another name.
func (t *Tailer) release(f *Followed, why Reason, visit func(*Followed, *Line) error) error {
	for l, ok := f.fo.flushPartial(); ok; l, ok = f.fo.flushPartial() {
		f.Lines.Add(1)
		f.Bytes.Add(l.End - l.Offset)
		if err := visit(f, &l); err != nil {
			return err
		}
	}
	f.fo.close()
	t.remove(f)
	k := &fileid.Known{Path: f.Path(), ID: f.fo.id, Offset: f.fo.offset(), Finished: why == Finished, Seen: t.cfg.Now()}
	t.known.add(k)
	t.cfg.Log.Info("file let go", "file", k.Path, "offset", k.Offset, "why", why.String())
	t.cfg.OnClose(f, why, k)
	if why == Released {
		t.rediscover = true // its compressed copy, waiting for this, resumes now
	}
	return nil
}

// drop stops following f, from which nothing was read, and forgets it: a
// file opened empty that turned out to be gzip as it filled. The next
// discovery identifies it again.
func (t *Tailer) drop(f *Followed) error {
	f.fo.close()
	t.remove(f)
	t.cfg.Log.Debug("file opened empty turned out to be gzip: identifying it again", "file", f.Path())
	t.cfg.OnClose(f, Gzipped, nil)
	t.rediscover = true
	return nil
}

// remove takes f out of the followed files.
func (t *Tailer) remove(f *Followed) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.files {
		if x == f {
			t.files = append(t.files[:i], t.files[i+1:]...)
			delete(t.byKey, fileKey{f.fo.id.Dev, f.fo.id.Inode})
			break
		}
	}
	t.waiting = false
}

// Close closes every followed file (at shutdown).
func (t *Tailer) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range t.files {
		f.fo.close()
	}
	t.files = nil
	clear(t.byKey)
}
