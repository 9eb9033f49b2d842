package emit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Sender exports one batch and reports its outcome. Batcher depends on this
// rather than on *Exporter so that its grouping and backpressure can be
// tested with a sender the test controls. Encoder is what the Batcher
// encodes spans with as they are added; Send must not keep the batch after
// it returns, since the Batcher reuses its storage.
type Sender interface {
	Encoder() *Encoder
	Send(ctx context.Context, b *Batch) Result
}

var _ Sender = (*Exporter)(nil)

// Encoder returns the encoder for this exporter's batches: it carries the
// resource and the span limits every span is sent with.
func (e *Exporter) Encoder() *Encoder { return e.enc }

// Send exports the batch as one request and blocks until the collector has
// acknowledged it, answered a partial success, refused it for good, or the
// retry budget (cfg.Retry.MaxElapsed) or ctx ran out. Transient errors
// (unavailable, overloaded, timed out) re-send the whole batch after an
// exponential, jittered wait, or the wait the collector asked for if
// longer; partially rejected spans are not re-sent. The Result accounts for
// every span, the invalid ones as rejected. Send does not keep the batch
// after it returns.
func (e *Exporter) Send(ctx context.Context, b *Batch) Result {
	r := e.export(ctx, b)
	if invalid := b.invalid; len(invalid) > 0 {
		// A record OTLP cannot represent would be refused however often
		// it is sent: count it with the rejected spans.
		r.Rejected += len(invalid)
		r.Err = errors.Join(r.Err, fmt.Errorf("%d invalid spans not sent, the first: %w", len(invalid), invalid[0]))
	}
	return r
}

// encodeBuffers holds the byte buffers batches are encoded into.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512<<10); return &b }}

// maxKeptBuffer is the largest encoding buffer returned to the pool.
const maxKeptBuffer = 8 << 20

// putEncodeBuffer gives buf, grown from *bp, back to the pool, unless one
// outsized batch made it huge.
func putEncodeBuffer(bp *[]byte, buf []byte) {
	if cap(buf) <= maxKeptBuffer {
		*bp = buf[:0]
		encodeBuffers.Put(bp)
	}
}

// export sends the batch's encoded spans, retrying as Send describes.
func (e *Exporter) export(ctx context.Context, b *Batch) Result {
	n := b.n
	if n == 0 {
		return Result{}
	}
	where := e.target.where()
	start := e.now()
	for attempt := 1; ; attempt++ {
		callStart := e.now()
		c := e.tr.call(ctx, b)
		observe := func(err error, retry bool) {
			if e.cfg.Observe != nil {
				e.cfg.Observe(Attempt{Spans: n, Duration: e.now().Sub(callStart), Err: err, Retry: retry})
			}
		}
		if c.err == nil {
			observe(nil, false)
			if c.partial {
				return partialResult(where, n, attempt, c.rejected, c.msg)
			}
			return Result{Exported: n, Attempts: attempt}
		}
		last := c.err
		fail := func(format string, args ...any) Result {
			observe(last, false)
			return Result{Failed: n, Attempts: attempt, Err: fmt.Errorf(format, args...)}
		}
		if ctx.Err() != nil {
			return fail("%s: gave up after %d attempts over %v (%v): %w",
				where, attempt, round(e.now().Sub(start)), context.Cause(ctx), last)
		}
		switch {
		case e.target.stdout:
			return fail("writing %d spans to stdout: %w", n, last)
		case !c.reached:
			// The request never went out (e.g. too large, or the exporter
			// is shut down): nothing to retry.
			return fail("could not send %d spans to %s: %w", n, where, last)
		case !c.retry:
			return fail("%s refused %d spans: %w", where, n, last)
		}
		throttle := c.throttle
		if c.retryAfter != "" {
			throttle = retryAfter(c.retryAfter, e.now())
		}
		wait := max(backoffWait(e.cfg.Retry, attempt, e.rnd), throttle)
		elapsed := e.now().Sub(start)
		if limit := e.cfg.Retry.MaxElapsed; limit >= 0 && elapsed+wait > limit {
			return fail("%s unavailable after %d attempts over %v: %w", where, attempt, round(elapsed), last)
		}
		observe(last, true)
		if err := e.sleep(ctx, wait); err != nil {
			return Result{Failed: n, Attempts: attempt, Err: fmt.Errorf("%s: gave up after %d attempts over %v (%v): %w",
				where, attempt, round(e.now().Sub(start)), context.Cause(ctx), last)}
		}
	}
}

// partialResult accounts for a partial success: the collector took the
// request, rejected some spans and kept the rest. Zero rejected spans with a
// message is a warning, per OTLP.
func partialResult(where string, n, attempt int, rejected int64, msg string) Result {
	r := Result{Attempts: attempt}
	if rejected <= 0 {
		r.Exported, r.Warning = n, msg
		return r
	}
	r.Rejected = int(min(rejected, int64(n)))
	r.Exported = n - r.Rejected
	if msg == "" {
		msg = "no reason given"
	}
	r.Err = fmt.Errorf("%s rejected %d of %d spans: %s", where, r.Rejected, n, msg)
	return r
}

// round trims an elapsed time for messages: milliseconds are enough.
func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
