package emit

import (
	"context"
	"time"
)

// transport makes one export call for a batch; Exporter.export decides
// from its callResult whether to retry, and how the batch counts. One per
// protocol: gRPC and stdout through the SDK's client (sdkTransport), OTLP/HTTP
// through net/http (httpTransport).
type transport interface {
	call(ctx context.Context, b *Batch) callResult
	shutdown(ctx context.Context) error
}

// callResult is the outcome of one export call.
type callResult struct {
	// err is nil when the collector took the request (a partial success
	// included); otherwise the collector's answer or the network's error.
	err error
	// partial is set when the collector answered a partial success:
	// rejected spans and its message.
	partial  bool
	rejected int64
	msg      string
	// reached says the request went out; a call that never left (the
	// exporter is shut down, the request cannot be built) is not retried.
	reached bool
	// retry says the failure is transient; throttle is the wait the
	// collector asked for (gRPC RetryInfo), retryAfter its HTTP
	// Retry-After header, read against the exporter's clock.
	retry      bool
	throttle   time.Duration
	retryAfter string
}
