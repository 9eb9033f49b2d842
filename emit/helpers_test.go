package emit

import (
	"context"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

const waitLong = 10 * time.Second

// baseTime has nanoseconds so that truncation anywhere would show.
var baseTime = time.Date(2024, 3, 9, 14, 7, 1, 123456789, time.UTC)

// record returns a distinct span record; even i have a remote parent and
// tracestate, odd i are roots.
func record(i int) mapping.Span {
	s := mapping.Span{
		Rule:    "web",
		Service: "haproxy-web",
		Flags:   trace.FlagsSampled,
		Name:    "GET /api/items",
		Kind:    trace.SpanKindServer,
		Start:   baseTime.Add(time.Duration(i) * time.Millisecond),
		End:     baseTime.Add(time.Duration(i)*time.Millisecond + 42*time.Millisecond + 7),
		Attributes: []attribute.KeyValue{
			attribute.String("http.request.method", "GET"),
			attribute.Int64("http.response.status_code", 503),
			attribute.Float64("haproxy.tt_ratio", 0.25),
			attribute.Bool("haproxy.retried", true),
			attribute.Int("index", i),
		},
		Events: []mapping.Event{
			{Name: "request.received", Time: baseTime.Add(time.Duration(i)*time.Millisecond + 3)},
			{Name: "backend.connected", Time: baseTime.Add(time.Duration(i)*time.Millisecond + 5*time.Millisecond)},
		},
		Status:        codes.Error,
		StatusMessage: "503 from backend",
	}
	s.TraceID[0], s.TraceID[15], s.TraceID[8] = 0xab, byte(i), byte(i>>8)
	s.SpanID[0], s.SpanID[7], s.SpanID[6] = 0xcd, byte(i), byte(i>>8)
	if i%2 == 0 {
		s.Parent[0], s.Parent[7] = 0xef, byte(i)
		s.TraceState = "vendor=abc,other=1"
	}
	return s
}

func records(n int) []mapping.Span {
	out := make([]mapping.Span, n)
	for i := range out {
		out[i] = record(i)
	}
	return out
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// fakeClock replaces the Exporter's sleep and clock: sleeping advances the
// clock at once and records the wait, so retry schedules are observable
// without real waiting.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
	hook  func(n int) // called with the number of waits so far, if set
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.waits = append(c.waits, d)
	n := len(c.waits)
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return ctx.Err()
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// noOTLPEnv clears the variables that would redirect or reconfigure the
// exporter, so tests see only their own Config.
func noOTLPEnv(t *testing.T) {
	for _, v := range []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_INSECURE", "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
		"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
		"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
		"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
		"OTEL_EXPORTER_OTLP_CLIENT_KEY", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
		"OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
	} {
		t.Setenv(v, "")
	}
}

// newTestExporter points an Exporter at recv with a fake clock.
func newTestExporter(t *testing.T, recv *otlptest.Receiver, edit func(*Config)) (*Exporter, *fakeClock) {
	t.Helper()
	return newTestExporterAt(t, recv.Endpoint(), edit)
}

// newTestExporterAt is newTestExporter for any endpoint.
func newTestExporterAt(t *testing.T, endpoint string, edit func(*Config)) (*Exporter, *fakeClock) {
	t.Helper()
	cfg := Config{
		Endpoint: endpoint,
		HostName: "test-host",
		Version:  "1.2.3",
		Retry:    RetryConfig{Initial: 100 * time.Millisecond, Max: 2 * time.Second, MaxElapsed: time.Minute},
	}
	if edit != nil {
		edit(&cfg)
	}
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	clk := &fakeClock{t: baseTime}
	e.sleep, e.now = clk.sleep, clk.now
	return e, clk
}

// decodeBatch returns the spans of b as a collector receives them.
func decodeBatch(t *testing.T, b *Batch) []*tracepb.Span {
	t.Helper()
	var out []*tracepb.Span
	for _, r := range throughTheWire(t, b) {
		for _, ss := range r.ScopeSpans {
			out = append(out, ss.Spans...)
		}
	}
	return out
}

// throughTheWire lays b out as an export request, exactly as the gRPC
// client sends it, and decodes it as a collector would.
func throughTheWire(t *testing.T, b *Batch) []*tracepb.ResourceSpans {
	t.Helper()
	rs, _ := b.resourceSpans(nil)
	wire, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rs})
	if err != nil {
		t.Fatal(err)
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(wire, &req); err != nil {
		t.Fatalf("the encoding is not valid OTLP: %v", err)
	}
	return req.ResourceSpans
}
