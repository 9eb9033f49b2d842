package pipeline

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/syslog"
)

// syslogStream opens a receiver on url and makes it the harness daemon's
// stream, with the kv rule.
func syslogStream(t *testing.T, h *harness, url string, queue int) *syslog.Stream {
	t.Helper()
	a, err := syslog.ParseAddr(url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := syslog.New(syslog.Config{Addr: a, QueueMessages: queue})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	h.mutate = func(d *Daemon) {
		d.Streams = []StreamInput{{Name: "syslog " + url, Stream: s, Rules: d.Inputs[0].Rules}}
	}
	return s
}

// pollUntil looks every few milliseconds until cond holds.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// TestSyslogUDPWhileTheCollectorIsDown: with the collector away the
// pipeline fills, then the receiver's queue, and every datagram beyond is
// counted as dropped, none lost silently: once the collector is back,
// every datagram not counted arrives as a span, exactly once.
func TestSyslogUDPWhileTheCollectorIsDown(t *testing.T) {
	h := newHarness(t)
	const queue = 100
	s := syslogStream(t, h, "udp://127.0.0.1:0", queue)
	h.start()
	c, err := net.Dial("udp", s.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := map[string]bool{}
	sent := 0
	// send sends n lines, 100 at a time, each batch read before the
	// next is sent so that the kernel's buffer never overflows.
	send := func(n int) {
		for i := 0; i < n; i++ {
			l := h.line()
			ids[idOf(l)] = true
			if _, err := fmt.Fprintf(c, "<134>Dec  2 01:54:44 app[7]: %s\n", l); err != nil {
				t.Fatal(err)
			}
			if sent++; sent%100 == 0 || i == n-1 {
				pollUntil(t, "the receiver to read", func() bool { return s.Stats.Received.Load() == int64(sent) })
			}
		}
	}
	send(50)
	// Acknowledged, not only received: a batch the collector recorded but
	// whose answer the Stop below cut off is sent again (at least once),
	// which would count here as a duplicate.
	pollUntil(t, "50 spans acknowledged", func() bool {
		return len(h.recv.Spans()) == 50 && h.d.Stats.SpansExported.Load() == 50
	})

	h.recv.Stop()
	send(4000)
	dropped := s.Stats.DroppedQueueFull.Load()
	if dropped == 0 || s.Queued() != queue {
		t.Fatalf("collector down, 4,000 datagrams: %d dropped, %d queued; want drops and a full queue of %d", dropped, s.Queued(), queue)
	}
	if k := s.Stats.DroppedReceiveBuffer.Load(); k != 0 {
		t.Fatalf("the kernel dropped %d datagrams", k)
	}

	h.recv.Restart(t)
	want := sent - int(dropped)
	pollUntil(t, "the spans of every datagram not dropped", func() bool { return len(h.recv.Spans()) >= want })
	send(10)
	want += 10
	pollUntil(t, "the spans of datagrams after the recovery", func() bool { return len(h.recv.Spans()) >= want })
	h.stop()
	got, total := h.received()
	if total != want || len(got) != want {
		t.Errorf("%d spans (%d distinct) for %d datagrams sent and %d dropped", total, len(got), sent, dropped)
	}
	for id := range got {
		if !ids[id] {
			t.Fatalf("span %s of no line sent", id)
		}
	}
	if q := s.Stats.DroppedShutdown.Load(); q != 0 {
		t.Errorf("%d counted dropped at shutdown, want 0", q)
	}
	t.Logf("collector down: %d of 4,000 datagrams dropped (queue %d), the rest held by the pipeline and the queue", dropped, queue)
}

// TestSyslogTCPWhileTheCollectorIsDown: with the collector away the
// pipeline fills, then the receiver's queue, and then logspan stops
// reading the connection, so the sender cannot write all it has; once the
// collector is back, it can, and every message is a span, exactly once.
func TestSyslogTCPWhileTheCollectorIsDown(t *testing.T) {
	h := newHarness(t)
	const queue = 100
	s := syslogStream(t, h, "tcp://127.0.0.1:0", queue)
	h.start()
	c, err := net.Dial("tcp", s.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h.recv.Stop()
	// 15,000 messages of 2 KiB (RFC 5424, the padding in structured
	// data the receiver skips), octet counted: 30 MiB, far more than the
	// socket buffers, the queue and the pipeline hold.
	pad := strings.Repeat("x", 2000)
	var b strings.Builder
	for range 15000 {
		l := h.line()
		h.record(l)
		m := fmt.Sprintf(`<134>1 2026-12-02T01:54:44Z host app 7 - [pad p="%s"] %s`, pad, l)
		fmt.Fprintf(&b, "%d %s", len(m), m)
	}
	written := make(chan error, 1)
	go func() {
		_, err := c.Write([]byte(b.String()))
		written <- err
	}()
	pollUntil(t, "the receiver's queue to fill", func() bool { return s.Queued() == queue })
	select {
	case err := <-written:
		t.Fatalf("the sender wrote 30 MiB (%v) while the collector was down", err)
	default:
	}
	h.recv.Restart(t)
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	h.expectExactlyOnce()
	if d := s.Stats.DroppedQueueFull.Load(); d != 0 {
		t.Errorf("%d TCP messages dropped", d)
	}
}
