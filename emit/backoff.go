package emit

import (
	"context"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// backoffWait is the pause after the given failed attempt (1-based): the
// interval Initial·2^(attempt-1), capped at Max, with "equal jitter" (half
// fixed, half random). Half fixed keeps waits growing attempt after attempt
// until the cap; the random half spreads out many logspan instances that
// lost the same collector at the same moment. rnd(n) returns [0, n).
func backoffWait(rc RetryConfig, attempt int, rnd func(int64) int64) time.Duration {
	d := rc.Initial
	for i := 1; i < attempt && d < rc.Max; i++ {
		d *= 2
	}
	d = min(d, rc.Max)
	half := int64(d / 2)
	if half <= 0 {
		return d
	}
	return time.Duration(half + rnd(half))
}

// retryable reports whether a failed export may succeed if sent again, and
// the delay the collector asked for, if any (gRPC RetryInfo). These are the
// codes OTLP lists as transient, plus ResourceExhausted which a collector
// uses for "queue full, try later"; connection refused arrives as
// Unavailable. Errors without a gRPC status (e.g. request too large, client
// shut down) will not get better by retrying.
func retryable(err error) (bool, time.Duration) {
	st, ok := status.FromError(err)
	if !ok {
		return false, 0
	}
	switch st.Code() {
	case codes.Unavailable, codes.ResourceExhausted, codes.Aborted,
		codes.DeadlineExceeded, codes.Canceled, codes.OutOfRange, codes.DataLoss:
	default:
		return false, 0
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return true, ri.GetRetryDelay().AsDuration()
		}
	}
	return true, 0
}

// sleepCtx waits d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
