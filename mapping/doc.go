// Package mapping turns a parsed line into a span record.
//
// Mapping is a pure function of the line: it computes the span's start and
// end, name, kind, attributes, phase events and status from the parser's
// fields, finds the caller's trace context, and derives the span's ids from
// the rule and the line's bytes, so that importing a log twice yields the
// same ids. It does no I/O, which is why it is tested with tables and
// golden files alone.
//
// # Times
//
// Programs anchor their times differently, and a span is only placed right
// when the rule follows the program: HAProxy, Traefik, Envoy and Apache log
// when a request started and how long it took; nginx, Caddy and PostgreSQL
// write the line when the request is done, so their time is the end and
// the start is that time minus the duration; AWS ALB logs both the start
// and the end. A Spec therefore names any two of Start, End and Duration
// (or one time alone, for a zero-length span), and Map computes the third
// (see Spec.Start for the exact rules, including lines that lack a field).
//
// Times are read as Go layouts, as RFC 3339 (the "rfc3339" layout) or as
// epoch counts in s, ms, us or ns; durations as numbers in s, ms, us or ns
// or as Go duration strings. Decimal fractions and exponents are read with
// integer arithmetic to the nanosecond, never through a float, and digits
// below a nanosecond are truncated, so that "1764621600.123" minus "0.100"
// is exactly 1764621600.023 s. Reading a time or a duration allocates
// nothing.
package mapping
