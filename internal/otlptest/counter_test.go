package otlptest

import (
	"context"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
)

// TestCounterCountsSpans sends real OTLP requests (plain and gzip) through
// the generated client and checks the counts and the acknowledgement.
func TestCounterCountsSpans(t *testing.T) {
	c, err := ListenCounter("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conn, err := grpc.NewClient(c.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := coltracepb.NewTraceServiceClient(conn)
	req := func(perScope ...int) *coltracepb.ExportTraceServiceRequest {
		rs := &tracepb.ResourceSpans{}
		for _, n := range perScope {
			ss := &tracepb.ScopeSpans{}
			for range n {
				ss.Spans = append(ss.Spans, &tracepb.Span{Name: "s", TraceId: make([]byte, 16), SpanId: make([]byte, 8)})
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{rs, rs}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := client.Export(ctx, req(3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetPartialSuccess() != nil {
		t.Errorf("answer has a partial success: %v", resp.GetPartialSuccess())
	}
	if _, err := client.Export(ctx, req(1), grpc.UseCompressor(gzip.Name)); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Spans(), int64(2*(3+2)+2*1); got != want {
		t.Errorf("Spans() = %d, want %d", got, want)
	}
	if got := c.Requests(); got != 2 {
		t.Errorf("Requests() = %d, want 2", got)
	}
}

// TestCountSpansRejectsGarbage checks that a malformed request is an error,
// not a count.
func TestCountSpansRejectsGarbage(t *testing.T) {
	if _, err := CountSpans([]byte{0x0a, 0x05, 0x12}); err == nil {
		t.Fatal("CountSpans accepted a truncated message")
	}
}
