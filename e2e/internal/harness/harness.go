// Package harness holds what the programs of the end-to-end test share: the
// OpenTelemetry setup of the instrumented client and backend, and the record
// of the requests the client made, which the checker reads.
package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Frontends the client sends through, as it records them: the three of
// e2e/haproxy.cfg, nginx in front of the rewriting one, and Caddy.
const (
	// FrontendRewrite is the HTTP frontend that forwards a traceparent
	// naming its own span and logs both the incoming and forwarded one.
	FrontendRewrite = "rewrite"
	// FrontendPlain is the HTTP frontend that only logs the incoming
	// traceparent and forwards it untouched.
	FrontendPlain = "plain"
	// FrontendTCP is the `mode tcp` frontend with `option tcplog`.
	FrontendTCP = "tcp"
	// FrontendNginx is nginx with the README's forwarding recipe, in front
	// of FrontendRewrite: nginx forwards a traceparent naming its own span,
	// HAProxy one naming its own, so the trace reads client -> nginx ->
	// haproxy -> backend.
	FrontendNginx = "nginx"
	// FrontendCaddy is Caddy's reverse_proxy in front of the backend,
	// with its default JSON access log: Caddy passes the caller's
	// traceparent on untouched, so its span and the backend's are both
	// children of the client's.
	FrontendCaddy = "caddy"
)

// TraceResponseHeader is the response header in which the backend returns
// its server span's context, in traceparent form (W3C Trace Context Level 2
// calls it traceresponse). It gives the checker the trace of a request the
// client sent without a traceparent, and the backend span of every request.
const TraceResponseHeader = "traceresponse"

// NewTracerProvider returns a tracer provider exporting to the OTLP/gRPC
// endpoint (host:port, plain text) with the given service.name, sampling
// every root span and following the caller's decision otherwise. Shut it
// down to flush the spans.
func NewTracerProvider(ctx context.Context, endpoint, service string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter to %s: %w", endpoint, err)
	}
	res, err := resource.Merge(resource.Default(),
		resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(service)))
	if err != nil {
		return nil, fmt.Errorf("resource for %s: %w", service, err)
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(200*time.Millisecond)),
		sdktrace.WithResource(res),
	), nil
}

// Request is one request the client made.
type Request struct {
	// ID numbers the requests from 1 in the order they were planned.
	ID int `json:"id"`
	// Frontend is one of the Frontend constants.
	Frontend string `json:"frontend"`
	// Traced tells whether the client sent a traceparent (from its client
	// span). An untraced request has no client span.
	Traced bool `json:"traced"`
	// Method and Target (path and query) as sent.
	Method string `json:"method"`
	Target string `json:"target"`
	// Status is the HTTP status code received.
	Status int `json:"status"`
	// TraceID is the trace of the request: the client span's, or for an
	// untraced request the one the backend returned in TraceResponseHeader.
	TraceID string `json:"trace_id"`
	// ClientSpanID is the client span's id; empty when untraced.
	ClientSpanID string `json:"client_span_id,omitempty"`
	// BackendSpanID is the backend's server span id, from
	// TraceResponseHeader.
	BackendSpanID string `json:"backend_span_id"`
	// Start and End bound the client span (or, untraced, the exchange).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Statements are the SQL statements the backend ran for the request,
	// from StatementsHeader.
	Statements []Statement `json:"statements,omitempty"`
	// LocalPort is the client's TCP port of the connection (TCP frontend
	// only), which HAProxy logs as client.port.
	LocalPort int `json:"local_port,omitempty"`
	// Error says why no response came back; empty on success.
	Error string `json:"error,omitempty"`
}

// Run is what the client writes to its output file.
type Run struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Requests []Request `json:"requests"`
}

// WriteRun writes run as indented JSON to path, atomically.
func WriteRun(path string, run *Run) error {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encode requests: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write requests: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write requests: %w", err)
	}
	return nil
}

// ReadRun reads a file WriteRun wrote.
func ReadRun(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read requests: %w", err)
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read requests %s: %w", path, err)
	}
	return &r, nil
}
