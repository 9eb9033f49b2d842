// Package mapping turns a parsed line into a span record.
//
// Mapping is a pure function of the line: it computes the span's start and
// end, name, kind, attributes, phase events and status from the parser's
// fields, finds the caller's trace context, and derives the span's ids from
// the rule and the line's bytes, so that importing a log twice yields the
// same ids. It does no I/O, which is why it is tested with tables and
// golden files alone.
package mapping
