package emit

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/mapping"
)

// spanBuilder turns records into SDK spans, going through a real
// TracerProvider so that the SDK's own rules (attribute validation and
// limits, status semantics, resource and scope handling) apply exactly as
// they would to instrumented code. It was the exporter's path until the
// encoder replaced it for speed; it stays as the reference the encoder is
// tested against (TestEncoderMatchesSDK). It keeps one provider per service name,
// because in the SDK the resource (and so service.name) belongs to the
// provider.
type spanBuilder struct {
	base    *resource.Resource
	version string

	mu      sync.RWMutex
	tracers map[string]trace.Tracer
}

func newSpanBuilder(base *resource.Resource, version string) *spanBuilder {
	return &spanBuilder{base: base, version: version, tracers: make(map[string]trace.Tracer)}
}

// tracer returns the cached tracer of a service, creating its provider on
// first use.
func (b *spanBuilder) tracer(service string) (trace.Tracer, error) {
	b.mu.RLock()
	tr, ok := b.tracers[service]
	b.mu.RUnlock()
	if ok {
		return tr, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if tr, ok := b.tracers[service]; ok {
		return tr, nil
	}
	res, err := serviceResource(b.base, service, nil)
	if err != nil {
		return nil, fmt.Errorf("emit: resource for service %q: %w", service, err)
	}
	tp := sdktrace.NewTracerProvider(
		// Sampling was decided when the line was mapped (lines under an
		// unsampled parent never become records). Set explicitly so that
		// OTEL_TRACES_SAMPLER cannot drop records a second time.
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithIDGenerator(recordIDs{}),
		sdktrace.WithResource(res),
		// No span processor: spans are collected from End and exported
		// by Exporter.Send, which retries and reports instead of dropping.
	)
	tr = tp.Tracer(scopeName, trace.WithInstrumentationVersion(b.version))
	b.tracers[service] = tr
	return tr, nil
}

// build makes the SDK span of one record and ends it. The result keeps the
// record's ids, parent, trace state and trace flags exactly.
//
// The parent context is a SpanContext carrying the record's trace id, flags
// and trace state, and its parent span id when there is one (marked remote,
// since the parent lives in another process). For a root span the span id is
// left invalid, so the SDK takes the trace id and flags from it without
// recording a parent.
func (b *spanBuilder) build(s *mapping.Span) (sdktrace.ReadOnlySpan, error) {
	tr, err := b.tracer(s.Service)
	if err != nil {
		return nil, err
	}
	cfg := trace.SpanContextConfig{
		TraceID:    s.TraceID,
		SpanID:     s.Parent,
		TraceFlags: s.Flags,
		Remote:     s.HasParent(),
	}
	if s.TraceState != "" {
		ts, err := trace.ParseTraceState(s.TraceState)
		if err != nil {
			return nil, fmt.Errorf("emit: span %s: tracestate %q: %w", s.SpanID, s.TraceState, err)
		}
		cfg.TraceState = ts
	}
	ctx := context.WithValue(context.Background(), recordKey{}, s)
	ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(cfg))

	opts := []trace.SpanStartOption{trace.WithSpanKind(s.Kind), trace.WithTimestamp(s.Start)}
	for _, l := range s.Links {
		link := trace.Link{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: l.TraceID, SpanID: l.SpanID, TraceFlags: l.Flags, Remote: true,
		})}
		if l.Format != "" {
			link.Attributes = []attribute.KeyValue{mapping.LinkFormatKey.String(l.Format)}
		}
		opts = append(opts, trace.WithLinks(link))
	}
	_, sp := tr.Start(ctx, s.Name, opts...)
	sp.SetAttributes(s.Attributes...)
	for i := range s.Events {
		sp.AddEvent(s.Events[i].Name, trace.WithTimestamp(s.Events[i].Time))
	}
	sp.SetStatus(s.Status, s.StatusMessage)
	sp.End(trace.WithTimestamp(s.End))

	ro, ok := sp.(sdktrace.ReadOnlySpan)
	if !ok {
		return nil, fmt.Errorf("emit: the SDK returned a %T, not a recording span", sp)
	}
	if sc := ro.SpanContext(); sc.TraceFlags() != s.Flags {
		ro = recordFlags{ro, sc.WithTraceFlags(s.Flags)}
	}
	return ro, nil
}

// recordFlags gives an SDK span the record's trace flags. AlwaysSample sets
// the sampled bit on every span, but mapping may keep lines whose caller did
// not sample them (when configured to), and those must be exported as
// unsampled, as the caller decided. Only such spans pay for the wrapper.
type recordFlags struct {
	sdktrace.ReadOnlySpan
	sc trace.SpanContext
}

// SpanContext returns the span's context with the record's flags.
func (r recordFlags) SpanContext() trace.SpanContext { return r.sc }
