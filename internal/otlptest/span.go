package otlptest

import "time"

// Span is one received span, flattened together with its resource and scope
// so that a test can compare fields directly instead of walking the nested
// OTLP request.
type Span struct {
	// Service is the resource's service.name.
	Service string
	// Resource holds every resource attribute in string form.
	Resource map[string]string
	// Scope is the instrumentation scope's name; ScopeVersion its version.
	Scope        string
	ScopeVersion string

	// TraceID, SpanID and ParentSpanID are lower-case hex; ParentSpanID is
	// empty for a root span.
	TraceID, SpanID, ParentSpanID string
	TraceState                    string
	Name                          string
	// Kind is the OTLP kind without its prefix: "SERVER", "CLIENT", ...
	Kind       string
	Start, End time.Time
	// Attributes hold string, int64, float64, bool, []byte or []any values.
	Attributes map[string]any
	Events     []Event
	// StatusCode is "UNSET", "OK" or "ERROR".
	StatusCode    string
	StatusMessage string
	// Flags is the OTLP span flags field: W3C trace flags in the low byte,
	// the parent-is-remote bits above.
	Flags uint32
}

// Event is a received span event (its attributes are not kept: logspan's
// events carry none).
type Event struct {
	Name string
	Time time.Time
}
