package pipeline

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	grpccodes "google.golang.org/grpc/codes"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source/fileid"
)

// Each test is one scenario from an operator's life; each asserts that the
// set of spans the collector received is the set of lines written.

func TestRenameRotationWhileWriting(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 40)
	h.cycle()
	// logrotate renames the log; the writer still appends through its open
	// descriptor until it reopens the path.
	h.rename("app.log", "app.log.1")
	h.write("app.log", 15) // goes to app.log.1 through the old descriptor
	h.tick(h.poll)         // the reader notices the rotation, keeps the old file
	h.write("app.log", 5)
	h.reopen("app.log")
	h.write("app.log", 30) // the new app.log
	h.cycle()
	h.clock.Advance(10 * time.Second) // past RotateWait: the old file is idle
	h.cycle()
	h.expectExactlyOnce()
	if n := h.d.tailer.Stats.Rotations.Load(); n != 1 {
		t.Errorf("rotations counted: %d, want 1", n)
	}
}

func TestTwoRotationsInQuickSuccession(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 20)
	h.cycle()
	// Two rotations before logspan looks again: the middle file is born and
	// rotated away unseen by any poll.
	h.rename("app.log", "app.log.1")
	h.write("app.log", 7)
	h.reopen("app.log")
	h.write("app.log", 11)
	h.rename("app.log.1", "app.log.2")
	h.rename("app.log", "app.log.1")
	h.write("app.log", 3)
	h.reopen("app.log")
	h.write("app.log", 9)
	h.cycle()
	h.clock.Advance(10 * time.Second)
	h.cycle()
	h.expectExactlyOnce()
}

func TestCopyTruncate(t *testing.T) {
	h := newHarness(t)
	h.glob = filepath.Join(h.dir, "app.log") // the copy is not followed
	h.start()
	h.write("app.log", 30)
	h.cycle()
	h.waitAll()
	// logrotate's copytruncate: copy, then truncate in place; the writer
	// keeps its descriptor (O_APPEND) and writes from offset 0 again.
	data, err := os.ReadFile(filepath.Join(h.dir, "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "app.log.1"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(h.dir, "app.log"), 0); err != nil {
		t.Fatal(err)
	}
	// The file grows back past the old offset before logspan looks: only
	// the fingerprint tells that it was truncated.
	h.write("app.log", 40)
	h.cycle()
	h.expectExactlyOnce()
	if n := h.d.tailer.Stats.Truncations.Load(); n != 1 {
		t.Errorf("truncations counted: %d, want 1", n)
	}
}

// TestCopyTruncateOfALongFile is TestCopyTruncate past the first kilobyte:
// the file's fingerprint is complete, so its start is no longer read at
// each poll, and only the bytes just before the read position, checked as
// the next read starts, show that the file was rewritten.
func TestCopyTruncateOfALongFile(t *testing.T) {
	h := newHarness(t)
	h.glob = filepath.Join(h.dir, "app.log")
	h.start()
	h.write("app.log", 80)
	h.cycle()
	h.waitAll()
	path := filepath.Join(h.dir, "app.log")
	if fi, err := os.Stat(path); err != nil || fi.Size() <= fileid.Size {
		t.Fatalf("the log must outgrow the fingerprint: %v, %v", fi.Size(), err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	h.write("app.log", 100)
	h.cycle()
	h.expectExactlyOnce()
	if n := h.d.tailer.Stats.Truncations.Load(); n != 1 {
		t.Errorf("truncations counted: %d, want 1", n)
	}
}

func TestPartialLineCompletedLater(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 3)
	line := h.line()
	h.writeRaw("app.log", line[:10])
	h.cycle()
	// The three whole lines arrive; the half line must not, as a span of
	// its own or otherwise.
	h.expectExactlyOnce()
	h.writeRaw("app.log", line[10:]+"\n")
	h.record(line)
	h.tick(h.poll)
	h.expectExactlyOnce()
}

func TestRestartAfterCleanStop(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 25)
	h.cycle()
	h.waitAll()
	h.stop()
	want := fileSize(t, filepath.Join(h.dir, "app.log"))
	if got := h.checkpointOffsets()["app.log"]; got != want {
		t.Errorf("checkpoint after a clean stop at %d, want the end of the file, %d", got, want)
	}
	h.write("app.log", 10) // while logspan is down
	h.start()
	h.write("app.log", 5)
	h.cycle()
	h.expectExactlyOnce()
}

func TestRestartAfterCrashResendsSameIDs(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 10)
	h.cycle()
	h.waitAll()
	acked := fileSize(t, filepath.Join(h.dir, "app.log"))
	h.waitCheckpoint("app.log", acked)
	// The collector stops answering: spans are read but not acknowledged,
	// so the checkpoint must not move past them.
	release := h.recv.Hold()
	h.write("app.log", 10)
	h.tick(h.poll)
	h.tick(h.save)
	h.tick(h.save)
	if got := h.checkpointOffsets()["app.log"]; got != acked {
		t.Fatalf("checkpoint moved to %d while spans were unacknowledged (acked %d)", got, acked)
	}
	// Crash now: what a kill -9 leaves is this checkpoint. Keep a copy, let
	// this daemon go, and start a new one from the copy.
	saved, err := os.ReadFile(filepath.Join(h.stateDir, "checkpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	release()
	h.stop()
	if err := os.WriteFile(filepath.Join(h.stateDir, "checkpoints.json"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.cycle()
	h.recv.WaitSpans(t, 30, 30*time.Second)
	got, _ := h.received()
	// The lines not acknowledged before the crash were sent again, with
	// the same ids; the ones acknowledged were not.
	for i, id := range h.order {
		if want := 1 + i/10; got[id] != want {
			t.Errorf("line %d: span received %d times, want %d", i+1, got[id], want)
		}
	}
	if len(got) != len(h.written) {
		t.Errorf("distinct spans %d, want %d", len(got), len(h.written))
	}
}

func TestCollectorDownThenBack(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.recv.Stop()
	h.write("app.log", 200)
	h.cycle()
	h.tick(h.save)
	h.tick(h.save)
	if got := h.checkpointOffsets()["app.log"]; got != 0 {
		t.Errorf("checkpoint at %d while the collector is down, want 0", got)
	}
	// Backpressure: with 2 batches of 16 in flight and bounded queues, the
	// reader cannot have taken the whole file.
	h.recv.Restart(t)
	h.expectExactlyOnce()
	h.waitCheckpoint("app.log", fileSize(t, filepath.Join(h.dir, "app.log")))
}

func TestCollectorUnavailableForFirstCalls(t *testing.T) {
	h := newHarness(t)
	h.recv.FailNext(5, grpccodes.Unavailable)
	h.start()
	h.write("app.log", 50)
	h.cycle()
	h.expectExactlyOnce()
	if n := h.d.Stats.SpansFailed.Load(); n != 0 {
		t.Errorf("spans failed: %d, want 0 (retried until taken)", n)
	}
}

func TestNewFileMatchingGlob(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 5)
	h.cycle()
	h.write("app.log.extra", 12) // appears while running: read from its start
	h.tick(h.poll)
	h.cycle()
	h.expectExactlyOnce()
}

func TestFileDeletedWhileTailed(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 10)
	h.cycle()
	if err := os.Remove(filepath.Join(h.dir, "app.log")); err != nil {
		t.Fatal(err)
	}
	h.write("app.log", 4) // the writer still has it open
	h.cycle()
	h.clock.Advance(10 * time.Second)
	h.cycle()
	h.expectExactlyOnce()
	if n := len(h.d.tailer.Files()); n != 0 {
		t.Errorf("%d files still open after the deleted file went idle, want 0", n)
	}
	if n := h.d.tailer.Stats.Deletions.Load(); n != 1 {
		t.Errorf("deletions counted: %d, want 1", n)
	}
}

func TestPermissionDeniedOnOneFile(t *testing.T) {
	h := newHarness(t)
	secret := filepath.Join(h.dir, "app.log.secret")
	var logs lockedLog
	h.mutate = func(d *Daemon) {
		d.Log = slog.New(slog.NewTextHandler(&logs, nil))
		if os.Geteuid() == 0 {
			// root reads any file: deny it the way the kernel would.
			d.OpenFile = func(name string) (*os.File, error) {
				if name == secret {
					return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
				}
				return os.Open(name)
			}
		}
	}
	if err := os.WriteFile(secret, []byte("at=1 id=999999 took=1ms\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.write("app.log", 20)
	h.cycle()
	h.cycle() // a second discovery does not log the same problem again
	h.expectExactlyOnce()
	out := logs.String()
	if !strings.Contains(out, "cannot open file (logspan needs read access") || !strings.Contains(out, secret) || !strings.Contains(out, "permission denied") {
		t.Errorf("the log does not say which file cannot be read and why:\n%s", out)
	}
	if n := strings.Count(out, "cannot open file"); n != 1 {
		t.Errorf("the problem was logged %d times, want once", n)
	}
}

// lockedLog collects a daemon's log lines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNewFileAfterRotationIsReadWithoutWaitingForDiscovery(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 5)
	h.cycle()
	h.rename("app.log", "app.log.1")
	h.reopen("app.log")
	h.write("app.log", 7)
	// Only poll ticks from here (discovery is every 10 s by default): noticing
	// the rotation must open the new file at once.
	h.expectExactlyOnce()
}

// TestReloadDroppingAFileReadsItToItsEnd checks that a file whose input a
// reload removes is read to its end before it is let go, including the
// lines written since the last poll.
func TestReloadDroppingAFileReadsItToItsEnd(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 5)
	h.cycle()
	h.waitAll()
	h.write("app.log", 7) // not yet polled
	cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(daemonRules, filepath.Join(h.dir, "other.log"))), config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.d.Reload(ctx, cfg.Inputs); err != nil {
		t.Fatal(err)
	}
	h.expectExactlyOnce()
	if n := len(h.d.tailer.Files()); n != 0 {
		t.Errorf("%d files still followed after the reload, want 0", n)
	}
}

// TestRestartNewLinesArriveWithinAPoll restarts on a file read to its end:
// lines appended after the restart arrive at the next poll, not at the next
// discovery (every 10 s by default).
func TestRestartNewLinesArriveWithinAPoll(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.write("app.log", 12)
	h.cycle()
	h.waitAll()
	h.stop()
	h.start() // discovers the file at its checkpoint, the end
	h.write("app.log", 6)
	h.tick(h.poll)
	h.expectExactlyOnce() // only poll ticks from here
}
