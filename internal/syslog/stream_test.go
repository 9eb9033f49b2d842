package syslog

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

	"github.com/logspan/logspan/internal/source"
)

// gotLine is a delivered line, copied.
type gotLine struct {
	data      string
	meta      map[string]string
	truncated bool
	invalid   bool
}

// sink is a deliver function that records lines; while gate is set it
// waits on it before taking a batch, as a full pipeline does.
type sink struct {
	mu    sync.Mutex
	lines []gotLine
	gate  chan struct{}
}

func (k *sink) deliver(ctx context.Context) func([]source.Line) error {
	return func(lines []source.Line) error {
		if k.gate != nil {
			select {
			case <-k.gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		for _, l := range lines {
			g := gotLine{data: string(l.Data), meta: map[string]string{}, truncated: l.Truncated, invalid: l.InvalidUTF8}
			for _, v := range l.Meta {
				g.meta[v.Field.String()] = string(v.Value)
			}
			k.lines = append(k.lines, g)
		}
		return nil
	}
}

func (k *sink) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.lines)
}

func (k *sink) snapshot() []gotLine {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]gotLine(nil), k.lines...)
}

// run starts s with k until the test ends; stop stops it and returns Run's
// error.
func run(t *testing.T, s *Stream, k *sink) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, "", k.deliver(ctx)) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func newStream(t *testing.T, cfg Config) *Stream {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func addr(t *testing.T, url string) Addr {
	t.Helper()
	a, err := ParseAddr(url)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// poll waits until cond holds, looking every few milliseconds: for
// datagrams and connections to arrive.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func dial(t *testing.T, network string, a net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial(network, a.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestUDPLinesAndMetadata(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "udp://127.0.0.1:0"), MaxMessage: 200})
	k := &sink{}
	run(t, s, k)
	c := dial(t, "udp", s.LocalAddr())
	long := "<134>Dec  2 01:54:44 haproxy[7]: " + strings.Repeat("x", 300)
	for _, m := range []string{
		"<134>Dec  2 01:54:44 haproxy[18811]: " + haproxyHTTP + "\n",
		"<134>1 2026-12-02T01:54:49.028288+00:00 lb1 haproxy 18904 - - " + haproxyHTTP + "\n",
		haproxyHTTP + "\n",
		"<134>Dec  2 01:54:44 haproxy[7]: bad \xff byte",
		long,
	} {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "5 lines", func() bool { return k.count() == 5 })
	want := []gotLine{
		{data: haproxyHTTP, meta: map[string]string{"syslog.facility": "16", "syslog.severity": "6",
			"syslog.timestamp": "Dec  2 01:54:44", "syslog.app_name": "haproxy", "syslog.procid": "18811"}},
		{data: haproxyHTTP, meta: map[string]string{"syslog.facility": "16", "syslog.severity": "6",
			"syslog.timestamp": "2026-12-02T01:54:49.028288+00:00", "syslog.hostname": "lb1", "syslog.app_name": "haproxy", "syslog.procid": "18904"}},
		{data: haproxyHTTP, meta: map[string]string{}},
		{data: "bad \uFFFD byte", invalid: true, meta: map[string]string{"syslog.facility": "16", "syslog.severity": "6",
			"syslog.timestamp": "Dec  2 01:54:44", "syslog.app_name": "haproxy", "syslog.procid": "7"}},
		{data: long[len("<134>Dec  2 01:54:44 haproxy[7]: "):200], truncated: true, meta: map[string]string{"syslog.facility": "16", "syslog.severity": "6",
			"syslog.timestamp": "Dec  2 01:54:44", "syslog.app_name": "haproxy", "syslog.procid": "7"}},
	}
	if got := k.snapshot(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines:\n got %v\nwant %v", got, want)
	}
	if n, h, cut := s.Stats.Received.Load(), s.Stats.NoHeader.Load(), s.Stats.Cut.Load(); n != 5 || h != 1 || cut != 1 {
		t.Errorf("received %d, without header %d, cut %d; want 5, 1, 1", n, h, cut)
	}
}

// TestUDPQueueFullDropsAndCounts: while the pipeline takes nothing, the
// queue fills and every datagram beyond it is counted as dropped; once the
// pipeline takes lines again, the queued ones arrive and new ones too.
func TestUDPQueueFullDropsAndCounts(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "udp://127.0.0.1:0"), QueueMessages: 5})
	k := &sink{gate: make(chan struct{})}
	stop := run(t, s, k)
	c := dial(t, "udp", s.LocalAddr())
	for i := range 50 {
		fmt.Fprintf(c, "<134>Dec  2 01:54:44 haproxy[1]: line %d\n", i)
	}
	poll(t, "50 datagrams", func() bool { return s.Stats.Received.Load() == 50 })
	if d, k := s.Stats.DroppedQueueFull.Load(), s.Stats.DroppedReceiveBuffer.Load(); d != 45 || k != 0 {
		t.Fatalf("dropped %d for a full queue (want 45), %d by the kernel (want 0)", d, k)
	}
	close(k.gate) // the pipeline takes lines again
	poll(t, "the queued lines", func() bool { return k.count() == 5 })
	fmt.Fprintf(c, "<134>Dec  2 01:54:44 haproxy[1]: line 50\n")
	poll(t, "the next line", func() bool { return k.count() == 6 })
	var got []string
	for _, l := range k.snapshot() {
		got = append(got, l.data)
	}
	// The first five were queued (the first one, or more, taken into the
	// batch that waited); the rest dropped.
	if want := "[line 0 line 1 line 2 line 3 line 4 line 50]"; fmt.Sprint(got) != want {
		t.Errorf("delivered %v, want %s", got, want)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d := s.Stats.DroppedShutdown.Load(); d != 0 {
		t.Errorf("dropped at shutdown: %d, want 0", d)
	}
}

func TestShutdownCountsWhatWasQueued(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "udp://127.0.0.1:0")})
	k := &sink{gate: make(chan struct{})}
	stop := run(t, s, k)
	c := dial(t, "udp", s.LocalAddr())
	for i := range 7 {
		fmt.Fprintf(c, "<134>Dec  2 01:54:44 haproxy[1]: line %d\n", i)
	}
	poll(t, "7 datagrams", func() bool { return s.Stats.Received.Load() == 7 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if d, n := s.Stats.DroppedShutdown.Load(), k.count(); d != 7 || n != 0 {
		t.Errorf("at shutdown %d counted dropped and %d delivered, want 7 and 0", d, n)
	}
}

// TestTCPBackpressure: while the pipeline takes nothing, a TCP connection
// is read only as far as the queue holds, so the sender cannot write all
// it has; nothing is dropped, and once the pipeline takes lines every
// message arrives, in order.
func TestTCPBackpressure(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "tcp://127.0.0.1:0"), QueueMessages: 100})
	k := &sink{gate: make(chan struct{})}
	run(t, s, k)
	c := dial(t, "tcp", s.LocalAddr())
	// Far more than the socket buffers on both sides hold (a few MiB).
	const n = 60000
	pad := strings.Repeat("p", 400)
	written := make(chan error, 1)
	go func() {
		var b strings.Builder
		for i := range n {
			if i%2 == 0 {
				fmt.Fprintf(&b, "<134>Dec  2 01:54:44 haproxy[1]: %d %s\n", i, pad)
			} else {
				m := fmt.Sprintf("<134>Dec  2 01:54:44 haproxy[1]: %d %s", i, pad)
				fmt.Fprintf(&b, "%d %s", len(m), m)
			}
		}
		_, err := c.Write([]byte(b.String()))
		written <- err
	}()
	// The queue fills, then the connection's reader waits for room.
	poll(t, "a full queue", func() bool {
		s.queue.mu.Lock()
		defer s.queue.mu.Unlock()
		return s.queue.n == 100 && s.queue.waiters == 1
	})
	if r := s.Stats.Received.Load(); r != 101 {
		t.Errorf("received %d messages while the queue of 100 was full, want 101 (100 queued, 1 waiting)", r)
	}
	select {
	case err := <-written:
		t.Fatalf("the sender wrote everything (%v) while logspan was not reading", err)
	default:
	}
	close(k.gate)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	poll(t, "every line", func() bool { return k.count() == n })
	for i, l := range k.snapshot() {
		if want := fmt.Sprintf("%d %s", i, pad); l.data != want {
			t.Fatalf("line %d is %.20q, want %.20q", i, l.data, want)
		}
	}
	if d := s.Stats.DroppedQueueFull.Load(); d != 0 {
		t.Errorf("TCP messages dropped: %d", d)
	}
}

func TestTCPConnectionBound(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "tcp://127.0.0.1:0"), MaxConnections: 1})
	k := &sink{}
	run(t, s, k)
	first := dial(t, "tcp", s.LocalAddr())
	fmt.Fprintf(first, "<134>Dec  2 01:54:44 haproxy[1]: one\n")
	poll(t, "the first line", func() bool { return k.count() == 1 })
	second := dial(t, "tcp", s.LocalAddr())
	var b [1]byte
	if n, err := second.Read(b[:]); err == nil {
		t.Fatalf("the second connection was kept open (read %d bytes)", n)
	}
	if r := s.Stats.Rejected.Load(); r != 1 {
		t.Errorf("rejected %d connections, want 1", r)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	poll(t, "the first connection to end", func() bool { return s.Stats.Connections.Load() == 0 })
	third := dial(t, "tcp", s.LocalAddr())
	fmt.Fprintf(third, "<134>Dec  2 01:54:44 haproxy[1]: three\n")
	poll(t, "the third connection's line", func() bool { return k.count() == 2 })
}

func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run", "log.sock")
	s := newStream(t, Config{Addr: addr(t, "unix://"+path)})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket file mode %v, want a socket with 0660", fi.Mode())
	}
	// A second receiver on the same path is refused: the first is alive.
	if _, err := New(Config{Addr: addr(t, "unix://"+path)}); err == nil || !strings.Contains(err.Error(), "another process receives") {
		t.Errorf("second receiver on a live socket: %v", err)
	}
	k := &sink{}
	stop := run(t, s, k)
	c := dial(t, "unixgram", s.LocalAddr())
	fmt.Fprintf(c, "<134>Dec  2 01:54:44 haproxy[9]: over unix")
	poll(t, "the line", func() bool { return k.count() == 1 })
	if got := k.snapshot()[0]; got.data != "over unix" || got.meta["syslog.procid"] != "9" {
		t.Errorf("got %+v", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file left after Run: %v", err)
	}
}

func TestUnixSocketStaleAndForeignFiles(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	// A socket whose process is gone: bound, then closed without removal.
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: stale, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	if _, err := os.Lstat(stale); err != nil {
		t.Fatalf("the stale socket should still exist: %v", err)
	}
	s := newStream(t, Config{Addr: addr(t, "unix://"+stale), SocketMode: 0o600})
	if fi, err := os.Stat(stale); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket over a stale one: %v, %v", fi, err)
	}
	_ = s.Close()

	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Addr: addr(t, "unix://"+regular)}); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("a regular file at the path: %v", err)
	}
	if b, err := os.ReadFile(regular); err != nil || string(b) != "keep" {
		t.Errorf("the regular file was touched: %q, %v", b, err)
	}
}

func TestPortInUse(t *testing.T) {
	s := newStream(t, Config{Addr: addr(t, "tcp://127.0.0.1:0")})
	_, err := New(Config{Addr: addr(t, "tcp://"+s.LocalAddr().String())})
	if err == nil || !strings.Contains(err.Error(), "syslog tcp://127.0.0.1:") {
		t.Errorf("second listener on a port in use: %v", err)
	}
}

func TestDroppedCount(t *testing.T) {
	// A control message as Linux writes it: cmsghdr{len 20, SOL_SOCKET,
	// SO_RXQ_OVFL} and a 32-bit count, padded to 8 bytes.
	oob := []byte{20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 40, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0}
	if d, ok := droppedCount(oob); !ok || d != 42 {
		t.Errorf("droppedCount = %d, %v; want 42", d, ok)
	}
	if _, ok := droppedCount(oob[:10]); ok {
		t.Error("a short control message gave a count")
	}
	if _, ok := droppedCount(nil); ok {
		t.Error("no control message gave a count")
	}
}
