package mapping

import "time"

// Spec says how one rule turns a parsed line into a Span. It is a plain value,
// built by the config package from rules.yaml, so that mapping knows nothing of
// YAML. Field names refer to the rule's parser fields; New resolves them to
// indices once, and reports any name the parser does not have.
type Spec struct {
	// Rule is the rule's name: it seeds the deterministic ids and is copied
	// into Span.Rule.
	Rule string
	// Service is the resource's service.name (already resolved by config).
	Service string

	// Start, End and Duration place the span in time. Programs anchor
	// their times differently (see the package doc): HAProxy and Traefik
	// log the start and a duration, nginx, Caddy and PostgreSQL the end
	// (the moment of the log write) and a duration, AWS ALB both the start
	// and the end. Any two of the three define the span:
	//
	//	start + duration: end = start + duration
	//	end + duration:   start = end - duration
	//	start + end:      both as logged
	//	start alone, end alone: a span of zero length at that time
	//	all three:        start and end as logged; duration fills in
	//	                  whichever of them a line lacks
	//
	// Duration alone, or none of the three, is a *SpecError (path
	// "start"). On a line, a field that is absent, malformed or (for the
	// duration) negative counts as not there: the span then falls back
	// to what remains, down to zero length at the one time it has; a
	// line with neither its start nor its end yields an error from Map.
	// An end before the start (both logged) is clamped to the start.
	// Malformed values are counted in Outcome.BadValues.
	//
	// Start is nil when the span's start is not logged.
	Start *TimeSpec
	// End is nil when the span's end is not logged.
	End *TimeSpec
	// Duration is nil when the span's length is not logged.
	Duration *DurationSpec

	// Name is a template for the span name: literal text with {field} and
	// {field|default} references, e.g. "{http_method|HTTP} {backend}". A
	// reference to a field that is absent yields the default (or nothing).
	Name string
	// Kind is the span kind: "server" (default), "client", "internal",
	// "producer" or "consumer".
	Kind string

	// Attributes are set in order; several entries may give the same name,
	// the first that yields a value wins.
	Attributes []AttributeSpec
	// Events are phases laid end to end from the span's start (logged or
	// computed as end - duration): event i is at
	// Start + the sum of the durations of events 0..i. A phase whose
	// duration is absent or negative (HAProxy's -1) is absent, and so are
	// all phases after it. No event is placed after the span's end: a
	// program that rounds each phase on its own (HAProxy truncates every
	// timer to the millisecond) can log phases that add up to a little
	// more than the whole, and such an event is put at the end.
	Events []EventSpec
	// EventUnit is the unit of the events' durations (default
	// milliseconds); it must be a power of ten of nanoseconds (ns, us, ms,
	// s), the units in which decimal fractions are read exactly. Event
	// durations are read like DurationSpec values.
	EventUnit time.Duration

	// Status lists error conditions; the first that holds sets the span's
	// status to Error with its error.type. None holds: status stays unset.
	Status []StatusSpec

	// Captures describe blocks of captured headers ({a|b|c} in HAProxy).
	Captures []CaptureSpec

	// TraceContext says where to look for the caller's traceparent.
	TraceContext TraceContextSpec

	// Absent lists field values that mean "no value" (HAProxy logs "-"). A
	// field with such a value is treated like a field that is not there.
	// Nil means the default, {"-"}; the empty string is always absent.
	Absent []string
}

// TimeSpec reads a point in time from a field: rules.yaml's start: and
// end: (SpecError paths "start.field", "end.layout", "end.epoch", ...).
type TimeSpec struct {
	Field string
	// Layout is a Go time layout (e.g. "02/Jan/2006:15:04:05.000"). Go
	// accepts a fractional second after the seconds even when the layout has
	// none, so lines with and without milliseconds both parse.
	//
	// The shorthand "rfc3339" (RFC3339Layout, any case) reads RFC 3339
	// times with an optional fraction of any length and a "Z" or ±hh:mm
	// zone ("2026-12-01T10:00:00.123456789Z").
	Layout string
	// Epoch, instead of Layout, reads the field as a number of seconds,
	// milliseconds, microseconds or nanoseconds since 1970 ("s", "ms", "us",
	// "ns"), with a fraction in any unit ("1764621600.1234567" for s) and
	// in the exponent form some JSON encoders write
	// ("1.7646216001234567e9"). Times are computed to the nanosecond with
	// integers; digits below a nanosecond are truncated, not rounded. The
	// range is 1970 to 2262 (an int64 of nanoseconds).
	Epoch string
	// Location is the zone of timestamps that carry none (nil:
	// time.Local). Epoch and rfc3339 times name their instant on their
	// own; they are given in this zone.
	Location *time.Location
}

// DurationSpec reads the span's length from a field: rules.yaml's
// duration: (SpecError paths "duration.field", "duration.unit").
//
// It is a type of its own, rather than a part of the end, because a
// duration is added to the start or subtracted from the end depending on
// which of the two the program logs (see Spec.Start).
type DurationSpec struct {
	// Field holds the duration. A leading '+' (HAProxy's logasap) marks a
	// lower bound: the span is that long and LowerBoundAttribute is set
	// to true. A negative value (HAProxy's -1) means "did not happen":
	// the duration is absent.
	Field string
	// Unit is how the field is written:
	//
	//	"s"  seconds with an optional fraction or exponent: "0.137", "1.5e-3"
	//	"ms" milliseconds, likewise: "12.345" (the default, "": HAProxy)
	//	"us" (or "µs") microseconds, likewise
	//	"ns" nanoseconds, likewise
	//	"go" a Go duration string: "1.2ms", "1m3.5s"
	//
	// Whatever the unit, a value that carries a Go unit suffix ("12ms",
	// as Traefik's CLF writes) is read as a Go duration: the suffix says
	// what it means. Values are read exactly, with integers; digits below
	// a nanosecond are truncated (in each part of a Go string, as
	// time.ParseDuration does).
	Unit string
	// LowerBoundAttribute names the bool attribute set when the duration,
	// a lower bound, was used to place the span, e.g. "haproxy.logasap".
	LowerBoundAttribute string
}

// AttributeSpec makes one span attribute.
type AttributeSpec struct {
	// Name is the attribute key, e.g. "http.response.status_code".
	Name string
	// Field is the parser field the value comes from. Empty with Value set:
	// a constant.
	Field string
	// Type is "string" (default), "int", "float" or "bool". A value that
	// does not convert is left out (and counted, see Outcome).
	Type string
	// Value is a constant value (converted to Type). With Field also set,
	// the constant is used only when that field is present: a way to say
	// "url.scheme is https when the frontend name ends in ~".
	Value string
	// Absent lists more values that mean "no value" for this attribute
	// only, on top of Spec.Absent: HAProxy logs status -1 when it sent no
	// response, which is no status code, while a -1 timer is worth keeping.
	Absent []string
	// Sanitize "sql" replaces the literals of SQL text with "?" and drops
	// its comments (see sanitizeSQL), as the database conventions require
	// of db.query.text by default: a logged statement holds whatever data
	// the application put in it. "" keeps the value as it is.
	Sanitize string
}

// EventSpec is one phase: a named event after a duration field.
type EventSpec struct {
	Name     string
	Duration string
}

// StatusSpec is one error condition.
type StatusSpec struct {
	// Field is the field tested.
	Field string
	// Match is a Go regular expression the field's value must match.
	Match string
	// Min and Max, when HasRange (or Max > 0), test the field as an
	// integer in [Min, Max]. At least one of Match and the range is given;
	// with both, both must hold.
	Min, Max int64
	HasRange bool
	// And are further tests, on this or other fields, that must all hold
	// too: "the termination state starts with C and no response was
	// sent" is a test on two fields.
	And []StatusTest
	// ErrorType is a template (as Spec.Name) for the error.type attribute.
	ErrorType string
	// Message is a template for the status description (optional).
	Message string
}

// CaptureSpec is a block of captured header values separated by '|', in the
// order the proxy declared them. HAProxy escapes '|', '{', '}', '"' and '#'
// in values as #XX; they are unescaped.
type CaptureSpec struct {
	Field string
	// Names are the header names in declaration order. A value becomes the
	// attribute Prefix+name (e.g. http.request.header.host); a value without
	// a name becomes Prefix+"<position>".
	Names []string
	// Prefix is "http.request.header." (the default, when empty) or
	// "http.response.header.".
	Prefix string
}

// TraceContextSpec says where the caller's trace context is logged.
type TraceContextSpec struct {
	// Fields are searched for a trace context in each of Formats, inside
	// their values (a traceparent within a captured-header block, an
	// X-Amzn-Trace-Id within an access-log field, a sqlcommenter comment
	// within a SQL statement are found). Nil means every field of the
	// line, in parser order. The search is format-major: the first format
	// found anywhere wins, fields in order within a format; contexts of
	// other traces become links.
	Fields []string
	// Formats narrows and orders the formats recognised: "w3c", "b3",
	// "jaeger", "xray", "sqlcommenter" (case ignored). Empty means all of
	// them, in that order.
	Formats []string
	// B3 names the fields holding B3's multi headers, for a program that
	// logs X-B3-TraceId and X-B3-SpanId separately. Used when "b3" is in
	// Formats, before b3 single headers are searched for in Fields.
	B3 B3FieldsSpec
	// TraceState is a field holding the W3C tracestate, if logged. A
	// capture named "tracestate" is used too.
	TraceState string
	// KeepUnsampled makes a span even when the parent's sampled flag is
	// off. By default such a line yields no span (Outcome.Unsampled).
	KeepUnsampled bool
	// Forwarded names where the trace context the logging program sent on
	// to its backend is logged (in any of Formats, as the whole value): a
	// field, or a name given to a position in Captures. When a proxy
	// rewrites the context it forwards so that its parent id is an id of
	// the proxy's own, that id is the proxy's span: the span takes the
	// forwarded trace id and parent id as its trace and span ids, the
	// backend's span becomes its child, and the caller's context (found
	// in Fields, never in the forwarded value) stays its parent when it
	// is in the same trace, and becomes a link when it is not. When the
	// forwarded value is absent, invalid or names no span, the span is
	// made as without Forwarded.
	Forwarded string
}

// B3FieldsSpec names the fields of B3's multi headers. TraceID and SpanID
// are required when any is set; Sampled and Flags are optional.
type B3FieldsSpec struct {
	// TraceID is the field holding X-B3-TraceId (16 or 32 hex digits).
	TraceID string
	// SpanID is the field holding X-B3-SpanId (16 hex digits).
	SpanID string
	// Sampled is the field holding X-B3-Sampled (1 or 0; true or false
	// read leniently); absent means sampled.
	Sampled string
	// Flags is the field holding X-B3-Flags; 1 (debug) means sampled.
	Flags string
}
