package otlptest

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip-compressed requests
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

// The OTLP trace service as gRPC names it.
const traceService = "opentelemetry.proto.collector.trace.v1.TraceService"

// Counter is an OTLP/gRPC trace receiver that only counts: it acknowledges
// every well-formed Export request and counts its spans, walking the
// protobuf wire format just deep enough to find them instead of decoding
// every attribute. Benchmarks use it so that the receiver, which shares the
// machine with the exporter being measured, costs a small fraction of what
// a decoding collector would; Receiver is the one to use when a test needs
// to see what arrived.
type Counter struct {
	addr     string
	srv      *grpc.Server
	spans    atomic.Int64
	requests atomic.Int64
}

// ListenCounter serves a Counter on addr ("127.0.0.1:0" for a free port)
// until Stop.
func ListenCounter(addr string) (*Counter, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Counter{addr: lis.Addr().String()}
	c.srv = grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.MaxRecvMsgSize(64<<20))
	c.srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: traceService,
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Export", Handler: c.export}},
	}, struct{}{})
	go func() { _ = c.srv.Serve(lis) }()
	return c, nil
}

// Addr is the host:port the Counter listens on.
func (c *Counter) Addr() string { return c.addr }

// Endpoint is Addr as an insecure gRPC endpoint URL.
func (c *Counter) Endpoint() string { return "http://" + c.addr }

// Spans is the number of spans acknowledged so far.
func (c *Counter) Spans() int64 { return c.spans.Load() }

// Requests is the number of Export requests acknowledged so far.
func (c *Counter) Requests() int64 { return c.requests.Load() }

// Stop closes the listener and every connection at once.
func (c *Counter) Stop() { c.srv.Stop() }

// export handles one Export call. Its empty answer is the encoding of an
// ExportTraceServiceResponse without partial success: all accepted.
func (c *Counter) export(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var req spanCount
	if err := dec(&req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "bad ExportTraceServiceRequest: %v", err)
	}
	c.spans.Add(int64(req))
	c.requests.Add(1)
	empty := []byte{}
	return &empty, nil
}

// CountSpans counts the spans of an encoded ExportTraceServiceRequest
// (resource_spans[].scope_spans[].spans[]), checking the structure of the
// messages on the way.
func CountSpans(req []byte) (int, error) {
	n := 0
	err := eachField(req, 1, func(rs []byte) error { // resource_spans
		return eachField(rs, 2, func(ss []byte) error { // scope_spans
			return eachField(ss, 2, func([]byte) error { // spans
				n++
				return nil
			})
		})
	})
	return n, err
}

// eachField calls fn with the bytes of every length-delimited field num of
// the message b, skipping the other fields.
func eachField(b []byte, num protowire.Number, fn func([]byte) error) error {
	for len(b) > 0 {
		f, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if f == num && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			if err := fn(v); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(f, typ, b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
	}
	return nil
}

// spanCount is what rawCodec decodes a request into: its number of spans.
type spanCount int

// rawCodec counts the spans of a request as it "unmarshals" it, so that the
// request bytes, which gRPC frees after Unmarshal, need not be copied, and
// marshals answers that are already bytes.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("otlptest: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	n, ok := v.(*spanCount)
	if !ok {
		return fmt.Errorf("otlptest: cannot unmarshal into %T", v)
	}
	c, err := CountSpans(data)
	*n = spanCount(c)
	return err
}
