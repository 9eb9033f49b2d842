package otlptest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Receiver is an in-process OTLP/gRPC collector for traces. Tests point an
// exporter at Endpoint and then inspect what arrived with Spans or WaitSpans;
// FailNext, RejectNext and Stop make it misbehave the way real collectors do.
// Tests get one from Start; programs (the soak test) from Listen. It is safe
// for concurrent use.
type Receiver struct {
	coltracepb.UnimplementedTraceServiceServer

	addr string

	mu      sync.Mutex
	srv     *grpc.Server
	spans   []Span
	calls   int
	headers metadata.MD
	// changed is closed and replaced whenever spans or calls change, so
	// waiters block on a channel instead of polling.
	changed chan struct{}

	failN    int
	failCode codes.Code

	rejectCalls int
	rejectN     int64
	rejectMsg   string

	hold chan struct{} // while non-nil, Export waits for it to close

	compression string // grpc-encoding of the latest request

	discard bool // count spans without keeping them (benchmarks)
	count   int

	idsOnly bool // keep span ids and their counts, not Span values (soak)
	// ids counts the spans received per span id, kept unless discard.
	ids map[[8]byte]int
}

// Start listens on a free loopback port and serves the OTLP TraceService
// there until the test ends (t.Cleanup stops it).
func Start(t testing.TB) *Receiver {
	t.Helper()
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("otlptest: %v", err)
	}
	t.Cleanup(r.Stop)
	return r
}

// Listen serves the OTLP TraceService on addr ("127.0.0.1:0" for a free
// port) without a testing.TB, for programs such as the soak test that run a
// collector beside a logspan process. The caller stops it with Stop.
func Listen(addr string) (*Receiver, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	r := &Receiver{addr: lis.Addr().String(), changed: make(chan struct{})}
	r.serve(lis)
	return r, nil
}

func (r *Receiver) serve(lis net.Listener) {
	srv := grpc.NewServer(grpc.StatsHandler(compressionRecorder{r}))
	coltracepb.RegisterTraceServiceServer(srv, r)
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(lis) }()
}

// Addr is the receiver's "127.0.0.1:port", for exporters that take a bare
// host:port (and then need to be told the connection is insecure).
func (r *Receiver) Addr() string { return r.addr }

// Endpoint is the receiver as an http:// URL, which OTLP exporters read as
// "plain-text gRPC to this host:port".
func (r *Receiver) Endpoint() string { return "http://" + r.addr }

// Export implements the OTLP TraceService: it counts the call, then fails it,
// partially rejects it or records its spans, as the test arranged.
func (r *Receiver) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	r.calls++
	r.headers = md.Copy()
	r.notify()
	if hold := r.hold; hold != nil {
		r.mu.Unlock()
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		r.mu.Lock()
	}
	defer r.mu.Unlock()
	defer r.notify()
	if r.failN > 0 {
		r.failN--
		return nil, status.Errorf(r.failCode, "otlptest: failing as told (%d more)", r.failN)
	}
	switch {
	case r.discard:
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				r.count += len(ss.GetSpans())
			}
		}
	case r.idsOnly:
		r.count += r.recordIDs(req)
	default:
		got := flatten(req)
		r.recordIDs(req)
		r.spans = append(r.spans, got...)
		r.count += len(got)
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	if r.rejectCalls > 0 {
		r.rejectCalls--
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{
			RejectedSpans: r.rejectN,
			ErrorMessage:  r.rejectMsg,
		}
	}
	return resp, nil
}

// notify wakes every WaitSpans; r.mu must be held.
func (r *Receiver) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of the spans or calls
// received, for tests that must keep something going (ticking a reader)
// while they wait, instead of sleeping.
func (r *Receiver) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Spans returns a copy of every span received so far, in arrival order
// (within a request, in the request's order).
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// DiscardSpans makes the receiver count spans without flattening or keeping
// them, so a benchmark measures the exporter rather than this receiver's
// bookkeeping, and memory stays flat. Spans and WaitSpans then see nothing
// new; use SpanCount.
func (r *Receiver) DiscardSpans() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.discard = true
}

// SpanCount is the number of spans received so far, kept or discarded.
func (r *Receiver) SpanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Calls is the number of Export calls received, failed ones included, so a
// test can tell a batch that was sent once from one that was re-sent.
func (r *Receiver) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Header returns the values of one request header (gRPC metadata, keys are
// lower-case) on the latest Export call, to check configured headers arrive.
func (r *Receiver) Header(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.headers.Get(key)
}

// FailNext makes the next n Export calls answer with the gRPC status code
// (e.g. codes.Unavailable), recording nothing, as an overloaded or broken
// collector would.
func (r *Receiver) FailNext(n int, code codes.Code) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failN, r.failCode = n, code
}

// RejectNext makes the next successful Export call answer with a partial
// success saying n spans were rejected with msg. The receiver still records
// every span of that call: OTLP does not say which spans were rejected, so
// tests check counts, not which ones.
func (r *Receiver) RejectNext(n int64, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejectCalls, r.rejectN, r.rejectMsg = 1, n, msg
}

// Hold makes Export calls wait, like a collector that accepted the
// connection but does not answer, until the returned release function is
// called (or the caller's deadline passes), to test export timeouts.
func (r *Receiver) Hold() (release func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	r.hold = ch
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			if r.hold == ch {
				r.hold = nil
			}
			r.mu.Unlock()
			close(ch)
		})
	}
}

// WaitSpans blocks until at least n spans have been received and returns
// them, failing the test if that takes longer than timeout. It waits on a
// notification channel, not by polling.
func (r *Receiver) WaitSpans(t testing.TB, n int, timeout time.Duration) []Span {
	t.Helper()
	var out []Span
	r.wait(t, timeout, func() (bool, string) {
		if len(r.spans) < n {
			return false, fmt.Sprintf("got %d spans, want at least %d", len(r.spans), n)
		}
		out = append([]Span(nil), r.spans...)
		return true, ""
	})
	return out
}

// WaitCalls blocks until at least n Export calls have arrived (answered or
// not), failing the test after timeout; for tests that need to know a
// request is in the collector's hands.
func (r *Receiver) WaitCalls(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	r.wait(t, timeout, func() (bool, string) {
		return r.calls >= n, fmt.Sprintf("got %d calls, want at least %d", r.calls, n)
	})
}

// wait re-checks cond (called with r.mu held) each time the receiver's
// state changes, until it holds or timeout passes.
func (r *Receiver) wait(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok, why := cond()
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("otlptest: after %v: %s", timeout, why)
			return
		}
	}
}

// Stop closes the listener and every connection at once, like a collector
// that crashed, so exporters see connection errors. It may be called more
// than once; Restart brings the receiver back.
func (r *Receiver) Stop() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Stop()
	}
}

// Restart serves again on the same address after Stop, keeping the recorded
// spans and counters, to test that an exporter recovers when its collector
// comes back. It fails the test if the port has been taken in the meantime.
func (r *Receiver) Restart(t testing.TB) {
	t.Helper()
	if err := r.Resume(); err != nil {
		t.Fatalf("otlptest: %v", err)
	}
}

// Resume is Restart for programs without a testing.TB: it serves again on
// the same address after Stop, keeping what was recorded, and returns an
// error if the port has been taken in the meantime. It does nothing when
// the receiver is running.
func (r *Receiver) Resume() error {
	r.mu.Lock()
	running := r.srv != nil
	r.mu.Unlock()
	if running {
		return nil
	}
	lis, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("listen again on %s: %w", r.addr, err)
	}
	r.serve(lis)
	return nil
}

// recordIDs counts the spans of req per span id and returns how many it
// saw; r.mu must be held. A span id that is not 8 bytes long counts under
// the all-zero id, which no valid span has, so that it shows up as
// unexpected rather than vanishing.
func (r *Receiver) recordIDs(req *coltracepb.ExportTraceServiceRequest) int {
	if r.ids == nil {
		r.ids = make(map[[8]byte]int)
	}
	n := 0
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				var id [8]byte
				if b := s.GetSpanId(); len(b) == len(id) {
					copy(id[:], b)
				}
				r.ids[id]++
				n++
			}
		}
	}
	return n
}

// KeepIDsOnly makes the receiver record only the id of each span it
// accepts, with a count, instead of a flattened Span: a long soak run sends
// millions of spans, and their attributes would make this receiver, not the
// program under test, the one whose memory grows. Spans and WaitSpans then
// see nothing new; use SpanIDs, SpanIDCount, DistinctSpanIDs and SpanCount.
// Call it before the spans of interest arrive.
func (r *Receiver) KeepIDsOnly() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idsOnly = true
}

// SpanIDs returns, for every span id received so far, how many spans with
// that id arrived: more than one means a span was delivered again (after a
// crash of the sender, say). The map is a copy. Spans received after
// DiscardSpans are not in it.
func (r *Receiver) SpanIDs() map[[8]byte]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[[8]byte]int, len(r.ids))
	for id, n := range r.ids {
		out[id] = n
	}
	return out
}

// SpanIDCount is how many spans with the given id have arrived, without
// copying the whole set as SpanIDs does, for callers checking a few ids at
// a time.
func (r *Receiver) SpanIDCount(id [8]byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

// DistinctSpanIDs is the number of different span ids received so far: a
// cheap progress figure for a caller that waits until every span it expects
// has arrived at least once.
func (r *Receiver) DistinctSpanIDs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}
