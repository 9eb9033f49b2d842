package otlptest

import (
	"context"
	"net"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func client(t *testing.T, r *Receiver) coltracepb.TraceServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return coltracepb.NewTraceServiceClient(conn)
}

func TestListenResumeAndIDs(t *testing.T) {
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if _, err := Listen(r.Addr()); err == nil {
		t.Fatal("Listen on a taken address succeeded")
	}
	c := client(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{8, 7, 6, 5, 4, 3, 2, 1}

	// By default spans are kept whole and their ids counted too.
	if _, err := c.Export(ctx, RequestWithSpanIDs(a, b)); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Spans()); n != 2 {
		t.Fatalf("%d spans kept, want 2", n)
	}

	r.KeepIDsOnly()
	if _, err := c.Export(ctx, RequestWithSpanIDs(a, []byte{9})); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Spans()); n != 2 {
		t.Errorf("%d spans kept after KeepIDsOnly, want still 2", n)
	}
	if got := r.SpanCount(); got != 4 {
		t.Errorf("SpanCount %d, want 4", got)
	}
	ids := r.SpanIDs()
	want := map[[8]byte]int{[8]byte(a): 2, [8]byte(b): 1, {}: 1}
	if len(ids) != len(want) || r.DistinctSpanIDs() != len(want) {
		t.Errorf("SpanIDs %v (distinct %d), want %v", ids, r.DistinctSpanIDs(), want)
	}
	for id, n := range want {
		if ids[id] != n || r.SpanIDCount(id) != n {
			t.Errorf("id %x: SpanIDs %d, SpanIDCount %d, want %d", id, ids[id], r.SpanIDCount(id), n)
		}
	}
	ids[[8]byte(a)] = 100
	if r.SpanIDCount([8]byte(a)) != 2 {
		t.Error("SpanIDs returned the receiver's own map, not a copy")
	}

	// Stop and Resume serve again on the same address, keeping the counts.
	r.Stop()
	if _, err := c.Export(ctx, RequestWithSpanIDs(a)); err == nil {
		t.Fatal("a stopped receiver answered")
	}
	if err := r.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := r.Resume(); err != nil {
		t.Fatalf("Resume of a running receiver: %v", err)
	}
	if _, err := c.Export(ctx, RequestWithSpanIDs(b), grpc.WaitForReady(true)); err != nil {
		t.Fatalf("after Resume: %v", err)
	}
	if r.SpanIDCount([8]byte(b)) != 2 || r.SpanCount() != 5 {
		t.Errorf("after Resume: id count %d, span count %d", r.SpanIDCount([8]byte(b)), r.SpanCount())
	}
}

func TestResumeFailsWhenPortTaken(t *testing.T) {
	r, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Stop()
	lis, err := net.Listen("tcp", r.Addr())
	if err != nil {
		t.Skipf("cannot take the port back: %v", err)
	}
	defer lis.Close()
	if err := r.Resume(); err == nil {
		r.Stop()
		t.Fatal("Resume succeeded on a taken port")
	}
}
