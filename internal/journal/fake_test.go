package journal

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The tests run this test binary as a fake journalctl, told what to do by
// files in $FAKE_JOURNALCTL_DIR: its nth run writes its arguments to
// args-n and its pid to pid-n, then follows run-n line by line ("O text"
// to stdout, "E text" to stderr, "exit N"), and at the end of run-n (or
// without one) waits to be stopped, as journalctl --follow does.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FAKE_JOURNALCTL_DIR"); dir != "" {
		os.Exit(fakeJournalctl(dir))
	}
	os.Exit(m.Run())
}

func fakeJournalctl(dir string) int {
	n := 1
	for ; ; n++ {
		if _, err := os.Stat(filepath.Join(dir, "args-"+strconv.Itoa(n))); err != nil {
			break
		}
	}
	suffix := strconv.Itoa(n)
	os.WriteFile(filepath.Join(dir, "pid-"+suffix), []byte(strconv.Itoa(os.Getpid())), 0o644)
	os.WriteFile(filepath.Join(dir, "args-"+suffix), []byte(strings.Join(os.Args[1:], "\n")), 0o644)
	script, _ := os.ReadFile(filepath.Join(dir, "run-"+suffix))
	out := bufio.NewWriter(os.Stdout)
	for _, l := range strings.Split(string(script), "\n") {
		switch {
		case strings.HasPrefix(l, "O "):
			out.WriteString(l[2:] + "\n")
		case strings.HasPrefix(l, "E "):
			out.Flush()
			fmt.Fprintln(os.Stderr, l[2:])
		case strings.HasPrefix(l, "exit "):
			out.Flush()
			code, _ := strconv.Atoi(l[5:])
			return code
		}
	}
	out.Flush()
	select {} // until stopped
}

// fake sets up the fake journalctl for a test: runs[i] is the script of
// run i+1.
func fake(t *testing.T, runs ...string) (program, dir string) {
	t.Helper()
	dir = t.TempDir()
	for i, r := range runs {
		if err := os.WriteFile(filepath.Join(dir, "run-"+strconv.Itoa(i+1)), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("FAKE_JOURNALCTL_DIR", dir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe, dir
}

// fakeArgs returns the arguments of the fake's nth run.
func fakeArgs(t *testing.T, dir string, n int) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "args-"+strconv.Itoa(n)))
	if err != nil {
		t.Fatalf("journalctl run %d: %v", n, err)
	}
	return strings.Split(string(b), "\n")
}

// fakePid returns the pid of the fake's nth run.
func fakePid(t *testing.T, dir string, n int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pid-"+strconv.Itoa(n)))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	return pid
}

// entryJSON is a journalctl JSON line with a message and a cursor.
func entryJSON(msg, cursor string) string {
	return fmt.Sprintf(`{"__CURSOR":%q,"MESSAGE":%q,"_SYSTEMD_UNIT":"haproxy.service","_PID":"42"}`, cursor, msg)
}

// logBuffer is a log the stream writes to while the test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
