package pipeline

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The logrotate scenarios rotate the harness's log with Debian's logrotate
// itself (logrotate -s STATE -f CONF), not with a rename of our own: what
// logrotate does between the rename, the compression and the deletion is
// what logspan has to get right. Each asserts what the README promises for
// that configuration: without a crash, every line arrives exactly once.

// logrotate runs the real logrotate on the harness's app.log.
type logrotate struct {
	h     *harness
	conf  string
	state string
	// options are the configuration's directives, one a line.
	options string
	runs    int
}

// newLogrotate skips the test when logrotate is not installed (CI installs
// it), and writes a configuration rotating app.log with options.
func newLogrotate(h *harness, options string) *logrotate {
	h.t.Helper()
	if _, err := exec.LookPath("logrotate"); err != nil {
		h.t.Skip("logrotate is not installed (apt-get install logrotate): the rotation scenarios need the real one")
	}
	dir := h.t.TempDir()
	// logrotate refuses a configuration others may write, and a log
	// directory writable by a group other than root.
	for _, d := range []string{dir, h.dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			h.t.Fatal(err)
		}
	}
	lr := &logrotate{h: h, conf: filepath.Join(dir, "logrotate.conf"), state: filepath.Join(dir, "status"), options: options}
	lr.configure(options)
	return lr
}

// configure rewrites the configuration with options.
func (lr *logrotate) configure(options string) {
	lr.h.t.Helper()
	lr.options = options
	conf := fmt.Sprintf("%s {\n%s\n}\n", filepath.Join(lr.h.dir, "app.log"), options)
	if err := os.WriteFile(lr.conf, []byte(conf), 0o644); err != nil {
		lr.h.t.Fatal(err)
	}
	if err := os.Chmod(lr.conf, 0o644); err != nil { // whatever the umask
		lr.h.t.Fatal(err)
	}
}

// run forces one rotation, as the daily cron job or timer would.
func (lr *logrotate) run() {
	lr.h.t.Helper()
	lr.runs++
	out, err := exec.Command("logrotate", "-s", lr.state, "-f", lr.conf).CombinedOutput()
	if err != nil {
		lr.h.t.Fatalf("logrotate (run %d) failed: %v\n%s\nconfiguration:\n%s", lr.runs, err, out, lr.options)
	}
	if len(out) > 0 {
		lr.h.t.Logf("logrotate: %s", out)
	}
}

// names lists the log directory, for messages.
func (h *harness) names() []string {
	h.t.Helper()
	des, err := os.ReadDir(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// rotateWhileWriting is one round of an everyday rotation: lines are read,
// more are written and not read yet, logrotate rotates, the writer appends
// a few lines more through its old descriptor and then reopens the log (as
// HAProxy via rsyslog does once told), and the old file goes idle past
// rotate_wait. reopen is false for copytruncate, whose writer never
// reopens: its descriptor stays the log.
func (h *harness) rotateWhileWriting(lr *logrotate, reopen bool) {
	h.t.Helper()
	h.write("app.log", 30)
	h.cycle()
	h.write("app.log", 6) // not read before the rotation
	lr.run()
	h.write("app.log", 4) // through the descriptor the writer still holds
	h.cycle()
	if reopen {
		h.reopen("app.log")
	}
	h.write("app.log", 10)
	h.cycle()
	h.clock.Advance(10 * time.Second) // past rotate_wait: the old file is idle
	h.cycle()
	h.cycle()
}

// expectNoGarbage asserts that no line failed to match the rule: a file
// resumed in the middle of a line shows as one.
func (h *harness) expectNoGarbage() {
	h.t.Helper()
	if n := h.d.Stats.Unmatched.Load(); n != 0 {
		h.t.Errorf("%d lines matched no rule (a file resumed mid-line?); files: %q", n, h.names())
	}
}

func TestLogrotateCompressDelaycompress(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 5\ncreate\ncompress\ndelaycompress")
	h.start()
	for range 3 {
		h.rotateWhileWriting(lr, true)
	}
	h.expectExactlyOnce()
	h.expectNoGarbage()
	if !strings.Contains(strings.Join(h.names(), " "), "app.log.2.gz") {
		t.Errorf("logrotate compressed nothing: %q", h.names())
	}
}

// TestLogrotateCompress is issue #12: without delaycompress, the rotated log
// is compressed at once, while logspan still reads the original; the .gz is
// a copy of lines already read and must not be read again.
func TestLogrotateCompress(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 5\ncreate\ncompress")
	h.start()
	for range 3 {
		h.rotateWhileWriting(lr, true)
	}
	h.expectExactlyOnce()
	h.expectNoGarbage()
	if !strings.Contains(strings.Join(h.names(), " "), "app.log.1.gz") {
		t.Errorf("logrotate compressed nothing: %q", h.names())
	}
}

// TestLogrotateCompressWhileStopped rotates and compresses while logspan is
// stopped: the .gz resumes at the original's checkpoint, counted in
// decompressed bytes, and the lines written before the rotation but after
// the stop are read from it.
func TestLogrotateCompressWhileStopped(t *testing.T) {
	for _, options := range []string{"rotate 5\ncreate\ncompress", "rotate 5\ncreate\ncompress\ndelaycompress"} {
		t.Run(strings.ReplaceAll(options, "\n", "+"), func(t *testing.T) {
			h := newHarness(t)
			lr := newLogrotate(h, options)
			h.start()
			h.write("app.log", 40)
			h.cycle()
			h.waitAll()
			h.stop()
			h.write("app.log", 7) // while logspan is down
			lr.run()
			h.reopen("app.log")
			h.write("app.log", 5)
			lr.run() // delaycompress: the first rotated file is compressed now
			h.reopen("app.log")
			h.write("app.log", 3)
			h.start()
			h.cycle()
			h.expectExactlyOnce()
			h.expectNoGarbage()
		})
	}
}

func TestLogrotateCopytruncateCompressDelaycompress(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 5\ncopytruncate\ncompress\ndelaycompress")
	h.start()
	for range 3 {
		h.rotateWhileWriting(lr, false)
	}
	// The writer never wrote between logrotate's copy and its truncation,
	// so nothing is lost; the lines not read before the rotation are read
	// from the copy.
	h.expectExactlyOnce()
	h.expectNoGarbage()
	if n := h.d.tailer.Stats.Truncations.Load(); n != 3 {
		t.Errorf("truncations counted: %d, want 3 (one per rotation)", n)
	}
}

// TestLogrotateCopytruncateCompress has no delay: the copy is compressed at
// once, and the lines not read before the rotation are only in the .gz.
func TestLogrotateCopytruncateCompress(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 5\ncopytruncate\ncompress")
	h.start()
	for range 3 {
		h.rotateWhileWriting(lr, false)
	}
	h.expectExactlyOnce()
	h.expectNoGarbage()
}

// TestLogrotateDateext rotates to dated names (app.log-YYYYMMDD...), which
// the README's glob (app.log*) also matches.
func TestLogrotateDateext(t *testing.T) {
	h := newHarness(t)
	// One rotation: logrotate will not rotate twice to the same dated name,
	// and the date only changes with the wall clock.
	lr := newLogrotate(h, "rotate 5\ncreate\ndateext\ndateformat -%Y%m%d-%H%M%S\ncompress")
	h.start()
	h.rotateWhileWriting(lr, true)
	h.write("app.log", 12)
	h.cycle()
	h.expectExactlyOnce()
	h.expectNoGarbage()
	dated := false
	for _, n := range h.names() {
		dated = dated || strings.HasPrefix(n, "app.log-") && strings.HasSuffix(n, ".gz")
	}
	if !dated {
		t.Errorf("no dated, compressed file: %q", h.names())
	}
}

// TestLogrotateRotateDeletesOldest keeps two generations: each rotation
// past the second deletes the oldest, which logspan read before.
func TestLogrotateRotateDeletesOldest(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 2\ncreate")
	h.start()
	for range 5 {
		h.rotateWhileWriting(lr, true)
	}
	h.expectExactlyOnce()
	h.expectNoGarbage()
	if got := strings.Join(h.names(), " "); got != "app.log app.log.1 app.log.2" {
		t.Errorf("files left: %s, want app.log app.log.1 app.log.2", got)
	}
	if n := len(h.d.tailer.Files()); n != 3 {
		t.Errorf("%d files followed, want 3 (the deleted ones let go)", n)
	}
}

// TestLogrotateMissingok rotates while the log does not exist: logrotate
// says nothing, and logspan picks the log up when it appears.
func TestLogrotateMissingok(t *testing.T) {
	h := newHarness(t)
	lr := newLogrotate(h, "rotate 3\nmissingok\nnocreate\ncompress\ndelaycompress")
	h.start()
	h.cycle()
	lr.run() // no log yet
	h.write("app.log", 20)
	h.cycle()
	lr.run() // app.log -> app.log.1; nocreate: no new app.log
	h.write("app.log", 5)
	h.reopen("app.log")
	h.cycle()
	h.clock.Advance(10 * time.Second)
	h.cycle()
	if _, err := os.Stat(filepath.Join(h.dir, "app.log")); err == nil {
		t.Fatal("nocreate: logrotate created a new app.log")
	}
	lr.run() // app.log missing again: nothing rotated, nothing compressed
	h.cycle()
	h.write("app.log", 8) // the writer creates the log when it next writes
	h.cycle()
	h.cycle()
	h.expectExactlyOnce()
	h.expectNoGarbage()
}

// TestLogrotatePostrotateReopen has a writer that reopens its log when
// logrotate's postrotate script tells it to (here: creates a file), the way
// rsyslog does on `invoke-rc.d rsyslog rotate`.
func TestLogrotatePostrotateReopen(t *testing.T) {
	h := newHarness(t)
	signal := filepath.Join(h.dir, "reopen.signal")
	lr := newLogrotate(h, fmt.Sprintf("rotate 3\ncreate\ncompress\ndelaycompress\nsharedscripts\npostrotate\n  touch %s\nendscript", signal))
	h.start()
	for round := range 4 {
		h.write("app.log", 25)
		h.cycle()
		h.write("app.log", 3)
		lr.run()
		if _, err := os.Stat(signal); err != nil {
			t.Fatalf("round %d: postrotate did not run: %v", round, err)
		}
		h.reopen("app.log")
		if err := os.Remove(signal); err != nil {
			t.Fatal(err)
		}
		h.write("app.log", 9)
		h.cycle()
		h.clock.Advance(10 * time.Second)
		h.cycle()
	}
	h.expectExactlyOnce()
	h.expectNoGarbage()
}
