package emit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// grpcTransport sends OTLP/gRPC on one gRPC connection of its own. It calls
// TraceService/Export with the batch's encoded request as it is (see
// requestCodec), so nothing is re-encoded or copied into messages, and it
// takes every setting from target: the SDK's gRPC client would also read
// OTEL_EXPORTER_OTLP_* itself, and complain about forms logspan accepts.
type grpcTransport struct {
	conn    *grpc.ClientConn
	md      metadata.MD
	timeout time.Duration
	opts    []grpc.CallOption
	closed  atomic.Bool
}

// exportMethod is the OTLP trace service's Export method.
const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

// writeBufferBytes is the gRPC connection's write buffer: a whole batch of
// the default size goes out in one or two write calls (gRPC's 32 KiB
// default took a dozen for each).
const writeBufferBytes = 512 << 10

func newGRPCTransport(t target, version string) (*grpcTransport, error) {
	creds := insecure.NewCredentials()
	if !t.insecure {
		creds = credentials.NewTLS(t.tls.config())
	}
	conn, err := grpc.NewClient(t.host,
		grpc.WithTransportCredentials(creds),
		grpc.WithWriteBufferSize(writeBufferBytes),
		grpc.WithUserAgent("logspan/"+version),
	)
	if err != nil {
		return nil, err
	}
	g := &grpcTransport{conn: conn, md: metadata.New(t.headers), timeout: t.timeout,
		opts: []grpc.CallOption{grpc.ForceCodec(requestCodec{})}}
	if t.compression == "gzip" {
		g.opts = append(g.opts, grpc.UseCompressor("gzip"))
	}
	return g, nil
}

func (g *grpcTransport) call(ctx context.Context, b *Batch) callResult {
	if g.closed.Load() {
		return callResult{err: errShutdown}
	}
	bp := encodeBuffers.Get().(*[]byte)
	body := b.request((*bp)[:0])
	defer putEncodeBuffer(bp, body)
	callCtx, cancel := context.WithTimeout(metadata.NewOutgoingContext(ctx, g.md), g.timeout)
	defer cancel()
	var resp coltracepb.ExportTraceServiceResponse
	err := g.conn.Invoke(callCtx, exportMethod, &body, &resp, g.opts...)
	if err == nil {
		if ps := resp.GetPartialSuccess(); ps != nil {
			return callResult{partial: true, rejected: ps.GetRejectedSpans(), msg: ps.GetErrorMessage()}
		}
		return callResult{}
	}
	if g.closed.Load() {
		return callResult{err: errShutdown}
	}
	r := callResult{err: err, reached: true}
	r.retry, r.throttle = retryable(err)
	return r
}

func (g *grpcTransport) shutdown(context.Context) error {
	g.closed.Store(true)
	return g.conn.Close()
}

// requestCodec marshals an export request that is already encoded (a
// *[]byte) as its bytes, and anything else, the answer included, as
// protobuf. Its name is gRPC's protobuf codec's, so the request goes out
// as the application/grpc+proto every collector takes.
type requestCodec struct{}

func (requestCodec) Name() string { return "proto" }

func (requestCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case *[]byte:
		return *m, nil
	case proto.Message:
		return proto.Marshal(m)
	}
	return nil, fmt.Errorf("emit: cannot marshal %T", v)
}

func (requestCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return errors.New("emit: cannot unmarshal into a non-message")
	}
	return proto.Unmarshal(data, m)
}

// sdkTransport writes through an otlptrace.Client: stdoutClient, on the same
// SDK exporter path a collector's client would take.
type sdkTransport struct {
	exp    *otlptrace.Exporter
	client otlptrace.Client
}

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
	err := s.client.UploadTraces(ctx, rs)
	putEncodeBuffer(bp, buf)
	return callResult{err: err}
}

func (s *sdkTransport) shutdown(ctx context.Context) error { return s.exp.Shutdown(ctx) }
