package emit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

func TestSendDeliversExactSpans(t *testing.T) {
	noOTLPEnv(t)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,service.name=not-this")
	t.Setenv("OTEL_SERVICE_NAME", "nor-this")
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)

	in := records(3)
	in[2].Service = "haproxy-api"
	in[2].Status, in[2].StatusMessage = codes.Unset, ""
	r := e.Send(context.Background(), e.Encoder().Batch(in))
	if r.Exported != 3 || r.Attempts != 1 || r.Err != nil || !r.OK() {
		t.Fatalf("result %+v", r)
	}
	got := recv.WaitSpans(t, 3, waitLong)
	if len(got) != 3 {
		t.Fatalf("got %d spans", len(got))
	}
	byID := map[string]otlptest.Span{}
	for _, s := range got {
		byID[s.SpanID] = s
	}
	for i := range in {
		want := &in[i]
		s, ok := byID[hexOf(want.SpanID[:])]
		if !ok {
			t.Fatalf("span %s missing", want.SpanID)
		}
		checkSpan(t, want, s)
	}
}

func checkSpan(t *testing.T, want *mapping.Span, s otlptest.Span) {
	t.Helper()
	if s.TraceID != hexOf(want.TraceID[:]) {
		t.Errorf("trace id %s, want %s", s.TraceID, want.TraceID)
	}
	wantParent := ""
	if want.HasParent() {
		wantParent = hexOf(want.Parent[:])
	}
	if s.ParentSpanID != wantParent {
		t.Errorf("parent %q, want %q", s.ParentSpanID, wantParent)
	}
	if s.TraceState != want.TraceState {
		t.Errorf("tracestate %q, want %q", s.TraceState, want.TraceState)
	}
	if s.Flags&0xff != uint32(want.Flags) {
		t.Errorf("trace flags %#x, want %#x", s.Flags&0xff, uint32(want.Flags))
	}
	// OTLP bits 8 and 9: "we know whether the parent is remote", "it is".
	wantRemote := uint32(0x100)
	if want.HasParent() {
		wantRemote = 0x300
	}
	if s.Flags&0x300 != wantRemote {
		t.Errorf("remote-parent bits %#x, want %#x", s.Flags&0x300, wantRemote)
	}
	if s.Name != want.Name || s.Kind != "SERVER" {
		t.Errorf("name %q kind %q", s.Name, s.Kind)
	}
	if !s.Start.Equal(want.Start) || !s.End.Equal(want.End) {
		t.Errorf("times %v..%v, want %v..%v", s.Start, s.End, want.Start, want.End)
	}
	wantAttrs := map[string]any{
		"http.request.method":       "GET",
		"http.response.status_code": int64(503),
		"haproxy.tt_ratio":          0.25,
		"haproxy.retried":           true,
		"index":                     want.Attributes[4].Value.AsInt64(),
	}
	if fmt.Sprint(s.Attributes) != fmt.Sprint(wantAttrs) {
		t.Errorf("attributes %v, want %v", s.Attributes, wantAttrs)
	}
	for k, v := range wantAttrs {
		if fmt.Sprintf("%T", s.Attributes[k]) != fmt.Sprintf("%T", v) {
			t.Errorf("attribute %s has type %T, want %T", k, s.Attributes[k], v)
		}
	}
	if len(s.Events) != len(want.Events) {
		t.Fatalf("events %v", s.Events)
	}
	for j, ev := range want.Events {
		if s.Events[j].Name != ev.Name || !s.Events[j].Time.Equal(ev.Time) {
			t.Errorf("event %d: %+v, want %+v", j, s.Events[j], ev)
		}
	}
	wantCode := map[codes.Code]string{codes.Error: "ERROR", codes.Unset: "UNSET", codes.Ok: "OK"}[want.Status]
	if s.StatusCode != wantCode || s.StatusMessage != want.StatusMessage {
		t.Errorf("status %s %q, want %s %q", s.StatusCode, s.StatusMessage, wantCode, want.StatusMessage)
	}
	if s.Service != want.Service {
		t.Errorf("service.name %q, want %q", s.Service, want.Service)
	}
	for k, v := range map[string]string{
		"host.name":                "test-host",
		"telemetry.distro.name":    "logspan",
		"telemetry.distro.version": "1.2.3",
		"telemetry.sdk.name":       "opentelemetry",
		"telemetry.sdk.language":   "go",
		"deployment.environment":   "test",
	} {
		if s.Resource[k] != v {
			t.Errorf("resource %s = %q, want %q", k, s.Resource[k], v)
		}
	}
	if s.Resource["telemetry.sdk.version"] == "" {
		t.Error("no telemetry.sdk.version")
	}
	if s.Scope != "github.com/logspan/logspan" || s.ScopeVersion != "1.2.3" {
		t.Errorf("scope %q %q", s.Scope, s.ScopeVersion)
	}
}

func TestSendRetriesUnavailable(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	var attempts []Attempt
	e, clk := newTestExporter(t, recv, func(c *Config) {
		c.Observe = func(a Attempt) { attempts = append(attempts, a) }
	})
	recv.FailNext(3, grpccodes.Unavailable)

	r := e.Send(context.Background(), e.Encoder().Batch(records(5)))
	if r.Exported != 5 || r.Attempts != 4 || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	// Observe hears of every call as it ends: three failures to be retried,
	// then the success.
	if len(attempts) != 4 {
		t.Fatalf("observed %d attempts, want 4: %+v", len(attempts), attempts)
	}
	for i, a := range attempts {
		failed := i < 3
		if a.Spans != 5 || (a.Err != nil) != failed || a.Retry != failed {
			t.Errorf("attempt %d: %+v, want 5 spans, failed and retried %v", i, a, failed)
		}
	}
	if recv.Calls() != 4 || len(recv.Spans()) != 5 {
		t.Fatalf("calls %d spans %d, want 4 and 5 (the batch once)", recv.Calls(), len(recv.Spans()))
	}
	waits := clk.recorded()
	if len(waits) != 3 {
		t.Fatalf("waits %v", waits)
	}
	for i, w := range waits {
		full := e.cfg.Retry.Initial << i
		if w < full/2 || w >= full {
			t.Errorf("wait %d = %v, want in [%v, %v)", i, w, full/2, full)
		}
		if i > 0 && w <= waits[i-1] {
			t.Errorf("waits do not grow: %v", waits)
		}
	}
}

func TestSendGivesUpWhenCollectorStaysDown(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, clk := newTestExporter(t, recv, func(c *Config) {
		c.Retry = RetryConfig{Initial: time.Second, Max: 4 * time.Second, MaxElapsed: 20 * time.Second}
	})
	recv.Stop()

	r := e.Send(context.Background(), e.Encoder().Batch(records(7)))
	if r.Failed != 7 || r.Exported != 0 || r.Rejected != 0 {
		t.Fatalf("result %+v", r)
	}
	msg := r.Err.Error()
	want := fmt.Sprintf("collector at %s unavailable after %d attempts over ", recv.Addr(), r.Attempts)
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "Unavailable") {
		t.Errorf("error %q, want it to start %q and give the gRPC code", msg, want)
	}
	if status.Code(r.Err) != grpccodes.Unavailable {
		t.Errorf("error does not wrap the gRPC status: %v", r.Err)
	}
	var total time.Duration
	for _, w := range clk.recorded() {
		total += w
	}
	if r.Attempts < 4 || total > 20*time.Second || len(clk.recorded()) != r.Attempts-1 {
		t.Errorf("attempts %d waits %v", r.Attempts, clk.recorded())
	}
}

func TestSendRecoversWhenCollectorReturns(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, clk := newTestExporter(t, recv, func(c *Config) { c.Retry.MaxElapsed = -1 })
	recv.Stop()
	// The retry wait is real here (capped short): gRPC needs real time to
	// reconnect. The test itself waits only for Send to return.
	clk.hook = func(n int) {
		if n == 2 {
			recv.Restart(t)
		}
		_ = sleepCtx(context.Background(), 20*time.Millisecond)
	}
	r := e.Send(context.Background(), e.Encoder().Batch(records(2)))
	if r.Exported != 2 || r.Attempts < 3 {
		t.Fatalf("result %+v", r)
	}
	if len(recv.Spans()) != 2 {
		t.Fatalf("spans %d", len(recv.Spans()))
	}
}

func TestSendPartialSuccessIsNotResent(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)
	recv.RejectNext(2, "bad span")

	r := e.Send(context.Background(), e.Encoder().Batch(records(6)))
	if r.Rejected != 2 || r.Exported != 4 || r.Failed != 0 || r.Attempts != 1 {
		t.Fatalf("result %+v", r)
	}
	if r.Err == nil || !strings.Contains(r.Err.Error(), "bad span") || !strings.Contains(r.Err.Error(), recv.Addr()) {
		t.Errorf("error %v", r.Err)
	}
	if recv.Calls() != 1 {
		t.Errorf("calls %d, want 1", recv.Calls())
	}
}

func TestSendPartialSuccessWarning(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)
	recv.RejectNext(0, "attribute truncated")

	r := e.Send(context.Background(), e.Encoder().Batch(records(3)))
	if r.Exported != 3 || r.Err != nil || r.Warning != "attribute truncated" {
		t.Fatalf("result %+v", r)
	}
}

func TestSendNonRetryable(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, clk := newTestExporter(t, recv, nil)
	recv.FailNext(1, grpccodes.InvalidArgument)

	r := e.Send(context.Background(), e.Encoder().Batch(records(4)))
	if r.Failed != 4 || r.Attempts != 1 || status.Code(r.Err) != grpccodes.InvalidArgument {
		t.Fatalf("result %+v", r)
	}
	if !strings.Contains(r.Err.Error(), "collector at "+recv.Addr()+" refused 4 spans") {
		t.Errorf("error %q", r.Err)
	}
	if recv.Calls() != 1 || len(clk.recorded()) != 0 {
		t.Errorf("calls %d waits %v", recv.Calls(), clk.recorded())
	}
}

func TestSendStopsWhenContextEnds(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, clk := newTestExporter(t, recv, func(c *Config) { c.Retry.MaxElapsed = -1 })
	recv.FailNext(1000, grpccodes.Unavailable)
	ctx, cancel := context.WithCancel(context.Background())
	clk.hook = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	r := e.Send(ctx, e.Encoder().Batch(records(2)))
	if r.Failed != 2 || r.Attempts != 3 || !strings.Contains(r.Err.Error(), "context canceled") {
		t.Fatalf("result %+v", r)
	}
}

func TestSendExportTimeoutIsRetried(t *testing.T) {
	for _, from := range []string{"config", "environment"} {
		t.Run(from, func(t *testing.T) {
			noOTLPEnv(t)
			recv := otlptest.Start(t)
			var edit func(*Config)
			if from == "config" {
				edit = func(c *Config) { c.Timeout = 50 * time.Millisecond }
			} else {
				t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "50") // milliseconds
			}
			e, _ := newTestExporter(t, recv, edit)
			release := recv.Hold()
			defer release()
			e.sleep = func(context.Context, time.Duration) error {
				release() // the collector answers again after the first timeout
				return nil
			}
			r := e.Send(context.Background(), e.Encoder().Batch(records(1)))
			if r.Exported != 1 || r.Attempts != 2 {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

func TestHeadersAndCompressionFromConfig(t *testing.T) {
	for _, comp := range []string{"gzip", "none", ""} {
		t.Run("compression="+comp, func(t *testing.T) {
			noOTLPEnv(t)
			recv := otlptest.Start(t)
			e, _ := newTestExporter(t, recv, func(c *Config) {
				c.Headers = map[string]string{"x-api-key": "secret"}
				c.Compression = comp
			})
			if r := e.Send(context.Background(), e.Encoder().Batch(records(2))); !r.OK() {
				t.Fatalf("result %+v", r)
			}
			if h := recv.Header("x-api-key"); len(h) != 1 || h[0] != "secret" {
				t.Errorf("header %v", h)
			}
			wantEnc := map[string]string{"gzip": "gzip", "none": "", "": ""}[comp]
			if got := recv.Compression(); got != wantEnc {
				t.Errorf("grpc-encoding %q, want %q", got, wantEnc)
			}
			if strings.Contains(e.Destination(), "secret") {
				t.Error("destination shows a header")
			}
		})
	}
}

func TestCompressionFromEnvironment(t *testing.T) {
	for _, tc := range []struct{ env, cfg, want string }{
		{"gzip", "", "gzip"},
		{"gzip", "none", ""}, // Config wins over the environment
	} {
		t.Run(tc.env+"/"+tc.cfg, func(t *testing.T) {
			noOTLPEnv(t)
			t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", tc.env)
			recv := otlptest.Start(t)
			e, _ := newTestExporter(t, recv, func(c *Config) { c.Compression = tc.cfg })
			if r := e.Send(context.Background(), e.Encoder().Batch(records(1))); !r.OK() {
				t.Fatalf("result %+v", r)
			}
			if got := recv.Compression(); got != tc.want {
				t.Errorf("grpc-encoding %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBadCompressionIsRefused(t *testing.T) {
	noOTLPEnv(t)
	if _, err := New(context.Background(), Config{Endpoint: "127.0.0.1:1", Compression: "zstd"}); err == nil {
		t.Fatal("no error")
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // overridden below
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", recv.Endpoint())
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme")
	e, err := New(context.Background(), Config{HostName: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	if e.ToStdout() {
		t.Fatal("stdout mode with an endpoint in the environment")
	}
	if want := "OTLP/gRPC collector at " + recv.Addr() + " (insecure)"; e.Destination() != want {
		t.Errorf("destination %q, want %q", e.Destination(), want)
	}
	if r := e.Send(context.Background(), e.Encoder().Batch(records(1))); !r.OK() {
		t.Fatalf("result %+v", r)
	}
	if h := recv.Header("x-tenant"); len(h) != 1 || h[0] != "acme" {
		t.Errorf("header %v", h)
	}
}

func TestInsecureFromEnvironmentWithBareEndpoint(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	e, err := New(context.Background(), Config{Endpoint: recv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	if want := "OTLP/gRPC collector at " + recv.Addr() + " (insecure)"; e.Destination() != want {
		t.Errorf("destination %q, want %q", e.Destination(), want)
	}
	if r := e.Send(context.Background(), e.Encoder().Batch(records(1))); !r.OK() {
		t.Fatalf("result %+v", r)
	}
}

func TestBareEndpointDefaultsToTLS(t *testing.T) {
	noOTLPEnv(t)
	e, err := New(context.Background(), Config{Endpoint: "collector.example:4317"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	if want := "OTLP/gRPC collector at collector.example:4317 (TLS)"; e.Destination() != want {
		t.Errorf("destination %q, want %q", e.Destination(), want)
	}
}

func TestSendKeepsRecordFlags(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)
	in := records(4)
	in[0].Flags = 0                                      // unsampled caller, line kept
	in[1].Flags = 0                                      // root, unsampled
	in[2].Flags = trace.FlagsSampled | trace.FlagsRandom // W3C level 2 random bit
	if r := e.Send(context.Background(), e.Encoder().Batch(in)); !r.OK() {
		t.Fatalf("result %+v", r)
	}
	got := map[string]uint32{}
	for _, s := range recv.WaitSpans(t, 4, waitLong) {
		got[s.SpanID] = s.Flags
	}
	for i := range in {
		if f := got[hexOf(in[i].SpanID[:])]; f&0xff != uint32(in[i].Flags) {
			t.Errorf("span %d: flags %#x, want %#x", i, f, uint32(in[i].Flags))
		}
	}
}

func TestSendCountsUnbuildableSpansAsRejected(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, _ := newTestExporter(t, recv, nil)
	in := records(3)
	in[0].TraceState = "not a valid tracestate!"
	r := e.Send(context.Background(), e.Encoder().Batch(in))
	if r.Exported != 2 || r.Rejected != 1 || r.Failed != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "tracestate") {
		t.Fatalf("result %+v", r)
	}
	if len(recv.WaitSpans(t, 2, waitLong)) != 2 {
		t.Fatal("valid spans not sent")
	}
}

func TestSendAfterShutdownFailsAtOnce(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.Start(t)
	e, clk := newTestExporter(t, recv, nil)
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.Send(context.Background(), e.Encoder().Batch(records(2)))
	if r.Failed != 2 || r.Attempts != 1 || len(clk.recorded()) != 0 || !strings.Contains(r.Err.Error(), "could not send 2 spans") {
		t.Fatalf("result %+v", r)
	}
}
