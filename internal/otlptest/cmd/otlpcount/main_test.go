package main

import (
	"bufio"
	"context"
	"github.com/logspan/logspan/internal/otlptest"
	"io"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestCounts drives otlpcount as a script does: read the address, export,
// ask, and see every span and every distinct id counted; closing stdin ends
// it without error.
func TestCounts(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run([]string{"-listen", "127.0.0.1:0"}, inR, outW, io.Discard)
		outW.Close()
		done <- err
	}()
	out := bufio.NewScanner(outR)
	if !out.Scan() {
		t.Fatalf("no first line: %v", <-done)
	}
	addr, ok := strings.CutPrefix(out.Text(), "listening ")
	if !ok {
		t.Fatalf("first line %q, want \"listening ADDR\"", out.Text())
	}
	ask := func() string {
		t.Helper()
		if _, err := io.WriteString(inW, "?\n"); err != nil {
			t.Fatal(err)
		}
		if !out.Scan() {
			t.Fatalf("no answer: %v", out.Err())
		}
		return out.Text()
	}
	if got := ask(); got != "0 0" {
		t.Fatalf("before any export: %q, want \"0 0\"", got)
	}

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := coltracepb.NewTraceServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{8, 7, 6, 5, 4, 3, 2, 1}
	for _, req := range []*coltracepb.ExportTraceServiceRequest{otlptest.RequestWithSpanIDs(a, b), otlptest.RequestWithSpanIDs(a)} {
		if _, err := c.Export(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if got := ask(); got != "3 2" {
		t.Fatalf("after spans a, b, a: %q, want \"3 2\" (spans, distinct)", got)
	}

	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("run after stdin closed: %v", err)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-listen"},
		{"-nosuchflag"},
		{"extra"},
		{"-listen", "127.0.0.1:notaport"},
	} {
		if err := run(args, strings.NewReader(""), io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}
