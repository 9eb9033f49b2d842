package emit

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// callRecord captures, for one ExportSpans call, the raw gRPC answer that
// otlptracegrpc would otherwise fold into a single joined error: the
// collector's partial success and the bare status error. It travels in the
// call's context, so concurrent Sends sharing one connection each see their
// own answer.
type callRecord struct {
	seen    bool
	partial *coltracepb.ExportTracePartialSuccess
	err     error
}

type callRecordKey struct{}

// withCallRecord returns ctx carrying a fresh record for one export call.
func withCallRecord(ctx context.Context) (context.Context, *callRecord) {
	rec := &callRecord{}
	return context.WithValue(ctx, callRecordKey{}, rec), rec
}

// recordAnswer is a gRPC client interceptor on the exporter's connection
// that stores the Export answer in the call's record. It is how partial
// success is detected without depending on the exporter's unexported error
// type or wording.
func recordAnswer(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if rec, ok := ctx.Value(callRecordKey{}).(*callRecord); ok {
		rec.seen, rec.err = true, err
		if resp, ok := reply.(*coltracepb.ExportTraceServiceResponse); ok && err == nil {
			rec.partial = resp.GetPartialSuccess()
		}
	}
	return err
}

// partialText matches the exporter's partial-success error, the fallback
// when the interceptor did not see the call (it always should).
var partialText = regexp.MustCompile(`OTLP partial success: (.*) \((\d+) spans rejected\)`)

// partialSuccess reports whether the collector accepted the request but
// rejected some spans (or warned), and how many and why.
func partialSuccess(rec *callRecord, err error) (rejected int64, msg string, ok bool) {
	if rec.seen {
		if rec.err != nil || rec.partial == nil {
			return 0, "", false
		}
		return rec.partial.GetRejectedSpans(), rec.partial.GetErrorMessage(), true
	}
	for _, e := range leafErrors(err) {
		if m := partialText.FindStringSubmatch(e.Error()); m != nil {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			return n, m[1], true
		}
	}
	return 0, "", false
}

// leafErrors flattens an error tree built with %w and errors.Join.
func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	case interface{ Unwrap() error }:
		if inner := errors.Unwrap(err); inner != nil {
			return leafErrors(inner)
		}
	}
	return []error{err}
}
