package emit

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/mapping"
)

// ErrClosed is returned by Add after Close: the batcher no longer accepts
// spans, and one added now would never be reported.
var ErrClosed = errors.New("emit: batcher is closed")

// Batcher groups spans into batches for a Sender, so that each export
// request carries many spans, while bounding memory and reporting every
// batch's fate to the caller.
//
// A batch is sent when it holds cfg.BatchSize spans, when its first span has
// waited cfg.FlushInterval, or on Flush. Up to cfg.MaxInFlight batches exist
// at once, counting the one being filled; while that many are outstanding,
// Add blocks. That blocking is logspan's backpressure: a reader that cannot
// add stops reading, instead of the exporter queueing without limit or
// dropping spans as the SDK's BatchSpanProcessor does.
//
// done is called exactly once per batch, with the tags of its spans in the
// order they were added and the Send result. Calls come from the batcher's
// goroutines, one at a time (never concurrently), but batches may complete
// out of order: a batch retried for a minute finishes after later ones that
// went straight through. A caller tracking read positions must therefore
// advance a checkpoint only past positions whose every earlier batch is
// done. done runs while its batch still counts as outstanding, so it must
// not wait on Add.
type Batcher[T any] struct {
	sender   Sender
	enc      *Encoder
	size     int
	interval time.Duration
	done     func(tags []T, r Result)
	after    func(time.Duration) (<-chan time.Time, func())

	slots  chan struct{} // one token per outstanding batch, the open one included
	closed chan struct{} // closed when Close starts: Add refuses

	// sendCtx is what batches are sent with; Close cancels it when its own
	// context ends first, so that batches still retrying give up and report.
	sendCtx context.Context
	cancel  context.CancelFunc
	sending sync.WaitGroup

	doneMu sync.Mutex // serializes done calls

	// mu guards the open batch and the batches in flight. Adders append
	// under it directly: handing every span to a batching goroutine made
	// that goroutine the pipeline's bottleneck, each span waiting for it
	// to be scheduled.
	mu       sync.Mutex
	isClosed bool
	open     bool   // a batch is being filled (it holds a slot)
	batch    *Batch // the open batch
	tags     []T
	quit     chan struct{} // closed when the open batch is dispatched: stops its timer
	stopTime func()
	gen      uint64 // numbers opened batches, so a late timer cannot flush a later one
	seq      uint64
	inflight map[uint64]chan struct{} // closed after the batch's done call

	closeOnce sync.Once
	closeErr  error

	// free holds sent batches for reuse, so that their buffers, grown to
	// a batch's size, serve the next ones.
	free chan *Batch
}

// NewBatcher returns a Batcher sending to s with cfg's BatchSize,
// FlushInterval and MaxInFlight (defaults for zero values). done may be nil
// when the caller does not track outcomes. Close it to send what is left
// and wait for every batch to be reported.
func NewBatcher[T any](s Sender, cfg Config, done func(tags []T, r Result)) *Batcher[T] {
	return newBatcher(s, cfg, done, realTimer)
}

// newBatcher is NewBatcher with the flush timer injected, so tests decide
// when a batch "has waited long enough" instead of sleeping.
func newBatcher[T any](s Sender, cfg Config, done func([]T, Result), after func(time.Duration) (<-chan time.Time, func())) *Batcher[T] {
	cfg = cfg.withDefaults()
	if done == nil {
		done = func([]T, Result) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Batcher[T]{
		sender:   s,
		enc:      s.Encoder(),
		size:     cfg.BatchSize,
		interval: cfg.FlushInterval,
		done:     done,
		after:    after,
		slots:    make(chan struct{}, cfg.MaxInFlight),
		closed:   make(chan struct{}),
		sendCtx:  ctx,
		cancel:   cancel,
		inflight: make(map[uint64]chan struct{}),
		free:     make(chan *Batch, cfg.MaxInFlight),
	}
}

func realTimer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Add encodes span into the open batch with the caller's tag, which comes
// back in done. Nothing of span is kept: the caller may reuse it at once.
// Add blocks while MaxInFlight batches are outstanding and returns
// ctx.Err() if ctx ends first, or ErrClosed after Close; in both cases the
// span was not added. Add is safe for concurrent use; callers encode in
// parallel and only join the batch under its lock.
func (b *Batcher[T]) Add(ctx context.Context, span *mapping.Span, tag T) error {
	return b.AddFrom(ctx, span, nil, tag)
}

// AddFrom is Add for a span whose resource has, besides its service, the
// attributes of where it came from (a Kubernetes pod and container: the
// file its line was read from says so). Spans of one service and equal
// origins share a resource in the export request; those of another origin
// get their own. origin may be nil (none), and is not modified.
func (b *Batcher[T]) AddFrom(ctx context.Context, span *mapping.Span, origin *attribute.Set, tag T) error {
	select {
	case <-b.closed:
		return ErrClosed
	default:
	}
	sp := spanScratch.Get().(*[]byte)
	defer spanScratch.Put(sp)
	res, enc, encErr := b.enc.encodeSpan(span, origin, (*sp)[:0])
	if cap(enc) <= maxScratch {
		*sp = enc
	}
	b.mu.Lock()
	for !b.open {
		if b.isClosed {
			b.mu.Unlock()
			return ErrClosed
		}
		// Opening a batch takes a slot; wait for one without the lock.
		b.mu.Unlock()
		if err := ctx.Err(); err != nil {
			// Checked first: select would pick at random between a
			// free slot and the ended context.
			return err
		}
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-b.closed:
			return ErrClosed
		}
		b.mu.Lock()
		switch {
		case b.isClosed:
			<-b.slots
			b.mu.Unlock()
			return ErrClosed
		case b.open:
			<-b.slots // another Add opened a batch meanwhile: give ours back
		default:
			b.openLocked()
		}
	}
	b.batch.put(res, enc, encErr)
	b.tags = append(b.tags, tag)
	if b.batch.Len() >= b.size {
		b.dispatchLocked()
	}
	b.mu.Unlock()
	return nil
}

// spanScratch holds the buffers Add encodes a span into before it takes the
// batch's lock.
var spanScratch = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxScratch is the largest scratch buffer kept for reuse: a span with
// huge attributes should not pin its buffer.
const maxScratch = 64 << 10

// openLocked starts a batch, whose slot the caller holds, and its flush
// timer.
func (b *Batcher[T]) openLocked() {
	b.open = true
	b.batch = b.getBatch()
	b.tags = make([]T, 0, b.size)
	b.gen++
	gen := b.gen
	fire, stop := b.after(b.interval)
	quit := make(chan struct{})
	b.quit, b.stopTime = quit, stop
	go func() {
		select {
		case <-fire:
			b.mu.Lock()
			if b.open && b.gen == gen {
				b.dispatchLocked()
			}
			b.mu.Unlock()
		case <-quit:
		}
	}()
}

// dispatchLocked sends the open batch.
func (b *Batcher[T]) dispatchLocked() {
	batch, tags := b.batch, b.tags
	b.open, b.batch, b.tags = false, nil, nil
	close(b.quit)
	b.stopTime()
	b.quit, b.stopTime = nil, nil
	b.launchLocked(batch, tags)
}

// Flush sends the partial batch now and waits until done has been called
// for every batch that existed when Flush was called (spans added
// concurrently with Flush may or may not be included). Use it before
// committing a checkpoint or exiting. It returns ctx.Err() if ctx ends
// first; the batches are still sent and reported.
func (b *Batcher[T]) Flush(ctx context.Context) error {
	b.mu.Lock()
	if b.open {
		b.dispatchLocked()
	}
	waits := b.outstandingLocked()
	b.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close stops accepting spans, flushes, and returns once every batch is
// reported. If ctx ends first, batches still being retried are abandoned:
// their Sends are cancelled and they are reported (as failed) before Close
// returns ctx.Err(). Later calls return the first call's result.
func (b *Batcher[T]) Close(ctx context.Context) error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.isClosed = true
		close(b.closed)
		b.mu.Unlock()
		err := b.Flush(ctx)
		all := make(chan struct{})
		go func() { b.sending.Wait(); close(all) }()
		select {
		case <-all:
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
		}
		b.cancel()
		<-all
		b.closeErr = err
	})
	return b.closeErr
}

// launchLocked sends one batch on its own goroutine, which reports it and
// then gives back the batch's slot token.
func (b *Batcher[T]) launchLocked(batch *Batch, tags []T) {
	finished := make(chan struct{})
	b.seq++
	id := b.seq
	b.inflight[id] = finished
	b.sending.Add(1)
	go func() {
		defer b.sending.Done()
		r := b.sender.Send(b.sendCtx, batch)
		b.doneMu.Lock()
		b.done(tags, r)
		b.doneMu.Unlock()
		b.mu.Lock()
		delete(b.inflight, id)
		b.mu.Unlock()
		close(finished)
		<-b.slots
		b.recycle(batch)
	}()
}

// outstandingLocked returns the completion channels of the batches in
// flight.
func (b *Batcher[T]) outstandingLocked() []chan struct{} {
	out := make([]chan struct{}, 0, len(b.inflight))
	for _, ch := range b.inflight {
		out = append(out, ch)
	}
	return out
}

// getBatch returns an empty batch, recycled when one is free.
func (b *Batcher[T]) getBatch() *Batch {
	select {
	case batch := <-b.free:
		return batch
	default:
		return &Batch{}
	}
}

// recycle gives a sent batch back for reuse, unless one outsized span made
// its storage huge.
func (b *Batcher[T]) recycle(batch *Batch) {
	size := 0
	for i := range batch.groups {
		size += cap(batch.groups[i].spans)
	}
	if size > maxKeptBuffer {
		return
	}
	batch.reset()
	select {
	case b.free <- batch:
	default:
	}
}
