package otlptest

import (
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

// recorder is what both receivers, gRPC and HTTP, share: the spans and
// calls received, the headers and client certificate of the latest call,
// and the misbehaviour a test arranged (partial success, holding calls).
// It is safe for concurrent use.
type recorder struct {
	mu      sync.Mutex
	spans   []Span
	calls   int
	headers map[string][]string // lower-case keys
	client  string              // CommonName of the latest call's client certificate
	// changed is closed and replaced whenever spans or calls change, so
	// waiters block on a channel instead of polling.
	changed chan struct{}

	rejectCalls int
	rejectN     int64
	rejectMsg   string

	hold chan struct{} // while non-nil, calls wait for it to close

	compression string // encoding of the latest request

	discard bool // count spans without keeping them (benchmarks)
	count   int

	idsOnly bool // keep span ids and their counts, not Span values (soak)
	// ids counts the spans received per span id, kept unless discard.
	ids map[[8]byte]int
}

func newRecorder() recorder { return recorder{changed: make(chan struct{})} }

// arrive counts a call with its headers, compression and client
// certificate, then waits while the test holds calls; it returns done's
// error if done closes first.
func (r *recorder) arrive(done <-chan struct{}, cancelled func() error, headers map[string][]string, compression string, state *tls.ConnectionState) error {
	r.mu.Lock()
	r.calls++
	r.headers = headers
	r.compression = compression
	r.client = ""
	if state != nil && len(state.PeerCertificates) > 0 {
		r.client = state.PeerCertificates[0].Subject.CommonName
	}
	r.notify()
	hold := r.hold
	r.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-done:
			return cancelled()
		}
	}
	return nil
}

// take records the spans of req as the test arranged and returns the
// answer, a partial success if one was asked for; r.mu must be held.
func (r *recorder) take(req *coltracepb.ExportTraceServiceRequest) *coltracepb.ExportTraceServiceResponse {
	defer r.notify()
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
	return resp
}

// notify wakes every WaitSpans; r.mu must be held.
func (r *recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of the spans or calls
// received, for tests that must keep something going (ticking a reader)
// while they wait, instead of sleeping.
func (r *recorder) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Spans returns a copy of every span received so far, in arrival order
// (within a request, in the request's order).
func (r *recorder) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// DiscardSpans makes the receiver count spans without flattening or keeping
// them, so a benchmark measures the exporter rather than this receiver's
// bookkeeping, and memory stays flat. Spans and WaitSpans then see nothing
// new; use SpanCount.
func (r *recorder) DiscardSpans() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.discard = true
}

// SpanCount is the number of spans received so far, kept or discarded.
func (r *recorder) SpanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Calls is the number of Export calls received, failed ones included, so a
// test can tell a batch that was sent once from one that was re-sent.
func (r *recorder) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Header returns the values of one request header (gRPC metadata or HTTP
// header; keys are case-insensitive) on the latest Export call, to check
// configured headers arrive.
func (r *recorder) Header(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.headers[strings.ToLower(key)]
}

// RejectNext makes the next successful Export call answer with a partial
// success saying n spans were rejected with msg. The receiver still records
// every span of that call: OTLP does not say which spans were rejected, so
// tests check counts, not which ones.
func (r *recorder) RejectNext(n int64, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejectCalls, r.rejectN, r.rejectMsg = 1, n, msg
}

// Hold makes Export calls wait, like a collector that accepted the
// connection but does not answer, until the returned release function is
// called (or the caller's deadline passes), to test export timeouts.
func (r *recorder) Hold() (release func()) {
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
func (r *recorder) WaitSpans(t testing.TB, n int, timeout time.Duration) []Span {
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
func (r *recorder) WaitCalls(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	r.wait(t, timeout, func() (bool, string) {
		return r.calls >= n, fmt.Sprintf("got %d calls, want at least %d", r.calls, n)
	})
}

// wait re-checks cond (called with r.mu held) each time the receiver's
// state changes, until it holds or timeout passes.
func (r *recorder) wait(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
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

// recordIDs counts the spans of req per span id and returns how many it
// saw; r.mu must be held. A span id that is not 8 bytes long counts under
// the all-zero id, which no valid span has, so that it shows up as
// unexpected rather than vanishing.
func (r *recorder) recordIDs(req *coltracepb.ExportTraceServiceRequest) int {
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
func (r *recorder) KeepIDsOnly() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idsOnly = true
}

// SpanIDs returns, for every span id received so far, how many spans with
// that id arrived: more than one means a span was delivered again (after a
// crash of the sender, say). The map is a copy. Spans received after
// DiscardSpans are not in it.
func (r *recorder) SpanIDs() map[[8]byte]int {
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
func (r *recorder) SpanIDCount(id [8]byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

// DistinctSpanIDs is the number of different span ids received so far: a
// cheap progress figure for a caller that waits until every span it expects
// has arrived at least once.
func (r *recorder) DistinctSpanIDs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

// ClientCert is the CommonName of the client certificate the latest call
// came with over TLS; empty without one.
func (r *recorder) ClientCert() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.client
}
