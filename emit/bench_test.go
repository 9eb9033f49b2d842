package emit

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

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

// BenchmarkSend exports an encoded 512-span batch over real gRPC (loopback)
// to an in-process receiver that counts spans without decoding them, and
// reports the cost per span of the gRPC transport and the receiver's share
// (BenchmarkEncode measures the encoding, done as spans join a batch).
func BenchmarkSend(b *testing.B) {
	recv, err := otlptest.ListenCounter("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Stop()
	benchSend(b, Config{Endpoint: recv.Endpoint()}, recv)
}

// BenchmarkSendHTTP is BenchmarkSend over OTLP/HTTP (protobuf, loopback,
// no compression) to an in-process receiver that counts spans without
// decoding them.
func BenchmarkSendHTTP(b *testing.B) {
	recv, err := otlptest.ListenHTTPCounter("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Stop()
	benchSend(b, Config{Protocol: "http/protobuf", Endpoint: recv.Endpoint()}, recv)
}

// benchSend sends one encoded 512-span batch per iteration with cfg and
// checks that the receiver counted every span.
func benchSend(b *testing.B, cfg Config, recv interface{ Spans() int64 }) {
	cfg.HostName, cfg.Version = "h", "bench"
	e, err := New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	batch := e.Encoder().Batch(benchRecords(512))
	before := recv.Spans()
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Send(context.Background(), batch); !r.OK() {
			b.Fatal(r.Err)
		}
	}
	if got := recv.Spans() - before; got != int64(b.N)*512 {
		b.Fatalf("receiver counted %d spans, want %d", got, b.N*512)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/512, "ns/span")
}

// BenchmarkEncode measures the encoder alone: records into a batch, and the
// batch laid out as a request.
func BenchmarkEncode(b *testing.B) {
	base, err := baseResource(context.Background(), Config{HostName: "h"})
	if err != nil {
		b.Fatal(err)
	}
	enc := newEncoder(base, "bench")
	spans := benchRecords(512)
	batch := &Batch{}
	var scratch, buf []byte
	b.ReportAllocs()
	for b.Loop() {
		batch.reset()
		for i := range spans {
			scratch = enc.addTo(batch, &spans[i], scratch[:0])
		}
		if invalid := batch.Invalid(); len(invalid) > 0 {
			b.Fatal(invalid[0])
		}
		_, buf = batch.resourceSpans(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/512, "ns/span")
}

// BenchmarkEncodeSDK measures what the encoder replaced, for comparison:
// an SDK span per record, the exporter's transform to protobuf structs and
// their marshalling.
func BenchmarkEncodeSDK(b *testing.B) {
	base, err := baseResource(context.Background(), Config{HostName: "h"})
	if err != nil {
		b.Fatal(err)
	}
	sb := newSpanBuilder(base, "bench")
	c := &marshalClient{}
	exp, err := otlptrace.New(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	batch := benchRecords(512)
	ro := make([]sdktrace.ReadOnlySpan, len(batch))
	b.ReportAllocs()
	for b.Loop() {
		for i := range batch {
			if ro[i], err = sb.build(&batch[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := exp.ExportSpans(context.Background(), ro); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/512, "ns/span")
}

// marshalClient marshals what the exporter hands it, as the gRPC client
// would, and throws it away.
type marshalClient struct{}

func (marshalClient) Start(context.Context) error { return nil }
func (marshalClient) Stop(context.Context) error  { return nil }
func (marshalClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	_, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rs})
	return err
}
