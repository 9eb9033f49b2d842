package emit

import (
	"context"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding"
)

// sdkTransport sends through an otlptrace.Client: the SDK's gRPC client, or
// stdoutClient. The batch's encoding reaches the client as ResourceSpans
// whose unknown fields hold it (see Encoder), so nothing is re-encoded.
type sdkTransport struct {
	exp    *otlptrace.Exporter // owns the client's connection
	client otlptrace.Client
}

// writeBufferBytes is the gRPC connection's write buffer: a whole batch of
// the default size goes out in one or two write calls.
const writeBufferBytes = 512 << 10

// grpcClient is the SDK's gRPC client for t. Every setting is passed as an
// option, so that the client dials what t says and nothing it would read
// from OTEL_EXPORTER_OTLP_* itself (options win over the environment).
func grpcClient(t target) otlptrace.Client {
	opts := []otlptracegrpc.Option{
		otlptracegrpc.WithEndpoint(t.host),
		otlptracegrpc.WithTimeout(t.timeout),
		// Send retries whole batches itself, with a budget the caller
		// chooses and an outcome it reports; the exporter's own retry
		// would hide attempts and give up on its own schedule.
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}),
	}
	if t.insecure {
		opts = append(opts, otlptracegrpc.WithInsecure())
	} else {
		opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(t.tls.config())))
	}
	if len(t.headers) > 0 {
		opts = append(opts, otlptracegrpc.WithHeaders(t.headers))
	}
	// Extra dial options must reach the exporter in a single
	// WithDialOption, because each such option replaces the last.
	dial := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(recordAnswer),
		// An export request is a few hundred KiB; gRPC's 32 KiB default
		// write buffer took a dozen write calls for each.
		grpc.WithWriteBufferSize(writeBufferBytes),
	}
	switch {
	case t.compression == "gzip":
		opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
	case t.compressionSet:
		// The exporter has no option for "none" that overrides a gzip from
		// the environment without logging a complaint; asking gRPC for the
		// identity encoding on every call does the same thing quietly.
		dial = append(dial, grpc.WithDefaultCallOptions(grpc.UseCompressor(encoding.Identity)))
	}
	return otlptracegrpc.NewClient(append(opts, otlptracegrpc.WithDialOption(dial...))...)
}

// newSDKTransport starts client. It does not wait for a collector to be
// reachable.
func newSDKTransport(ctx context.Context, client otlptrace.Client) (*sdkTransport, error) {
	exp, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, err
	}
	return &sdkTransport{exp: exp, client: client}, nil
}

func (s *sdkTransport) call(ctx context.Context, b *Batch) callResult {
	bp := encodeBuffers.Get().(*[]byte)
	rs, buf := b.resourceSpans((*bp)[:0])
	callCtx, rec := withCallRecord(ctx)
	err := s.client.UploadTraces(callCtx, rs)
	// The request was marshalled (copied) by the client: the bytes can
	// serve the next batch.
	putEncodeBuffer(bp, buf)
	if err == nil {
		return callResult{}
	}
	if rejected, msg, ok := partialSuccess(rec, err); ok {
		return callResult{partial: true, rejected: rejected, msg: msg}
	}
	// The bare gRPC error reads better than the exporter's wrapping.
	r := callResult{err: err, reached: rec.seen}
	if rec.seen && rec.err != nil {
		r.err = rec.err
	}
	r.retry, r.throttle = retryable(r.err)
	return r
}

func (s *sdkTransport) shutdown(ctx context.Context) error { return s.exp.Shutdown(ctx) }
