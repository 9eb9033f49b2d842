package mapping

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span is the record one log line becomes: everything an exporter needs to
// send it as an OpenTelemetry span, with times and ids already decided.
//
// It holds OpenTelemetry's own value types (ids, kinds, attributes, status
// codes) so that the exporter converts nothing, but it is a plain value: no
// SDK object, no I/O, so mapping stays a pure function of the line. Every
// string in a Span made by Map is valid UTF-8 (invalid bytes of a line are
// replaced by U+FFFD), as OTLP requires: the exporter relies on it.
type Span struct {
	// Rule is the name of the rule that matched the line.
	Rule string
	// Service is the resource's service.name for this span.
	Service string

	// TraceID and SpanID are this span's ids. They are derived from the rule
	// and the line's bytes, so importing a line twice gives the same ids.
	TraceID trace.TraceID
	SpanID  trace.SpanID
	// Parent is the caller's span id found in the line's trace context; it
	// is invalid (all zero) for a root span.
	Parent trace.SpanID
	// Flags are the trace flags the span is exported with.
	Flags trace.TraceFlags
	// TraceState is the W3C tracestate logged with the parent, if any.
	TraceState string

	Name  string
	Kind  trace.SpanKind
	Start time.Time
	End   time.Time

	Attributes []attribute.KeyValue
	Events     []Event
	// Links are the other traces the line's trace contexts name: a line
	// with, say, a W3C traceparent and an X-Ray header of another trace
	// is parented by the first and linked to the second. At most
	// MaxLinks, one per trace, never the span's own trace.
	Links []Link

	Status        codes.Code
	StatusMessage string
}

// Event is a point in the span's life, such as the end of a proxy phase.
type Event struct {
	// Name is the rule's name for the event: valid UTF-8, checked when
	// the rule compiles, so the encoder writes it as it is.
	Name string
	Time time.Time
}

// Link is a link to a span of another trace, read from a trace context in
// the line. It holds what OTLP needs: a span context and one attribute.
// The link's tracestate is not kept: only a W3C context has one, and the
// rule's tracestate field belongs to the span's parent.
type Link struct {
	TraceID trace.TraceID
	SpanID  trace.SpanID
	// Flags are the linked context's trace flags (sampled, random).
	Flags trace.TraceFlags
	// Format is the name of the format the context was found in
	// (FormatW3C, ...), exported as the link attribute LinkFormatKey so
	// that a reader sees which header the link came from; "" for none.
	Format string
}

// LinkFormatKey is the link attribute that holds Link.Format.
const LinkFormatKey = attribute.Key("logspan.trace_context.format")

// HasParent reports whether the span continues a trace found in the line.
func (s *Span) HasParent() bool { return s.Parent.IsValid() }
