package otlptest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Receiver is an in-process OTLP/gRPC collector for traces. Tests point an
// exporter at Endpoint and then inspect what arrived with Spans or WaitSpans;
// FailNext, RejectNext and Stop make it misbehave the way real collectors do.
// Tests get one from Start (or StartTLS); programs (the soak test) from
// Listen. It is safe for concurrent use.
type Receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	recorder

	addr string
	tls  *tls.Config // nil: plain text

	srv      *grpc.Server // guarded by mu
	failN    int
	failCode codes.Code
}

// Start listens on a free loopback port and serves the OTLP TraceService
// there until the test ends (t.Cleanup stops it).
func Start(t testing.TB) *Receiver {
	t.Helper()
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("otlptest: %v", err)
	}
	t.Cleanup(r.Stop)
	return r
}

// Listen serves the OTLP TraceService on addr ("127.0.0.1:0" for a free
// port) without a testing.TB, for programs such as the soak test that run a
// collector beside a logspan process. The caller stops it with Stop.
func Listen(addr string) (*Receiver, error) { return listen(addr, nil) }

// StartTLS is Start serving TLS with cfg: its certificate, and ClientAuth
// and ClientCAs for mutual TLS.
func StartTLS(t testing.TB, cfg *tls.Config) *Receiver {
	t.Helper()
	r, err := listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("otlptest: %v", err)
	}
	t.Cleanup(r.Stop)
	return r
}

func listen(addr string, cfg *tls.Config) (*Receiver, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	r := &Receiver{addr: lis.Addr().String(), tls: cfg, recorder: newRecorder()}
	r.serve(lis)
	return r, nil
}

func (r *Receiver) serve(lis net.Listener) {
	opts := []grpc.ServerOption{grpc.StatsHandler(compressionRecorder{r})}
	if r.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(r.tls)))
	}
	srv := grpc.NewServer(opts...)
	coltracepb.RegisterTraceServiceServer(srv, r)
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go func() { _ = srv.Serve(lis) }()
}

// Addr is the receiver's "127.0.0.1:port", for exporters that take a bare
// host:port (and then need to be told the connection is insecure).
func (r *Receiver) Addr() string { return r.addr }

// Endpoint is the receiver as an http:// URL, which OTLP exporters read as
// "plain-text gRPC to this host:port" (https:// when it serves TLS).
func (r *Receiver) Endpoint() string {
	if r.tls != nil {
		return "https://" + r.addr
	}
	return "http://" + r.addr
}

// Export implements the OTLP TraceService: it counts the call, then fails it,
// partially rejects it or records its spans, as the test arranged.
func (r *Receiver) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var state *tls.ConnectionState
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			state = &info.State
		}
	}
	// The compression is noted by compressionRecorder, which sees it.
	r.mu.Lock()
	comp := r.compression
	r.mu.Unlock()
	if err := r.arrive(ctx.Done(), func() error { return status.FromContextError(ctx.Err()).Err() }, md.Copy(), comp, state); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failN > 0 {
		r.failN--
		r.notify()
		return nil, status.Errorf(r.failCode, "otlptest: failing as told (%d more)", r.failN)
	}
	return r.take(req), nil
}

// FailNext makes the next n Export calls answer with the gRPC status code
// (e.g. codes.Unavailable), recording nothing, as an overloaded or broken
// collector would.
func (r *Receiver) FailNext(n int, code codes.Code) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failN, r.failCode = n, code
}

// Stop closes the listener and every connection at once, like a collector
// that crashed, so exporters see connection errors. It may be called more
// than once; Restart brings the receiver back.
func (r *Receiver) Stop() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Stop()
	}
}

// Restart serves again on the same address after Stop, keeping the recorded
// spans and counters, to test that an exporter recovers when its collector
// comes back. It fails the test if the port has been taken in the meantime.
func (r *Receiver) Restart(t testing.TB) {
	t.Helper()
	if err := r.Resume(); err != nil {
		t.Fatalf("otlptest: %v", err)
	}
}

// Resume is Restart for programs without a testing.TB: it serves again on
// the same address after Stop, keeping what was recorded, and returns an
// error if the port has been taken in the meantime. It does nothing when
// the receiver is running.
func (r *Receiver) Resume() error {
	r.mu.Lock()
	running := r.srv != nil
	r.mu.Unlock()
	if running {
		return nil
	}
	lis, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("listen again on %s: %w", r.addr, err)
	}
	r.serve(lis)
	return nil
}
