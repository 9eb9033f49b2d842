package emit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/otlptest"
)

// newHTTPExporter points an Exporter at recv over OTLP/HTTP with a fake
// clock.
func newHTTPExporter(t *testing.T, recv *otlptest.HTTPReceiver, proto string, edit func(*Config)) (*Exporter, *fakeClock) {
	t.Helper()
	return newTestExporterAt(t, recv.Endpoint(), func(c *Config) {
		c.Protocol = proto
		if edit != nil {
			edit(c)
		}
	})
}

func TestHTTPSendDeliversExactSpans(t *testing.T) {
	for _, proto := range []string{"http/protobuf", "http/json"} {
		for _, comp := range []string{"gzip", "none"} {
			t.Run(proto+"/"+comp, func(t *testing.T) {
				noOTLPEnv(t)
				t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
				recv := otlptest.StartHTTP(t)
				e, _ := newHTTPExporter(t, recv, proto, func(c *Config) {
					c.Compression = comp
					c.Headers = map[string]string{"x-api-key": "secret"}
				})
				in := records(3)
				in[2].Service = "haproxy-api"
				r := e.Send(context.Background(), e.Encoder().Batch(in))
				if r.Exported != 3 || r.Attempts != 1 || !r.OK() {
					t.Fatalf("result %+v", r)
				}
				got := recv.WaitSpans(t, 3, waitLong)
				byID := map[string]otlptest.Span{}
				for _, s := range got {
					byID[s.SpanID] = s
				}
				for i := range in {
					s, ok := byID[hexOf(in[i].SpanID[:])]
					if !ok {
						t.Fatalf("span %d missing", i)
					}
					checkSpan(t, &in[i], s)
				}
				wantCT := map[string]string{"http/protobuf": "application/x-protobuf", "http/json": "application/json"}[proto]
				if h := recv.Header("content-type"); len(h) != 1 || h[0] != wantCT {
					t.Errorf("content-type %v, want %s", h, wantCT)
				}
				if h := recv.Header("x-api-key"); len(h) != 1 || h[0] != "secret" {
					t.Errorf("header %v", h)
				}
				if wantEnc := map[string]string{"gzip": "gzip", "none": ""}[comp]; recv.Compression() != wantEnc {
					t.Errorf("content-encoding %q, want %q", recv.Compression(), wantEnc)
				}
				if recv.Path() != "/v1/traces" {
					t.Errorf("path %q", recv.Path())
				}
				kind := map[string]string{"http/protobuf": "protobuf", "http/json": "JSON"}[proto]
				if want := "OTLP/HTTP collector at " + recv.URL() + " (" + kind + ", insecure)"; e.Destination() != want {
					t.Errorf("destination %q, want %q", e.Destination(), want)
				}
			})
		}
	}
}

func TestHTTPRetryHonoursRetryAfter(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.StartHTTP(t)
	var attempts []Attempt
	e, clk := newHTTPExporter(t, recv, "http/protobuf", func(c *Config) {
		c.Observe = func(a Attempt) { attempts = append(attempts, a) }
	})
	// Seconds first, then an HTTP date 9 s after the fake clock's time then.
	recv.FailNext(1, http.StatusTooManyRequests, "7")
	clk.hook = func(n int) {
		if n == 1 {
			date := clk.now().Add(9 * time.Second).UTC().Format(http.TimeFormat)
			recv.FailNext(1, http.StatusServiceUnavailable, date)
		}
	}
	r := e.Send(context.Background(), e.Encoder().Batch(records(4)))
	if r.Exported != 4 || r.Attempts != 3 || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	waits := clk.recorded()
	// The date has whole seconds: the clock's fraction is lost.
	frac := time.Duration(baseTime.Add(7 * time.Second).Nanosecond())
	if len(waits) != 2 || waits[0] != 7*time.Second || waits[1] != 9*time.Second-frac {
		t.Errorf("waits %v, want [7s %v]", waits, 9*time.Second-frac)
	}
	if len(attempts) != 3 || !attempts[0].Retry || !strings.Contains(attempts[0].Err.Error(), "HTTP 429 Too Many Requests") {
		t.Errorf("attempts %+v", attempts)
	}
	if recv.Calls() != 3 || len(recv.Spans()) != 4 {
		t.Errorf("calls %d spans %d", recv.Calls(), len(recv.Spans()))
	}
}

func TestHTTPStatusesRetriedOrRefused(t *testing.T) {
	for _, tc := range []struct {
		status int
		retry  bool
	}{
		{429, true}, {502, true}, {503, true}, {504, true},
		{400, false}, {401, false}, {403, false}, {413, false}, {500, false},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			noOTLPEnv(t)
			recv := otlptest.StartHTTP(t)
			e, clk := newHTTPExporter(t, recv, "http/protobuf", nil)
			recv.FailNext(1, tc.status, "")
			r := e.Send(context.Background(), e.Encoder().Batch(records(3)))
			if tc.retry {
				if r.Exported != 3 || r.Attempts != 2 || len(clk.recorded()) != 1 {
					t.Fatalf("result %+v waits %v", r, clk.recorded())
				}
				return
			}
			var he *HTTPError
			if r.Failed != 3 || r.Attempts != 1 || !errors.As(r.Err, &he) || he.StatusCode != tc.status {
				t.Fatalf("result %+v", r)
			}
			want := fmt.Sprintf("collector at %s refused 3 spans: HTTP %d %s: otlptest: failing as told (0 more)", recv.URL(), tc.status, http.StatusText(tc.status))
			if r.Err.Error() != want {
				t.Errorf("error %q\nwant  %q", r.Err, want)
			}
			if recv.Calls() != 1 || len(recv.Spans()) != 0 {
				t.Errorf("calls %d spans %d", recv.Calls(), len(recv.Spans()))
			}
		})
	}
}

func TestHTTPGivesUpWhenCollectorStaysDown(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.StartHTTP(t)
	e, _ := newHTTPExporter(t, recv, "http/protobuf", func(c *Config) {
		c.Retry = RetryConfig{Initial: time.Second, Max: 4 * time.Second, MaxElapsed: 20 * time.Second}
	})
	recv.FailNext(1000, http.StatusServiceUnavailable, "")
	r := e.Send(context.Background(), e.Encoder().Batch(records(2)))
	want := fmt.Sprintf("collector at %s unavailable after %d attempts over ", recv.URL(), r.Attempts)
	if r.Failed != 2 || r.Attempts < 4 || !strings.HasPrefix(r.Err.Error(), want) || !strings.Contains(r.Err.Error(), "HTTP 503") {
		t.Fatalf("result %+v", r)
	}
}

func TestHTTPPartialSuccess(t *testing.T) {
	for _, proto := range []string{"http/protobuf", "http/json"} {
		t.Run(proto, func(t *testing.T) {
			noOTLPEnv(t)
			recv := otlptest.StartHTTP(t)
			e, _ := newHTTPExporter(t, recv, proto, nil)
			recv.RejectNext(2, "bad span")
			r := e.Send(context.Background(), e.Encoder().Batch(records(6)))
			if r.Rejected != 2 || r.Exported != 4 || r.Failed != 0 || r.Attempts != 1 {
				t.Fatalf("result %+v", r)
			}
			if want := "collector at " + recv.URL() + " rejected 2 of 6 spans: bad span"; r.Err == nil || r.Err.Error() != want {
				t.Errorf("error %v, want %q", r.Err, want)
			}
			recv.RejectNext(0, "attribute truncated")
			r = e.Send(context.Background(), e.Encoder().Batch(records(3)))
			if r.Exported != 3 || r.Err != nil || r.Warning != "attribute truncated" {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

func TestHTTPTimeoutIsRetried(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.StartHTTP(t)
	e, _ := newHTTPExporter(t, recv, "http/protobuf", func(c *Config) { c.Timeout = 50 * time.Millisecond })
	release := recv.Hold()
	defer release()
	e.sleep = func(context.Context, time.Duration) error {
		release()
		return nil
	}
	r := e.Send(context.Background(), e.Encoder().Batch(records(1)))
	if r.Exported != 1 || r.Attempts != 2 {
		t.Fatalf("result %+v", r)
	}
}

func TestHTTPSendAfterShutdownFailsAtOnce(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.StartHTTP(t)
	e, clk := newHTTPExporter(t, recv, "http/protobuf", nil)
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.Send(context.Background(), e.Encoder().Batch(records(2)))
	if r.Failed != 2 || r.Attempts != 1 || len(clk.recorded()) != 0 || !strings.Contains(r.Err.Error(), "could not send 2 spans") {
		t.Fatalf("result %+v", r)
	}
}

// The protocol and endpoint from the environment, the base endpoint getting
// /v1/traces, and the per-signal protocol winning.
func TestHTTPFromEnvironment(t *testing.T) {
	noOTLPEnv(t)
	recv := otlptest.StartHTTP(t)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.Endpoint()+"/")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme%20corp, x-other = 1")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
	e, err := New(context.Background(), Config{HostName: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	if want := "OTLP/HTTP collector at " + recv.URL() + " (protobuf, insecure)"; e.Destination() != want {
		t.Errorf("destination %q, want %q", e.Destination(), want)
	}
	if r := e.Send(context.Background(), e.Encoder().Batch(records(2))); !r.OK() {
		t.Fatalf("result %+v", r)
	}
	if h := recv.Header("x-tenant"); len(h) != 1 || h[0] != "acme corp" {
		t.Errorf("header %v", h)
	}
	if h := recv.Header("x-other"); len(h) != 1 || h[0] != "1" {
		t.Errorf("header %v", h)
	}
	if recv.Compression() != "gzip" {
		t.Errorf("content-encoding %q", recv.Compression())
	}
}
