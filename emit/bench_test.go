package emit

import (
	"context"
	"fmt"
	"io"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

// benchRecords are realistic records: 12 attributes, two events.
func benchRecords(n int) []mapping.Span {
	out := records(n)
	for i := range out {
		for j := len(out[i].Attributes); j < 12; j++ {
			out[i].Attributes = append(out[i].Attributes, attribute.String(fmt.Sprintf("haproxy.field_%d", j), "some-value"))
		}
	}
	return out
}

// benchSendBatches sends 512-span batches through e, whose spans are built
// the way path names ("sdk" or "snapshot"), and reports µs per span.
func benchSendBatches(b *testing.B, e *Exporter, path string) {
	if path == "snapshot" {
		e.build = snapshotBuilder(b)
	}
	batch := benchRecords(512)
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Send(context.Background(), batch); !r.OK() {
			b.Fatal(r.Err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/512/1000, "µs/span")
}

// BenchmarkSend exports 512-span batches to the in-process receiver over
// real gRPC (loopback) and reports the cost per span, for the span-building
// path Send uses ("sdk") and for the SpanStub alternative ("snapshot").
// The receiver runs in the same process, so its decoding is included.
func BenchmarkSend(b *testing.B) {
	for _, path := range []string{"sdk", "snapshot"} {
		b.Run(path, func(b *testing.B) {
			recv := otlptest.Start(b)
			recv.DiscardSpans()
			e, err := New(context.Background(), Config{Endpoint: recv.Endpoint(), HostName: "h", Version: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = e.Shutdown(context.Background()) }()
			benchSendBatches(b, e, path)
		})
	}
}

// BenchmarkBuildSDK measures making one ReadOnlySpan through the SDK's
// TracerProvider (the path Send uses).
func BenchmarkBuildSDK(b *testing.B) {
	base, err := baseResource(context.Background(), Config{HostName: "h"})
	if err != nil {
		b.Fatal(err)
	}
	sb := newSpanBuilder(base, "bench")
	recs := benchRecords(64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := sb.build(&recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// snapshotBuilder is the alternative to spanBuilder, kept here only to
// compare: it fills a tracetest.SpanStub and takes its Snapshot.
func snapshotBuilder(b testing.TB) func(*mapping.Span) (sdktrace.ReadOnlySpan, error) {
	base, err := baseResource(context.Background(), Config{HostName: "h"})
	if err != nil {
		b.Fatal(err)
	}
	res, err := serviceResource(base, "haproxy-web")
	if err != nil {
		b.Fatal(err)
	}
	scope := instrumentation.Scope{Name: scopeName, Version: "bench"}
	return func(s *mapping.Span) (sdktrace.ReadOnlySpan, error) {
		ts, err := trace.ParseTraceState(s.TraceState)
		if err != nil {
			return nil, err
		}
		events := make([]sdktrace.Event, len(s.Events))
		for j, ev := range s.Events {
			events[j] = sdktrace.Event{Name: ev.Name, Time: ev.Time}
		}
		stub := tracetest.SpanStub{
			Name: s.Name,
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: s.TraceID, SpanID: s.SpanID, TraceFlags: s.Flags, TraceState: ts}),
			Parent: trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: s.TraceID, SpanID: s.Parent, TraceFlags: s.Flags, TraceState: ts, Remote: true}),
			SpanKind:             s.Kind,
			StartTime:            s.Start,
			EndTime:              s.End,
			Attributes:           s.Attributes,
			Events:               events,
			Status:               sdktrace.Status{Code: s.Status, Description: s.StatusMessage},
			Resource:             res,
			InstrumentationScope: scope,
		}
		return stub.Snapshot(), nil
	}
}

// BenchmarkBuildSnapshot measures one span through snapshotBuilder.
func BenchmarkBuildSnapshot(b *testing.B) {
	build := snapshotBuilder(b)
	recs := benchRecords(64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := build(&recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSendStdout isolates the client side (build, OTLP transform,
// encoding) from gRPC and the receiver, for both ways of building spans.
func BenchmarkSendStdout(b *testing.B) {
	for _, path := range []string{"sdk", "snapshot"} {
		b.Run(path, func(b *testing.B) {
			b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
			b.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
			e, err := New(context.Background(), Config{Stdout: io.Discard, HostName: "h"})
			if err != nil {
				b.Fatal(err)
			}
			benchSendBatches(b, e, path)
		})
	}
}
