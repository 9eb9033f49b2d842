package otlptest

import (
	"context"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func request(name string) *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
			Name: name, TraceId: make([]byte, 16), SpanId: []byte{1, 2, 3, 4, 5, 6, 7, 8},
			Kind: tracepb.Span_SPAN_KIND_SERVER,
		}}}},
	}}}
}

func TestReceiverBehaviours(t *testing.T) {
	r := Start(t)
	conn, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := coltracepb.NewTraceServiceClient(conn)
	ctx := context.Background()

	r.FailNext(1, codes.Unavailable)
	if _, err := c.Export(ctx, request("a")); status.Code(err) != codes.Unavailable {
		t.Fatalf("want Unavailable, got %v", err)
	}
	r.RejectNext(1, "nope")
	resp, err := c.Export(ctx, request("b"))
	if err != nil || resp.GetPartialSuccess().GetRejectedSpans() != 1 || resp.GetPartialSuccess().GetErrorMessage() != "nope" {
		t.Fatalf("partial success: %v %v", resp, err)
	}
	spans := r.WaitSpans(t, 1, 10*time.Second)
	if len(spans) != 1 || spans[0].Name != "b" || spans[0].Kind != "SERVER" || spans[0].SpanID != "0102030405060708" || spans[0].ParentSpanID != "" {
		t.Fatalf("spans %+v", spans)
	}
	if r.Calls() != 2 {
		t.Fatalf("calls %d", r.Calls())
	}

	r.Stop()
	if _, err := c.Export(ctx, request("c")); status.Code(err) != codes.Unavailable {
		t.Fatalf("stopped receiver answered: %v", err)
	}
	r.Restart(t)
	if _, err := c.Export(ctx, request("d"), grpc.WaitForReady(true)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if n := len(r.WaitSpans(t, 2, 10*time.Second)); n != 2 {
		t.Fatalf("%d spans", n)
	}
}
