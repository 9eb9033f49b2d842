package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/journal/journaltest"
	"github.com/logspan/logspan/internal/otlptest"
)

const journalRunRules = `
exporter:
  endpoint: %s
  batch_size: 20
  flush_interval: 10ms
daemon:
  state_dir: %s
  listen: "off"
rules:
  - name: kv
    grok: 'at=%%{NUMBER:at} id=%%{INT:id} took=%%{INT:took}ms'
    start: {field: at, epoch: ms}
    end: {duration: took, unit: ms}
    span_name: 'req {id}'
inputs:
  - journal: {units: [app.service], directory: %s, start: beginning}
`

// kvEntries are journal entries first..last of app.service, each line
// naming its number in its span's name.
func kvEntries(first, last int) []journaltest.Entry {
	var out []journaltest.Entry
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for i := first; i <= last; i++ {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		out = append(out, journaltest.Entry{Time: at, Fields: map[string]string{
			"MESSAGE": fmt.Sprintf("at=%d id=%d took=5ms", at.UnixMilli(), i), "_SYSTEMD_UNIT": "app.service"}})
	}
	return out
}

// TestJournalCursorAcrossSIGKILL runs the real `logspan run` on a journal,
// kills it with SIGKILL while a batch is in the collector's hands, adds
// entries while it is down, and starts it again: every entry arrives, and
// none up to the cursor saved before the kill is sent again.
func TestJournalCursorAcrossSIGKILL(t *testing.T) {
	if why := journaltest.Missing(); why != "" {
		t.Skip(why)
	}
	if testing.Short() {
		t.Skip("builds logspan")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "logspan")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/logspan/logspan/cmd/logspan").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jdir, state := filepath.Join(tmp, "journal"), filepath.Join(tmp, "state")
	if err := journaltest.Append(jdir, kvEntries(1, 100), 0); err != nil {
		t.Fatal(err)
	}
	recv := otlptest.Start(t)
	rules := filepath.Join(tmp, "rules.yaml")
	if err := os.WriteFile(rules, []byte(fmt.Sprintf(journalRunRules, recv.Endpoint(), state, jdir)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func() (*exec.Cmd, *lockedBuffer) {
		var stderr lockedBuffer
		cmd := exec.Command(bin, "run", "--config", rules)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	cmd, stderr := run()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// All of the first hundred acknowledged and the cursor saved.
	recv.WaitSpans(t, 100, 30*time.Second)
	key := "journal:app.service@" + jdir
	saved := waitSavedCursor(t, state, key, cursorOf(t, jdir, 100), stderr)

	// The collector stops answering; fifty more entries are read and
	// sent, but not acknowledged; logspan is killed.
	release := recv.Hold()
	calls := recv.Calls()
	if err := journaltest.Append(jdir, kvEntries(101, 150), 100); err != nil {
		t.Fatal(err)
	}
	recv.WaitCalls(t, calls+1, 30*time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	release()
	waitNoJournalctl(t, jdir)
	if got := readCursor(t, state, key); got != saved {
		t.Fatalf("saved cursor moved to %q after the unacknowledged batch, want %q", got, saved)
	}
	if err := journaltest.Append(jdir, kvEntries(151, 200), 150); err != nil {
		t.Fatal(err)
	}

	cmd, stderr = run()
	counts := map[string]int{}
	for deadline := time.Now().Add(60 * time.Second); ; {
		clear(counts)
		for _, s := range recv.Spans() {
			counts[s.Name]++
		}
		if len(counts) == 200 || time.Now().After(deadline) {
			break
		}
		select {
		case <-recv.Changed():
		case <-time.After(time.Second):
		}
	}
	for i := 1; i <= 200; i++ {
		n := counts[fmt.Sprintf("req %d", i)]
		switch {
		case n == 0:
			t.Errorf("entry %d never arrived", i)
		case i <= 100 && n != 1:
			t.Errorf("entry %d, acknowledged before the kill, arrived %d times", i, n)
		}
	}
	if t.Failed() {
		t.Logf("logspan's log:\n%s", stderr)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// cursorOf returns the cursor of the nth entry (from 1) of the journal.
func cursorOf(t *testing.T, dir string, n int) string {
	t.Helper()
	out, err := exec.Command("journalctl", "--directory="+dir, "--merge", "--output=json").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < n {
		t.Fatalf("the journal has %d entries, want at least %d", len(lines), n)
	}
	var e struct {
		Cursor string `json:"__CURSOR"`
	}
	if err := json.Unmarshal([]byte(lines[n-1]), &e); err != nil {
		t.Fatal(err)
	}
	return e.Cursor
}

// readCursor returns the position saved for key in the state directory.
func readCursor(t *testing.T, state, key string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(state, "streams.json"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Positions map[string]string `json:"positions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("streams.json: %v", err)
	}
	return f.Positions[key]
}

// waitSavedCursor waits until logspan (another process) has saved want
// for key.
func waitSavedCursor(t *testing.T, state, key, want string, stderr *lockedBuffer) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := readCursor(t, state, key)
		if got == want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("saved cursor %q, want %q\nlogspan's log:\n%s", got, want, stderr)
		}
		time.Sleep(20 * time.Millisecond) // another process's file: polled
	}
}

// waitNoJournalctl waits until no journalctl reads dir: a journalctl
// whose reader died exits (journalctl 252 watches its standard output),
// and the kernel kills it anyway when logspan dies (Pdeathsig).
func waitNoJournalctl(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := ""
		procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, p := range procs {
			b, err := os.ReadFile(p)
			if err == nil && strings.Contains(string(b), "--directory="+dir+"\x00") {
				left = p
			}
		}
		if left == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("journalctl still runs after logspan was killed (%s)", left)
		}
		time.Sleep(20 * time.Millisecond) // another process: polled
	}
}
