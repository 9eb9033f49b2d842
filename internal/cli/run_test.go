package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/otlptest"
)

const runRules = `
exporter:
  endpoint: %s
  flush_interval: 10ms
rules:
  - name: kv
    service_name: %s
    grok: 'at=%%{NUMBER:at} id=%%{INT:id} took=%%{INT:took}ms'
    start: {field: at, epoch: ms}
    end: {duration: took, unit: ms}
inputs:
  - paths: ['%s']
    start: beginning
`

// lockedBuffer is a stderr that the daemon writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// notifySocket is what systemd listens on: a real unix datagram socket.
type notifySocket struct {
	t    *testing.T
	conn *net.UnixConn
	path string
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &notifySocket{t: t, conn: conn, path: path}
}

// next returns the next datagram.
func (s *notifySocket) next() string {
	s.t.Helper()
	buf := make([]byte, 4096)
	_ = s.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := s.conn.Read(buf)
	if err != nil {
		s.t.Fatalf("no notification from logspan: %v", err)
	}
	return string(buf[:n])
}

func (s *notifySocket) expect(prefix string) string {
	s.t.Helper()
	got := s.next()
	if !strings.HasPrefix(got, prefix) {
		s.t.Fatalf("notification %q, want one starting with %q", got, prefix)
	}
	return got
}

// TestRunReloadAndNotify runs the daemon as systemd would, with a real
// NOTIFY_SOCKET: READY once following, RELOADING and READY around each
// SIGHUP (valid rules replace the running ones; broken rules are refused with
// their position and the old rules keep working), STOPPING on SIGTERM, then
// exit 0.
func TestRunReloadAndNotify(t *testing.T) {
	rcv := otlptest.Start(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "app.log")
	rulesPath := filepath.Join(dir, "rules.yaml")
	writeRunRules := func(service string) {
		data := fmt.Sprintf(runRules, rcv.Endpoint(), service, logPath)
		if err := os.WriteFile(rulesPath, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRunRules("before")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	n := 0
	writeLine := func() {
		n++
		fmt.Fprintf(logf, "at=%d id=%d took=5ms\n", 1763719200000+int64(n), n)
	}
	run := startSystemdRun(t, "--config", rulesPath, "--state-dir", filepath.Join(dir, "state"), "--listen", "off", "--poll-interval", "10ms")
	sock, reload, stderr := run.sock, run.reload, run.stderr
	sock.expect("READY=1")
	writeLine()
	services := func(want int) map[string]int {
		t.Helper()
		spans := rcv.WaitSpans(t, want, 30*time.Second)
		out := map[string]int{}
		for _, s := range spans {
			out[s.Service]++
		}
		return out
	}
	if got := services(1); got["before"] != 1 {
		t.Fatalf("services %v, want one span of service before", got)
	}

	writeRunRules("after")
	reload <- struct{}{}
	msg := sock.expect("RELOADING=1\nMONOTONIC_USEC=")
	if strings.HasSuffix(msg, "=") || strings.HasSuffix(msg, "=0") {
		t.Errorf("RELOADING without a monotonic time: %q", msg)
	}
	sock.expect("READY=1")
	writeLine()
	if got := services(2); got["after"] != 1 {
		t.Fatalf("after a valid reload: services %v, want one span of service after", got)
	}

	if err := os.WriteFile(rulesPath, []byte("rules:\n  - name: kv\n    grok: '%{NOPE:x}'\n    emit: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload <- struct{}{}
	sock.expect("RELOADING=1")
	sock.expect("READY=1\nSTATUS=reload refused")
	if !strings.Contains(stderr.String(), rulesPath+":3:11:") {
		t.Errorf("the refused reload does not name the place of the problem; stderr:\n%s", stderr)
	}
	writeLine()
	if got := services(3); got["after"] != 2 {
		t.Fatalf("after a broken reload: services %v, want the previous rules still running", got)
	}

	run.cancel()
	sock.expect("STOPPING=1")
	run.exitsOK(t)
}

// systemdRun is logspan run as systemd starts it: a real NOTIFY_SOCKET, a
// reload request channel (SIGHUP) and its standard error kept.
type systemdRun struct {
	sock   *notifySocket
	reload chan struct{}
	stderr *lockedBuffer
	cancel context.CancelFunc // SIGTERM
	code   chan int
}

// startSystemdRun starts logspan run with args (after "run") until the
// test ends or cancel is called.
func startSystemdRun(t *testing.T, args ...string) *systemdRun {
	t.Helper()
	r := &systemdRun{sock: listenNotify(t), reload: make(chan struct{}), stderr: &lockedBuffer{}, code: make(chan int, 1)}
	env := map[string]string{"NOTIFY_SOCKET": r.sock.path}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	t.Cleanup(cancel)
	go func() {
		r.code <- Main(ctx, append([]string{"run"}, args...), &Env{
			Stdout: &lockedBuffer{}, Stderr: r.stderr, Reload: r.reload,
			Getenv: func(k string) string { return env[k] },
		})
	}()
	return r
}

// exitsOK waits for logspan to exit after cancel, and wants exit code 0.
func (r *systemdRun) exitsOK(t *testing.T) {
	t.Helper()
	select {
	case c := <-r.code:
		if c != 0 {
			t.Fatalf("exit %d after SIGTERM, want 0; stderr:\n%s", c, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("logspan did not stop")
	}
}
