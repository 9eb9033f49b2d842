package journal

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// got is a line as deliver saw it, copied.
type got struct {
	msg, pos, unit string
	truncated      bool
}

// harness runs a Stream with an injected clock: each wait between
// journalctl runs is sent on waits and ends when the test sends on fire.
type harness struct {
	s      *Stream
	lines  chan got
	waits  chan time.Duration
	fire   chan time.Time
	log    *logBuffer
	done   chan error
	cancel context.CancelFunc
}

func startHarness(t *testing.T, opts Options, from string, now time.Time) *harness {
	t.Helper()
	h := &harness{lines: make(chan got, 1000), waits: make(chan time.Duration), fire: make(chan time.Time), log: &logBuffer{}, done: make(chan error, 1)}
	h.s = New(opts, "", h.log.logger())
	h.s.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.s.after = func(d time.Duration) <-chan time.Time {
		select {
		case h.waits <- d:
			return h.fire
		case <-ctx.Done():
			return nil // Run sees ctx end
		}
	}
	go func() {
		h.done <- h.s.Run(ctx, from, func(ls []source.Line) error {
			for _, l := range ls {
				h.lines <- got{string(l.Data), l.Position, string(linemeta.Get(l.Meta, linemeta.JournalUnit)), l.Truncated}
			}
			return ctx.Err()
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return h
}

func (h *harness) next(t *testing.T) got {
	t.Helper()
	select {
	case l := <-h.lines:
		return l
	case w := <-h.waits:
		t.Fatalf("journalctl stopped (wait %v) instead of delivering a line; log:\n%s", w, h.log)
	case <-time.After(10 * time.Second):
		t.Fatalf("no line in 10 s; log:\n%s", h.log)
	}
	return got{}
}

func (h *harness) wait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case w := <-h.waits:
		return w
	case l := <-h.lines:
		t.Fatalf("line %+v delivered, expected journalctl to stop", l)
	case <-time.After(10 * time.Second):
		t.Fatalf("journalctl was not restarted in 10 s; log:\n%s", h.log)
	}
	return 0
}

// stop ends the run and checks that Run returns nil and the last
// journalctl (run n of the fake) was stopped and waited for: not even a
// zombie is left, which kill(pid, 0) would still find.
func (h *harness) stop(t *testing.T, dir string, n int) {
	t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run = %v, want nil after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	h.done <- nil // for the cleanup
	if pid := fakePid(t, dir, n); syscall.Kill(pid, 0) != syscall.ESRCH {
		t.Errorf("journalctl (pid %d) is still there after Run returned", pid)
	}
}

func TestRestartAfterLastCursor(t *testing.T) {
	program, dir := fake(t,
		"O "+entryJSON("one", "c1")+"\nO "+entryJSON("two", "c2")+
			"\nE No journal files were opened due to insufficient permissions.\nexit 1",
		"O "+entryJSON("three", "c3"))
	h := startHarness(t, Options{Journalctl: program, Units: []string{"haproxy"}}, "", time.Unix(1700000000, 0))
	for _, want := range []got{{"one", "c1", "haproxy.service", false}, {"two", "c2", "haproxy.service", false}} {
		if l := h.next(t); l != want {
			t.Errorf("line %+v, want %+v", l, want)
		}
	}
	if w := h.wait(t); w != time.Second {
		t.Errorf("restart after %v, want 1s", w)
	}
	for _, want := range []string{"insufficient permissions", "SupplementaryGroups=systemd-journal", "exit status 1"} {
		if !strings.Contains(h.log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, h.log)
		}
	}
	h.fire <- time.Time{}
	if l := h.next(t); l != (got{"three", "c3", "haproxy.service", false}) {
		t.Errorf("after the restart: %+v, want three at c3", l)
	}
	first, second := fakeArgs(t, dir, 1), fakeArgs(t, dir, 2)
	if !slices.Contains(first, "--lines=0") || !slices.Contains(first, "_SYSTEMD_UNIT=haproxy.service") {
		t.Errorf("first run's args %q: want new entries of haproxy.service", first)
	}
	if !slices.Contains(second, "--after-cursor=c2") || !slices.Contains(second, "--lines=all") {
		t.Errorf("second run's args %q: want every entry after c2", second)
	}
	h.stop(t, dir, 2)
}

func TestRestartBeforeAnyCursor(t *testing.T) {
	program, dir := fake(t, "exit 1", "O "+entryJSON("one", "c1")+"\nexit 0", "O "+entryJSON("two", "c2"))
	started := time.Date(2024, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	h := startHarness(t, Options{Journalctl: program}, "", started)
	h.wait(t)
	h.fire <- time.Time{}
	h.next(t)
	if w := h.wait(t); w != time.Second {
		t.Errorf("wait after a run that delivered a line: %v, want 1s (backoff starts again)", w)
	}
	h.fire <- time.Time{}
	// The second run starts where the first should have: entries written
	// while journalctl was down are not skipped.
	if args := fakeArgs(t, dir, 2); !slices.Contains(args, "--since=@1709294400.500000") {
		t.Errorf("second run's args %q: want --since the stream's start", args)
	}
	if l := h.next(t); l.msg != "two" {
		t.Errorf("third run: %+v, want two", l)
	}
	if args := fakeArgs(t, dir, 3); !slices.Contains(args, "--after-cursor=c1") {
		t.Errorf("third run's args %q: want after c1", args)
	}
	h.stop(t, dir, 3)
}

func TestBadCursor(t *testing.T) {
	program, dir := fake(t, "E Failed to seek to cursor: Invalid argument\nexit 1", "O "+entryJSON("one", "c1"))
	h := startHarness(t, Options{Journalctl: program}, "not-a-cursor", time.Unix(1700000000, 0))
	h.wait(t)
	if !strings.Contains(h.log.String(), "refused the cursor") {
		t.Errorf("log does not say the cursor was refused:\n%s", h.log)
	}
	h.fire <- time.Time{}
	if l := h.next(t); l.pos != "c1" {
		t.Errorf("line %+v, want c1", l)
	}
	if args := fakeArgs(t, dir, 1); !slices.Contains(args, "--after-cursor=not-a-cursor") {
		t.Errorf("first run's args %q: want after the checkpoint's cursor", args)
	}
	if args := fakeArgs(t, dir, 2); slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--after-cursor") }) ||
		!slices.Contains(args, "--lines=0") {
		t.Errorf("second run's args %q: want the configured start (end), no cursor", args)
	}
	h.stop(t, dir, 2)
}

func TestBackoffWithoutJournalctl(t *testing.T) {
	h := startHarness(t, Options{Journalctl: "/nonexistent/journalctl"}, "", time.Unix(1700000000, 0))
	var waits []time.Duration
	for range 8 {
		waits = append(waits, h.wait(t))
		h.fire <- time.Time{}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if !strings.Contains(h.log.String(), "not found") || !strings.Contains(h.log.String(), "install journalctl") {
		t.Errorf("log does not say journalctl is missing and what to do:\n%s", h.log)
	}
}

// newRun is a run of a stream with opts, delivering to deliver.
func newRun(opts Options, deliver func([]source.Line) error) *run {
	r := &run{s: New(opts, "", nil), deliver: deliver}
	r.dec.maxMessage = r.s.opts.MaxLineBytes
	return r
}

// TestLongEntries: a message over the line limit is cut and marked; an
// entry too long to hold is read in part, and when its cursor was in the
// part dropped its line takes the position of the line before, so that a
// resume reads it again rather than skipping it.
func TestLongEntries(t *testing.T) {
	huge := strings.Repeat("x", 200<<10)
	in := entryJSON("one", "c1") + "\n" +
		`{"MESSAGE":"` + huge + `","__CURSOR":"c2"}` + "\n" +
		`{"MESSAGE":"` + huge[:5000] + `","__CURSOR":"c3"}` + "\n" +
		entryJSON("four", "c4") + "\n"
	var lines []got
	r := newRun(Options{MaxLineBytes: 1000}, func(ls []source.Line) error {
		for _, l := range ls {
			lines = append(lines, got{string(l.Data), l.Position, "", l.Truncated})
		}
		return nil
	})
	if err := r.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := []got{{"one", "c1", "", false}, {huge[:1000], "c1", "", true}, {huge[:1000], "c3", "", true}, {"four", "c4", "", false}}
	if !slices.Equal(lines, want) {
		for _, l := range lines {
			t.Logf("got %d bytes at %q truncated %v", len(l.msg), l.pos, l.truncated)
		}
		t.Fatalf("lines differ from what was expected")
	}
	if r.cursor != "c4" || r.delivered != 4 {
		t.Errorf("cursor, delivered = %q, %d; want c4, 4", r.cursor, r.delivered)
	}
}

// TestBackpressure: while deliver blocks, the stream stops reading, so
// journalctl's writes block instead of piling up in logspan's memory.
func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		var written atomic.Int64
		go func() {
			line := []byte(entryJSON(strings.Repeat("m", 200), "cursor") + "\n")
			for range 20000 { // 4 MB
				if _, err := pw.Write(line); err != nil {
					return
				}
				written.Add(int64(len(line)))
			}
			pw.Close()
		}()
		release := make(chan struct{})
		var delivered atomic.Int64
		r := newRun(Options{}, func(ls []source.Line) error {
			<-release
			delivered.Add(int64(len(ls)))
			return nil
		})
		done := make(chan error)
		go func() { done <- r.read(pr) }()
		synctest.Wait() // everyone blocked: the reader in deliver, the writer in Write
		if w := written.Load(); w > 256<<10 {
			t.Errorf("%d bytes taken from journalctl while deliver was blocked; want no more than a read buffer's worth", w)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n := delivered.Load(); n != 20000 {
			t.Errorf("delivered %d lines, want 20000", n)
		}
	})
}
