package emit

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/mapping"
)

// recordKey is the context key under which buildSpan passes the record whose
// ids the SDK must use.
type recordKey struct{}

// recordIDs is an sdktrace.IDGenerator that hands out the ids of the record
// in the context instead of random ones. logspan's ids are derived from the
// log line, so that re-reading a file produces the same spans and a
// collector can deduplicate them; a random generator would break that.
type recordIDs struct{}

// NewIDs returns the record's trace and span ids (used for root spans).
func (recordIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if s, ok := ctx.Value(recordKey{}).(*mapping.Span); ok {
		return s.TraceID, s.SpanID
	}
	return trace.TraceID{}, trace.SpanID{}
}

// NewSpanID returns the record's span id (used when a parent context gives
// the trace id).
func (recordIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	if s, ok := ctx.Value(recordKey{}).(*mapping.Span); ok {
		return s.SpanID
	}
	return trace.SpanID{}
}
