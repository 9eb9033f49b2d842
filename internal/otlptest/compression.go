package otlptest

import (
	"context"

	"google.golang.org/grpc/stats"
)

// compressionRecorder is a gRPC stats handler that notes each request's
// grpc-encoding, which gRPC keeps out of the metadata handlers see; it lets
// tests check that a configured compression is really used.
type compressionRecorder struct{ r *Receiver }

func (c compressionRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}

func (c compressionRecorder) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		c.r.mu.Lock()
		c.r.compression = h.Compression
		c.r.mu.Unlock()
	}
}

func (c compressionRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (c compressionRecorder) HandleConn(context.Context, stats.ConnStats) {}

// Compression is the encoding of the latest request ("gzip"): its
// grpc-encoding, empty or "identity" when it was not compressed, or its HTTP
// Content-Encoding, empty when it was not.
func (r *recorder) Compression() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.compression
}
