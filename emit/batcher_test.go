package emit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/logspan/logspan/internal/otlptest"

	"github.com/logspan/logspan/mapping"
)

// testEncoder encodes the batches of the test senders below.
var testEncoder = newEncoder(resource.Empty(), "test")

// countingSender succeeds at once and remembers batch sizes.
type countingSender struct {
	mu    sync.Mutex
	sizes []int
}

func (s *countingSender) Encoder() *Encoder { return testEncoder }

func (s *countingSender) Send(_ context.Context, b *Batch) Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizes = append(s.sizes, b.Len())
	return Result{Exported: b.Len(), Attempts: 1}
}

// blockingSender announces each Send on started and returns when told to
// on release, or with the spans failed when ctx ends.
type blockingSender struct {
	started chan int
	release chan struct{}
}

func (s *blockingSender) Encoder() *Encoder { return testEncoder }

func (s *blockingSender) Send(ctx context.Context, b *Batch) Result {
	s.started <- b.Len()
	select {
	case <-s.release:
		return Result{Exported: b.Len(), Attempts: 1}
	case <-ctx.Done():
		return Result{Failed: b.Len(), Attempts: 1, Err: ctx.Err()}
	}
}

// doneLog collects done calls and signals each on calls.
type doneLog struct {
	mu      sync.Mutex
	batches [][]int
	results []Result
	calls   chan struct{}
}

func newDoneLog() *doneLog { return &doneLog{calls: make(chan struct{}, 1000)} }

func (d *doneLog) done(tags []int, r Result) {
	d.mu.Lock()
	d.batches = append(d.batches, append([]int(nil), tags...))
	d.results = append(d.results, r)
	d.mu.Unlock()
	d.calls <- struct{}{}
}

func (d *doneLog) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-d.calls:
		case <-time.After(waitLong):
			t.Fatalf("done not called %d times", n)
		}
	}
}

// manualTimer is an injected flush timer that fires only when the test
// says so.
type manualTimer struct {
	mu    sync.Mutex
	fires chan time.Time
	armed int
}

func (m *manualTimer) after(time.Duration) (<-chan time.Time, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.armed++
	return m.fires, func() {}
}

func newManualTimer() *manualTimer { return &manualTimer{fires: make(chan time.Time)} }

func TestBatcherSplitsIntoBatches(t *testing.T) {
	s := &countingSender{}
	log := newDoneLog()
	b := newBatcher(s, Config{BatchSize: 500}, log.done, newManualTimer().after)
	span := record(1)
	for i := range 1300 {
		span.Name = "reused" // the caller reuses its Span
		if err := b.Add(context.Background(), &span, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(log.batches) != 3 {
		t.Fatalf("%d batches", len(log.batches))
	}
	seen := map[int]bool{}
	total := 0
	for i, tags := range log.batches {
		for j := 1; j < len(tags); j++ {
			if tags[j] != tags[j-1]+1 {
				t.Errorf("batch %d tags out of order: %v", i, tags)
				break
			}
		}
		for _, tg := range tags {
			if seen[tg] {
				t.Errorf("tag %d reported twice", tg)
			}
			seen[tg] = true
		}
		if log.results[i].Exported != len(tags) {
			t.Errorf("batch %d: result %+v for %d tags", i, log.results[i], len(tags))
		}
		total += len(tags)
	}
	if total != 1300 || len(seen) != 1300 {
		t.Errorf("reported %d tags, %d distinct", total, len(seen))
	}
	sizes := map[int]int{}
	for _, n := range s.sizes {
		sizes[n]++
	}
	if sizes[500] != 2 || sizes[300] != 1 {
		t.Errorf("batch sizes %v", s.sizes)
	}
}

// TestBatcherEncodesOnAdd checks that Add keeps nothing of the caller's
// span: the caller fills the same Span with its next line at once, and
// what is sent is still the span as it was when added.
func TestBatcherEncodesOnAdd(t *testing.T) {
	var got []*tracepb.Span
	s := senderFunc(func(_ context.Context, b *Batch) Result {
		got = append(got, decodeBatch(t, b)...)
		return Result{Exported: b.Len()}
	})
	b := newBatcher[int](s, Config{}, nil, newManualTimer().after)
	span := record(0)
	if err := b.Add(context.Background(), &span, 0); err != nil {
		t.Fatal(err)
	}
	// The caller maps its next line into the same Span and its slices.
	span.Attributes[0] = attribute.String("http.request.method", "PUT")
	span.Events[0].Name = "changed"
	span.Name = "changed"
	span.Service = "other"
	if err := b.Add(context.Background(), &span, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d spans sent, want 2", len(got))
	}
	want := record(0)
	first := got[0]
	if first.Name != want.Name || first.Attributes[0].Value.GetStringValue() != "GET" || first.Events[0].Name != want.Events[0].Name {
		t.Errorf("the first span changed with the caller's: name %q, %v, event %q", first.Name, first.Attributes[0], first.Events[0].Name)
	}
	if second := got[1]; second.Name != "changed" || second.Attributes[0].Value.GetStringValue() != "PUT" {
		t.Errorf("the second span is %q, %v", second.Name, second.Attributes[0])
	}
}

// TestBatcherCountsInvalidSpans checks that a span the encoder refuses
// still takes its place in the batch and comes back in done with its tag,
// so a caller tracking positions sees it settled.
func TestBatcherCountsInvalidSpans(t *testing.T) {
	var sizes, invalid []int
	s := senderFunc(func(_ context.Context, b *Batch) Result {
		sizes, invalid = append(sizes, b.Len()), append(invalid, len(b.Invalid()))
		return Result{Exported: b.Len() - len(b.Invalid()), Rejected: len(b.Invalid())}
	})
	log := newDoneLog()
	b := newBatcher(s, Config{BatchSize: 2}, log.done, newManualTimer().after)
	bad := record(0)
	bad.TraceState = "not a tracestate"
	good := record(1)
	for i, sp := range []*mapping.Span{&good, &bad, &good} {
		if err := b.Add(context.Background(), sp, i); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			log.wait(t, 1) // the full first batch is settled before the next
		}
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{2, 1}) || !slices.Equal(invalid, []int{1, 0}) {
		t.Errorf("batches of %v spans with %v invalid, want [2 1] with [1 0]", sizes, invalid)
	}
	if len(log.batches) != 2 || !slices.Equal(log.batches[0], []int{0, 1}) || log.results[0].Rejected != 1 {
		t.Errorf("done got %v, %+v", log.batches, log.results)
	}
}

type senderFunc func(context.Context, *Batch) Result

func (f senderFunc) Encoder() *Encoder                         { return testEncoder }
func (f senderFunc) Send(ctx context.Context, b *Batch) Result { return f(ctx, b) }

func TestBatcherFlushSendsPartialBatch(t *testing.T) {
	log := newDoneLog()
	b := newBatcher(&countingSender{}, Config{BatchSize: 500}, log.done, newManualTimer().after)
	defer func() { _ = b.Close(context.Background()) }()
	span := record(0)
	for i := range 7 {
		if err := b.Add(context.Background(), &span, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Flush returned, so done has been called: no waiting needed.
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.batches) != 1 || len(log.batches[0]) != 7 {
		t.Fatalf("batches %v", log.batches)
	}
}

func TestBatcherFlushInterval(t *testing.T) {
	log := newDoneLog()
	timer := newManualTimer()
	b := newBatcher(&countingSender{}, Config{BatchSize: 500}, log.done, timer.after)
	defer func() { _ = b.Close(context.Background()) }()
	span := record(0)
	for i := range 3 {
		if err := b.Add(context.Background(), &span, i); err != nil {
			t.Fatal(err)
		}
	}
	timer.fires <- time.Time{} // the first span has waited FlushInterval
	log.wait(t, 1)
	log.mu.Lock()
	if len(log.batches) != 1 || len(log.batches[0]) != 3 {
		t.Errorf("batches %v", log.batches)
	}
	log.mu.Unlock()
	timer.mu.Lock()
	if timer.armed != 1 {
		t.Errorf("timer armed %d times, want once per batch", timer.armed)
	}
	timer.mu.Unlock()
}

func TestBatcherBackpressure(t *testing.T) {
	s := &blockingSender{started: make(chan int, 10), release: make(chan struct{})}
	log := newDoneLog()
	const inFlight = 2
	b := newBatcher(s, Config{BatchSize: 1, MaxInFlight: inFlight}, log.done, newManualTimer().after)
	defer func() { _ = b.Close(context.Background()) }()
	span := record(0)
	ctx := context.Background()

	for i := range inFlight {
		if err := b.Add(ctx, &span, i); err != nil {
			t.Fatal(err)
		}
		<-s.started
	}
	// MaxInFlight batches are in Send: the next Add must wait for one.
	added := make(chan error, 1)
	go func() { added <- b.Add(ctx, &span, inFlight) }()
	select {
	case err := <-added:
		t.Fatalf("Add returned (%v) while %d batches were outstanding", err, inFlight)
	case <-s.started:
		t.Fatal("a third batch was sent")
	default:
	}
	s.release <- struct{}{} // one batch completes
	if err := <-added; err != nil {
		t.Fatal(err)
	}
	log.wait(t, 1)
	<-s.started // the third batch now goes out

	// Blocked again; cancelling the context unblocks Add without adding.
	cctx, cancel := context.WithCancel(ctx)
	go func() { added <- b.Add(cctx, &span, 99) }()
	cancel()
	if err := <-added; !errors.Is(err, context.Canceled) {
		t.Fatalf("Add after cancel: %v", err)
	}
	s.release <- struct{}{}
	s.release <- struct{}{}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, tags := range log.batches {
		if tags[0] == 99 {
			t.Error("the cancelled Add's span was sent")
		}
	}
	if len(log.batches) != 3 {
		t.Errorf("batches %v", log.batches)
	}
}

func TestBatcherCloseAbandonsRetriesWhenContextEnds(t *testing.T) {
	s := &blockingSender{started: make(chan int, 10), release: make(chan struct{})}
	log := newDoneLog()
	b := newBatcher(s, Config{BatchSize: 2}, log.done, newManualTimer().after)
	span := record(0)
	for i := range 3 {
		if err := b.Add(context.Background(), &span, i); err != nil {
			t.Fatal(err)
		}
	}
	<-s.started
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- b.Close(ctx) }()
	<-s.started // Close flushed the partial batch
	cancel()
	if err := <-closed; !errors.Is(err, context.Canceled) {
		t.Fatalf("Close: %v", err)
	}
	if len(log.batches) != 2 || log.results[0].Failed+log.results[1].Failed != 3 {
		t.Errorf("batches %v results %+v", log.batches, log.results)
	}
	if err := b.Add(context.Background(), &span, 9); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
}

func TestBatcherWithExporter(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)
	var mu sync.Mutex
	var exported int
	b := NewBatcher(e, Config{BatchSize: 100}, func(tags []int, r Result) {
		mu.Lock()
		exported += r.Exported
		mu.Unlock()
	})
	for i := range 1300 {
		span := record(i)
		if err := b.Add(context.Background(), &span, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if exported != 1300 || len(recv.Spans()) != 1300 || recv.Calls() != 13 {
		t.Errorf("exported %d received %d in %d calls", exported, len(recv.Spans()), recv.Calls())
	}
}
