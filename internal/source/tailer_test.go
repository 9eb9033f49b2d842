package source

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source/fileid"
)

// The Tailer's tests run it alone: no daemon, no receiver. A visit function
// collects the lines, the clock is the test's, and Discover and Poll are
// called by the test, so every step is deterministic.

// tail is a Tailer on a temporary directory, with what it visited.
type tail struct {
	t     *testing.T
	dir   string
	now   time.Time
	tl    *Tailer
	lines []string          // "name:text" of every line visited, in order
	opens map[uint64]string // followed file IDs opened
	// closes records "reason name offset" of every OnClose.
	closes  []string
	writers map[string]*os.File
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTail(t *testing.T, mutate func(*tail, *TailerConfig)) *tail {
	t.Helper()
	tt := &tail{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		opens: map[uint64]string{}, writers: map[string]*os.File{}, logs: &syncBuffer{}}
	cfg := TailerConfig{
		Inputs:     []Input{{Paths: []string{filepath.Join(tt.dir, "app.log*")}, StartAtBeginning: true}},
		RotateWait: 5 * time.Second,
		Now:        func() time.Time { return tt.now },
		Log:        slog.New(slog.NewTextHandler(tt.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnOpen:     func(f *Followed) { tt.opens[f.ID] = filepath.Base(f.Path()) },
		OnClose: func(f *Followed, why Reason, k *fileid.Known) {
			off := int64(-1)
			if k != nil {
				off = k.Offset
			}
			tt.closes = append(tt.closes, fmt.Sprintf("%s %s %d", why, filepath.Base(f.Path()), off))
		},
	}
	if mutate != nil {
		mutate(tt, &cfg)
	}
	tt.tl = NewTailer(cfg)
	t.Cleanup(func() {
		tt.tl.Close()
		for _, w := range tt.writers {
			w.Close()
		}
	})
	return tt
}

func (tt *tail) path(name string) string { return filepath.Join(tt.dir, name) }

// write appends text to name through a descriptor kept open, as a logger's.
func (tt *tail) write(name, text string) {
	tt.t.Helper()
	w := tt.writers[name]
	if w == nil {
		var err error
		w, err = os.OpenFile(tt.path(name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			tt.t.Fatal(err)
		}
		tt.writers[name] = w
	}
	if _, err := w.WriteString(text); err != nil {
		tt.t.Fatal(err)
	}
}

// reopen makes the writer of name open its path again at the next write.
func (tt *tail) reopen(name string) {
	if w := tt.writers[name]; w != nil {
		w.Close()
		delete(tt.writers, name)
	}
}

// lines makes n numbered lines starting at from: "l<from>\n"...
func lines(from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "line %04d of the log, long enough to fill a kilobyte soon\n", i)
	}
	return b.String()
}

// poll polls until nothing is left to read, collecting the lines.
func (tt *tail) poll() {
	tt.t.Helper()
	for range 100 {
		more, err := tt.tl.Poll(func(f *Followed, l *Line) error {
			tt.lines = append(tt.lines, filepath.Base(l.File)+":"+string(l.Data))
			return nil
		})
		if err != nil {
			tt.t.Fatal(err)
		}
		if !more {
			return
		}
	}
	tt.t.Fatal("Poll keeps saying more")
}

func (tt *tail) cycle() {
	tt.tl.Discover()
	tt.poll()
}

// taken returns and forgets the lines visited so far, without file names.
func (tt *tail) taken() []string {
	var out []string
	for _, l := range tt.lines {
		_, text, _ := strings.Cut(l, ":")
		out = append(out, text)
	}
	tt.lines = nil
	return out
}

// expect asserts that the lines visited since the last call are want.
func (tt *tail) expect(want string) {
	tt.t.Helper()
	got := tt.taken()
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	if want == "" {
		w = nil
	}
	if !slices.Equal(got, w) {
		tt.t.Fatalf("lines visited:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
	}
}

func (tt *tail) followed() []string {
	var out []string
	for _, f := range tt.tl.Files() {
		out = append(out, filepath.Base(f.Path()))
	}
	slices.Sort(out)
	return out
}

func gzipFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(to, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTailerRenameRotationKeepsTheOldFileUntilIdle(t *testing.T) {
	tt := newTail(t, nil)
	tt.write("app.log", lines(0, 10))
	tt.cycle()
	tt.expect(lines(0, 10))
	if err := os.Rename(tt.path("app.log"), tt.path("app.log.1")); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", lines(10, 3)) // through the old descriptor
	tt.poll()
	tt.expect(lines(10, 3))
	tt.reopen("app.log")
	tt.write("app.log", lines(13, 4))
	tt.poll() // the rotation is noticed, the new file opened at once
	tt.expect(lines(13, 4))
	if got := tt.followed(); !slices.Equal(got, []string{"app.log", "app.log.1"}) {
		t.Errorf("followed %q", got)
	}
	if n := tt.tl.Stats.Rotations.Load(); n != 1 {
		t.Errorf("rotations %d, want 1", n)
	}
	tt.now = tt.now.Add(10 * time.Second)
	tt.cycle()
	tt.expect("")
	if len(tt.closes) != 0 {
		t.Errorf("app.log.1 is still in the glob and must stay followed: closes %q", tt.closes)
	}
}

func TestTailerDeletedFileIsReadToItsEndThenLetGo(t *testing.T) {
	tt := newTail(t, nil)
	tt.write("app.log", lines(0, 5))
	tt.cycle()
	if err := os.Remove(tt.path("app.log")); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", lines(5, 2)+"half a line")
	tt.cycle() // it grew: read on, its path is not looked at
	tt.now = tt.now.Add(3 * time.Second)
	tt.cycle() // idle: the deletion is noticed
	tt.now = tt.now.Add(4 * time.Second)
	tt.cycle()
	if len(tt.closes) != 0 {
		t.Fatalf("let go before rotate_wait: %q", tt.closes)
	}
	tt.now = tt.now.Add(time.Second)
	tt.cycle()
	// The half line is visited as a line once the file is let go.
	tt.expect(lines(0, 7) + "half a line")
	if n := tt.tl.Stats.Deletions.Load(); n != 1 {
		t.Errorf("deletions %d, want 1", n)
	}
	want := fmt.Sprintf("released app.log %d", len(lines(0, 7))+len("half a line"))
	if !slices.Equal(tt.closes, []string{want}) || len(tt.tl.Files()) != 0 {
		t.Errorf("closes %q, files %d; want [%s] and none", tt.closes, len(tt.tl.Files()), want)
	}
}

func TestTailerTruncatedFileIsReadAgainFromTheStart(t *testing.T) {
	tt := newTail(t, func(tt *tail, c *TailerConfig) { c.Inputs[0].Paths = []string{tt.path("app.log")} })
	tt.write("app.log", lines(0, 30))
	tt.cycle()
	tt.expect(lines(0, 30))
	if err := os.Truncate(tt.path("app.log"), 0); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", lines(100, 40)) // past the old offset before the next look
	tt.poll()
	tt.expect(lines(100, 40))
	if n := tt.tl.Stats.Truncations.Load(); n != 1 {
		t.Errorf("truncations %d, want 1", n)
	}
	if len(tt.closes) != 1 || !strings.HasPrefix(tt.closes[0], "truncated app.log ") {
		t.Errorf("closes %q", tt.closes)
	}
	// A young file (under a kilobyte) rewritten in place shows in its
	// first bytes.
	if err := os.Truncate(tt.path("app.log"), 0); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", "x\n")
	tt.poll()
	if err := os.WriteFile(tt.path("app.log"), []byte("y\nz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tt.poll()
	tt.expect("x\ny\nz")
	if n := tt.tl.Stats.Truncations.Load(); n != 3 {
		t.Errorf("truncations %d, want 3", n)
	}
}

// TestTailerCompressedCopyWaitsForTheOriginal is issue #12 without the
// daemon: a .gz made from a followed file is not read while the original
// is, and then only for what the original did not have.
func TestTailerCompressedCopyWaitsForTheOriginal(t *testing.T) {
	tt := newTail(t, nil)
	tt.write("app.log", lines(0, 40))
	tt.cycle()
	tt.expect(lines(0, 40))
	// logrotate: rename, compress the renamed file, delete it.
	if err := os.Rename(tt.path("app.log"), tt.path("app.log.1")); err != nil {
		t.Fatal(err)
	}
	gzipFile(t, tt.path("app.log.1"), tt.path("app.log.1.gz"))
	if err := os.Remove(tt.path("app.log.1")); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", lines(40, 2)) // late lines, only in the deleted file
	tt.cycle()
	tt.cycle()
	tt.expect(lines(40, 2))
	// The original, deleted, is still followed under the name it had.
	if got := tt.followed(); !slices.Equal(got, []string{"app.log"}) {
		t.Errorf("followed %q: the .gz must wait for its original", got)
	}
	tt.now = tt.now.Add(10 * time.Second)
	tt.cycle() // the original is let go; the .gz resumes and holds nothing new
	tt.cycle()
	tt.expect("")
	if !strings.Contains(strings.Join(tt.closes, ","), "finished app.log.1.gz") {
		t.Errorf("the .gz was not read to its end: %q", tt.closes)
	}
	tt.cycle()
	if len(tt.tl.Files()) != 0 {
		t.Errorf("followed %q after everything was read", tt.followed())
	}
}

// TestTailerResumesKnownFiles starts a tailer with checkpoints, as after a
// restart: the plain file at its offset (and is followed, so new lines come
// at the next poll), the compressed copy of a rotated file at the offset of
// the original in decompressed bytes, a finished .gz not at all.
func TestTailerResumesKnownFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	identify := func(name string) fileid.ID {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		id, _, _, err := fileid.Identify(f)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	write("app.log", lines(0, 20))
	write("app.log.1", lines(100, 30))
	write("app.log.2.gz", "")
	gzipFile(t, filepath.Join(dir, "app.log.1"), filepath.Join(dir, "app.log.2.gz"))
	write("app.log.3.gz", "")
	gzipFile(t, filepath.Join(dir, "app.log.1"), filepath.Join(dir, "app.log.3.gz"))
	rotated := identify("app.log.1")
	if err := os.Remove(filepath.Join(dir, "app.log.1")); err != nil {
		t.Fatal(err)
	}
	known := []*fileid.Known{
		{Path: filepath.Join(dir, "app.log"), ID: identify("app.log"), Offset: int64(len(lines(0, 20)))},
		// app.log.1 was read up to its line 110, then compressed while
		// logspan was stopped.
		{Path: filepath.Join(dir, "app.log.1"), ID: rotated, Offset: int64(len(lines(100, 10)))},
		{Path: filepath.Join(dir, "app.log.3.gz"), ID: identify("app.log.3.gz"), Offset: int64(len(lines(100, 30))), Finished: true},
	}
	tt := newTail(t, func(_ *tail, c *TailerConfig) {
		c.Inputs[0].Paths = []string{filepath.Join(dir, "app.log*")}
		c.Inputs[0].StartAtBeginning = false
		c.Known = known
	})
	tt.dir = dir
	tt.cycle()
	tt.expect(lines(110, 20))
	if got := tt.followed(); !slices.Equal(got, []string{"app.log"}) {
		t.Errorf("followed %q, want app.log only", got)
	}
	if n := tt.tl.Stats.Resumed.Load(); n != 2 {
		t.Errorf("resumed %d, want 2", n)
	}
	tt.write("app.log", lines(20, 3))
	tt.poll() // a poll, no discovery
	tt.expect(lines(20, 3))
}

func TestTailerStartAtEndAndChangedWhileStopped(t *testing.T) {
	tests := []struct {
		name    string
		lastRun time.Duration // before the file's modification; 0: no checkpoints
		want    string
	}{
		{"first start: from the end", 0, ""},
		{"changed while stopped: from the start", -time.Hour, lines(0, 3)},
		{"unchanged since the last run: from the end", time.Hour, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTail(t, func(_ *tail, c *TailerConfig) {
				c.Inputs[0].StartAtBeginning = false
				if tc.lastRun != 0 {
					c.LastRun = time.Now().Add(tc.lastRun)
				}
			})
			tt.write("app.log", lines(0, 3)+"half")
			tt.cycle()
			tt.expect(tc.want)
			tt.write("app.log", " done\n")
			tt.poll()
			tt.expect("half done") // never started inside a line
		})
	}
}

func TestTailerMaxOpen(t *testing.T) {
	tt := newTail(t, func(_ *tail, c *TailerConfig) { c.MaxOpen = 2 })
	for _, n := range []string{"app.log.a", "app.log.b", "app.log.c"} {
		tt.write(n, n+"\n")
	}
	tt.cycle()
	if n := len(tt.tl.Files()); n != 2 {
		t.Fatalf("%d files open, want 2", n)
	}
	if !strings.Contains(tt.logs.String(), "too many files open") {
		t.Errorf("no warning about the open-file cap:\n%s", tt.logs)
	}
	if err := os.Remove(tt.path("app.log.a")); err != nil {
		t.Fatal(err)
	}
	tt.cycle() // the deletion is noticed
	tt.now = tt.now.Add(10 * time.Second)
	tt.cycle() // a is let go, c opened at once
	got := tt.taken()
	slices.Sort(got)
	if !slices.Equal(got, []string{"app.log.a", "app.log.b", "app.log.c"}) {
		t.Errorf("lines %q: the third file must be read once a slot is free", got)
	}
}

func TestTailerSetInputsLetsUnmatchedFilesGo(t *testing.T) {
	tt := newTail(t, nil)
	tt.write("app.log", lines(0, 2))
	tt.cycle()
	tt.write("app.log", lines(2, 2))
	tt.tl.SetInputs([]Input{{Paths: []string{tt.path("other.log")}}})
	tt.poll()
	tt.expect(lines(0, 4))
	if len(tt.tl.Files()) != 0 || len(tt.closes) != 1 || !strings.HasPrefix(tt.closes[0], "released app.log") {
		t.Errorf("files %q closes %q", tt.followed(), tt.closes)
	}
}

func TestTailerReportsProblemsOnce(t *testing.T) {
	// root may read anything: deny the way the kernel would.
	denied := map[string]bool{"locked": true, "app.log.secret": true}
	tt := newTail(t, func(_ *tail, c *TailerConfig) {
		c.Open = func(name string) (*os.File, error) {
			if denied[filepath.Base(name)] {
				return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
			}
			return os.Open(name)
		}
	})
	tt.tl.SetInputs([]Input{
		{Paths: []string{tt.path("app.log*")}, StartAtBeginning: true},
		{Paths: []string{tt.path("missing.log")}},
		{Paths: []string{tt.path("locked/*.log")}},
		{Paths: []string{"[bad"}},
	})
	if err := os.Mkdir(tt.path("app.log.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tt.path("locked"), 0o755); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log.secret", "x\n")
	tt.write("app.log", "a\n")
	tt.cycle()
	tt.cycle()
	logs := tt.logs.String()
	for _, want := range []string{
		"cannot open file (logspan needs read access",
		"missing.log", "does not exist (yet)",
		"is a directory",
		"bad path pattern",
		"cannot read directory", "locked",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %q:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "cannot open file"); n != 1 {
		t.Errorf("the unreadable file was reported %d times, want once", n)
	}
	if n := tt.tl.Stats.OpenErrors.Load(); n != 2 {
		t.Errorf("open errors %d, want 2 (one per discovery)", n)
	}
	tt.expect("a")
}

// TestTailerCompressedFileBeingWritten: a .gz found while gzip writes it is
// not taken for a plain file, and is read once it is whole.
func TestTailerCompressedFileBeingWritten(t *testing.T) {
	tt := newTail(t, nil)
	if err := os.WriteFile(tt.path("app.log.src"), []byte(lines(0, 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	gzipFile(t, tt.path("app.log.src"), tt.path("whole.gz"))
	if err := os.Remove(tt.path("app.log.src")); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(tt.path("whole.gz"))
	if err != nil {
		t.Fatal(err)
	}
	gz := tt.path("app.log.1.gz")
	// Empty, then a piece of the header, then half the stream, then all:
	// what a reader sees while gzip writes the file.
	for _, content := range [][]byte{nil, whole[:5], whole[:len(whole)/2], whole} {
		if err := os.WriteFile(gz, content, 0o644); err != nil {
			t.Fatal(err)
		}
		tt.cycle()
	}
	tt.cycle()
	tt.expect(lines(0, 50)) // each once, and no compressed bytes as text
	if !strings.Contains(strings.Join(tt.closes, ","), "finished app.log.1.gz") {
		t.Errorf("closes %q", tt.closes)
	}
}
