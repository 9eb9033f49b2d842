package mapping

import (
	"bytes"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/parsers"
)

// The trace-context formats Map recognises, by the names
// TraceContextSpec.Formats and ContextInfo.Format use.
const (
	// FormatW3C is the W3C traceparent (with tracestate).
	FormatW3C = "w3c"
	// FormatB3 is Zipkin's b3 single header, or its X-B3-* multi headers
	// in the fields TraceContextSpec.B3 names.
	FormatB3 = "b3"
	// FormatJaeger is Jaeger's uber-trace-id.
	FormatJaeger = "jaeger"
	// FormatXRay is AWS X-Ray's X-Amzn-Trace-Id.
	FormatXRay = "xray"
	// FormatSQLCommenter is a traceparent (and tracestate) in a
	// sqlcommenter comment of a SQL statement.
	FormatSQLCommenter = "sqlcommenter"
)

// ctxFormat is a format as a small number, an index into formatNames.
type ctxFormat uint8

const (
	fmtW3C ctxFormat = iota
	fmtB3
	fmtJaeger
	fmtXRay
	fmtSQLCommenter
	numFormats
)

// formatNames is also the default search order: the W3C standard first,
// then the older formats by how often proxies log them, sqlcommenter last
// since it only appears in SQL text.
var formatNames = [numFormats]string{FormatW3C, FormatB3, FormatJaeger, FormatXRay, FormatSQLCommenter}

// minFormatLen is the shortest value that can hold each format when
// searched for inside a field, so that short fields are skipped unread.
var minFormatLen = [numFormats]int{
	fmtW3C:          traceParentLen,
	fmtB3:           b3MinLen,
	fmtJaeger:       2*jaegerMinSearchDigits + 5,
	fmtXRay:         len("Root=") + xrayRootLen,
	fmtSQLCommenter: len("traceparent=''") + traceParentLen,
}

// TraceContext is a caller's trace context as any of the formats carries
// it, reduced to what a span needs.
type TraceContext struct {
	TraceID trace.TraceID
	// SpanID is the caller's span, the parent of the span made from the
	// line. It is invalid when the format names only the trace (an X-Ray
	// header without Parent): the span is then a root in that trace.
	SpanID trace.SpanID
	// Flags holds the sampled bit (and, from W3C, the random bit).
	Flags trace.TraceFlags
}

// ContextInfo says which trace context Map used and where it was, so that
// `logspan test` can show an operator why a span got its parent (or none).
// Its strings are constants: filling it allocates nothing.
type ContextInfo struct {
	// Format is the format's name (FormatW3C, FormatB3, ...), "" when
	// no context was used; the zero ContextInfo means "none".
	Format string
	// Field is the number of the parser field the context was found in
	// (for B3's multi headers, the trace id's field); meaningful only
	// when Format is set.
	Field int
}

// Found reports whether a context was used.
func (c ContextInfo) Found() bool { return c.Format != "" }

// MaxLinks bounds the links a span gets from the other trace contexts of
// its line: a line carries one or two in practice, and a crafted line must
// not make a span of hundreds.
const MaxLinks = 4

// maxContexts is how many distinct traces one line's search keeps: the
// parent and its links.
const maxContexts = 1 + MaxLinks

// foundContext is one trace context found in a line.
type foundContext struct {
	TraceContext
	format ctxFormat
	field  int
	// ts is a sqlcommenter comment's tracestate, still encoded: a
	// subslice of the line, decoded only if the context is used.
	ts []byte
}

// contextSet collects a line's trace contexts, one per trace, in the
// order found: the first is the span's parent, the others its links. It
// lives on the stack.
type contextSet struct {
	n int
	c [maxContexts]foundContext
}

// add records fc unless its trace is known already. The same context
// found twice (a traceparent both as itself and in its sqlcommenter
// comment) keeps its first format and gains the tracestate the second
// carries; a context naming only the trace (X-Ray without Parent) is
// completed by a later one in the same trace that has the caller's span.
// It reports whether the set is full.
func (cs *contextSet) add(fc foundContext) bool {
	for i := range cs.c[:cs.n] {
		e := &cs.c[i]
		if e.TraceID != fc.TraceID {
			continue
		}
		switch {
		case e.SpanID == fc.SpanID:
			if e.ts == nil {
				e.ts = fc.ts
			}
		case !e.SpanID.IsValid():
			*e = fc
		}
		return cs.n == len(cs.c)
	}
	if cs.n < len(cs.c) {
		cs.c[cs.n] = fc
		cs.n++
	}
	return cs.n == len(cs.c)
}

// compileTraceContext compiles TraceContextSpec.Formats and B3, after
// Fields and Forwarded.
func (m *Mapper) compileTraceContext(tc TraceContextSpec, fi fieldIndex) *SpecError {
	if len(tc.Formats) == 0 {
		for f := range numFormats {
			m.formats = append(m.formats, f)
		}
	}
	for i, name := range tc.Formats {
		path := "trace_context.formats[" + strconv.Itoa(i) + "]"
		f, ok := formatByName(name)
		if !ok {
			msg := "unknown format %q (expected " + strings.Join(formatNames[:], ", ") + ")"
			if s := closest(strings.ToLower(strings.TrimSpace(name)), formatNames[:]); s != "" {
				msg = "unknown format %q, did you mean " + strconv.Quote(s) + "? (expected " + strings.Join(formatNames[:], ", ") + ")"
			}
			return specErr(path, msg, name)
		}
		for _, g := range m.formats {
			if g == f {
				return specErr(path, "format %q is listed twice", name)
			}
		}
		m.formats = append(m.formats, f)
	}
	m.tcMinLen = minFormatLen[m.formats[0]]
	for _, f := range m.formats {
		m.tcMinLen = min(m.tcMinLen, minFormatLen[f])
	}
	m.b3 = b3Fields{traceID: -1, spanID: -1, sampled: -1, flags: -1}
	b := tc.B3
	if b == (B3FieldsSpec{}) {
		return nil
	}
	if !m.hasFormat(fmtB3) {
		return specErr("trace_context.b3", "B3 header fields are set but %q is not in trace_context.formats", FormatB3)
	}
	if b.TraceID == "" {
		return specErr("trace_context.b3.trace_id", "the field of X-B3-TraceId is required with the other B3 fields")
	}
	if b.SpanID == "" {
		return specErr("trace_context.b3.span_id", "the field of X-B3-SpanId is required with the other B3 fields")
	}
	var serr *SpecError
	if m.b3.traceID, serr = fi.lookup("trace_context.b3.trace_id", b.TraceID); serr != nil {
		return serr
	}
	if m.b3.spanID, serr = fi.lookup("trace_context.b3.span_id", b.SpanID); serr != nil {
		return serr
	}
	if b.Sampled != "" {
		if m.b3.sampled, serr = fi.lookup("trace_context.b3.sampled", b.Sampled); serr != nil {
			return serr
		}
	}
	if b.Flags != "" {
		if m.b3.flags, serr = fi.lookup("trace_context.b3.flags", b.Flags); serr != nil {
			return serr
		}
	}
	return nil
}

// formatByName finds a format by name, ignoring case and surrounding
// spaces.
func formatByName(name string) (ctxFormat, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for f, n := range formatNames {
		if n == name {
			return ctxFormat(f), true
		}
	}
	return 0, false
}

func (m *Mapper) hasFormat(f ctxFormat) bool {
	for _, g := range m.formats {
		if g == f {
			return true
		}
	}
	return false
}

// findContexts collects the line's trace contexts into cs.
//
// The search is format-major: each format in the rule's order, and within
// a format the fields in the rule's order. So the order of Formats is a
// priority (by default a W3C traceparent is the parent wherever it is,
// and an X-Ray header of another trace becomes a link), and the order of
// fields only breaks ties within one format; with Fields unset it is the
// parser's, which says nothing about which context matters more. Within
// one field, the first valid context of a format counts. Every field is
// searched for every format, so that the contexts of other traces are
// found for links, until maxContexts traces are known.
//
// Each format is looked for only where a cheap test says it may be: a
// value long enough for it, and for Jaeger a ':' or %3A, for X-Ray
// "Root=", for sqlcommenter "traceparent". A value of a line with no trace
// context is thus mostly scanned by IndexByte-like loops.
func (m *Mapper) findContexts(match *parsers.Match, cs *contextSet, out *Outcome) {
	var buf [maxLongFields]fieldValue
	long, listed := m.longFields(match, buf[:0])
	for _, f := range m.formats {
		if f == fmtB3 && m.b3.traceID >= 0 {
			tc, found, invalid := m.b3Multi(match)
			out.InvalidTraceContext = out.InvalidTraceContext || invalid
			if found && cs.add(foundContext{TraceContext: tc, format: fmtB3, field: m.b3.traceID}) {
				return
			}
		}
		if listed {
			for _, fv := range long {
				if m.findInField(f, fv.v, fv.field, cs, out) {
					return
				}
			}
			continue
		}
		for _, fi := range m.tcFields {
			if v, ok := field(match, fi); ok && m.findInField(f, v, fi, cs, out) {
				return
			}
		}
	}
}

// fieldValue is a field's value and number.
type fieldValue struct {
	v     []byte
	field int
}

// maxLongFields bounds the fields findContexts lists up front.
const maxLongFields = 16

// longFields lists, into buf, the searched fields long enough to hold a
// context of some format, so that the search for each format goes over a
// few values rather than fetching every field again. listed is false when
// there are more than fit buf; the search then fetches the fields itself.
func (m *Mapper) longFields(match *parsers.Match, buf []fieldValue) (long []fieldValue, listed bool) {
	for _, fi := range m.tcFields {
		v, ok := field(match, fi)
		if !ok || len(v) < m.tcMinLen {
			continue
		}
		if len(buf) == cap(buf) {
			return nil, false
		}
		buf = append(buf, fieldValue{v, fi})
	}
	return buf, true
}

// findInField looks for format f in v, the value of field fi, leaving out
// the forwarded context's position when it is in that field.
func (m *Mapper) findInField(f ctxFormat, v []byte, fi int, cs *contextSet, out *Outcome) bool {
	if len(v) < minFormatLen[f] {
		return false
	}
	if m.fwdCapture >= 0 && fi == m.captures[m.fwdCapture].field {
		// Search around the forwarded value, which is not a parent.
		if lo, hi, ok := capturePosition(v, m.fwdCapturePos); ok {
			if findIn(f, v[:lo], fi, cs, out) {
				return true
			}
			v = v[hi:]
		}
	}
	return findIn(f, v, fi, cs, out)
}

// findIn looks for format f in v (part of field fi) and adds what it
// finds to cs; it reports whether cs is full.
func findIn(f ctxFormat, v []byte, fi int, cs *contextSet, out *Outcome) bool {
	if len(v) < minFormatLen[f] {
		return false
	}
	var tc TraceContext
	var ts []byte
	var found, invalid bool
	switch f {
	case fmtW3C:
		var tp TraceParent
		tp, found, invalid = FindTraceParent(v)
		tc = TraceContext{TraceID: tp.TraceID, SpanID: tp.SpanID, Flags: tp.Flags}
	case fmtB3:
		tc, found, invalid = findB3(v)
	case fmtJaeger:
		if bytes.IndexByte(v, ':') < 0 && !hasPct3A(v) {
			return false
		}
		tc, found, invalid = findJaeger(v)
	case fmtXRay:
		if !bytes.Contains(v, xrayRootKey) {
			return false
		}
		tc, found, invalid = findXRay(v)
	case fmtSQLCommenter:
		if !bytes.Contains(v, sqlTPKey) {
			return false
		}
		tc, ts, found, invalid = findSQLComment(v)
	}
	if invalid {
		out.InvalidTraceContext = true
	}
	return found && cs.add(foundContext{TraceContext: tc, format: f, field: fi, ts: ts})
}

// hasPct3A reports whether v holds %3A or %3a, a URL-encoded ':'.
func hasPct3A(v []byte) bool {
	for {
		i := bytes.IndexByte(v, '%')
		if i < 0 || i+2 >= len(v) {
			return false
		}
		if v[i+1] == '3' && (v[i+2] == 'A' || v[i+2] == 'a') {
			return true
		}
		v = v[i+1:]
	}
}

// parseContext parses a whole value (trimmed) as any of the rule's
// formats, in the rule's order: the reading of a field that holds exactly
// one context, such as the forwarded one. ok is false when no format
// reads it; the context may still name no span (X-Ray without Parent).
func (m *Mapper) parseContext(v []byte) (TraceContext, ctxFormat, bool) {
	for _, f := range m.formats {
		switch f {
		case fmtW3C:
			if tp, err := ParseTraceParent(v); err == nil {
				return TraceContext{TraceID: tp.TraceID, SpanID: tp.SpanID, Flags: tp.Flags}, f, true
			}
		case fmtB3:
			if tc, err := ParseB3(v); err == nil {
				return tc, f, true
			}
		case fmtJaeger:
			if tc, err := ParseJaeger(v); err == nil {
				return tc, f, true
			}
		case fmtXRay:
			if tc, err := ParseXRay(v); err == nil {
				return tc, f, true
			}
		case fmtSQLCommenter:
			if tc, _, found, _ := findSQLComment(v); found {
				return tc, f, true
			}
		}
	}
	return TraceContext{}, 0, false
}

// forwarded returns the context the program forwarded, when the rule says
// where it is logged and it is there, valid in one of the rule's formats,
// and names a span (the program's own). A value no format reads is
// counted like an invalid incoming context; one that names no span (a
// B3 sampling state alone, X-Ray without Parent) is ignored.
func (m *Mapper) forwarded(match *parsers.Match, out *Outcome) (TraceContext, ContextInfo, bool) {
	var v []byte
	var fi int
	switch {
	case m.fwdField >= 0:
		f, ok := m.value(match, m.fwdField)
		if !ok {
			return TraceContext{}, ContextInfo{}, false
		}
		v, fi = f, m.fwdField
	case m.fwdCapture >= 0:
		fi = m.captures[m.fwdCapture].field
		block, ok := m.value(match, fi)
		if !ok {
			return TraceContext{}, ContextInfo{}, false
		}
		raw, ok := nthCapture(block, m.fwdCapturePos)
		if !ok {
			return TraceContext{}, ContextInfo{}, false
		}
		var buf [256]byte
		v = unescapeCapture(buf[:0], raw)
	default:
		return TraceContext{}, ContextInfo{}, false
	}
	v = trimOWS(v)
	if len(v) == 0 || isRuleAbsent(m.absent, v) {
		return TraceContext{}, ContextInfo{}, false
	}
	tc, f, ok := m.parseContext(v)
	if !ok {
		out.InvalidTraceContext = true
		return TraceContext{}, ContextInfo{}, false
	}
	if !tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
		return TraceContext{}, ContextInfo{}, false
	}
	return tc, ContextInfo{Format: formatNames[f], Field: fi}, true
}

// applyTraceContext gives s the ids, parent, flags, tracestate and links
// the line's trace contexts call for, and fills out's trace-context
// fields. It reports false when the line yields no span (an unsampled
// caller, not kept).
func (m *Mapper) applyTraceContext(match *parsers.Match, s *Span, out *Outcome, oldTraceState string) bool {
	var cs contextSet
	m.findContexts(match, &cs, out)
	var parent *foundContext
	if cs.n > 0 {
		parent = &cs.c[0]
	}
	sampled := true
	if fwd, info, ok := m.forwarded(match, out); ok {
		// The span is the one the program announced downstream.
		out.Forwarded = info
		if parent != nil && parent.TraceID != fwd.TraceID {
			// The caller's context is not in this trace: not our
			// parent, but a link.
			parent = nil
			out.InvalidTraceContext = true
		}
		s.TraceID, s.SpanID = fwd.TraceID, fwd.SpanID
		s.Flags = fwd.Flags & (trace.FlagsSampled | trace.FlagsRandom)
		sampled = fwd.Flags.IsSampled()
	} else if parent != nil {
		s.TraceID = parent.TraceID
		s.Flags = parent.Flags & (trace.FlagsSampled | trace.FlagsRandom)
		sampled = parent.Flags.IsSampled()
	}
	if parent != nil {
		s.Parent = parent.SpanID
		out.Context = ContextInfo{Format: formatNames[parent.format], Field: parent.field}
	}
	if !sampled {
		out.Unsampled = true
		if !m.keepUnsampled {
			out.Emit = false
			return false
		}
	}
	if parent != nil {
		s.TraceState = m.contextTraceState(match, parent, oldTraceState)
	}
	for i := range cs.c[:cs.n] {
		c := &cs.c[i]
		if c == parent || c.TraceID == s.TraceID || !c.SpanID.IsValid() || len(s.Links) == MaxLinks {
			continue
		}
		out.Links[len(s.Links)] = ContextInfo{Format: formatNames[c.format], Field: c.field}
		s.Links = append(s.Links, Link{TraceID: c.TraceID, SpanID: c.SpanID, Flags: c.Flags & (trace.FlagsSampled | trace.FlagsRandom), Format: formatNames[c.format]})
	}
	return true
}

// contextTraceState is the tracestate that goes with the parent: the one
// of its sqlcommenter comment, else, for a W3C context, the rule's
// tracestate field or capture. The other formats have none.
func (m *Mapper) contextTraceState(match *parsers.Match, c *foundContext, reuse string) string {
	if c.ts != nil {
		var buf [1024]byte
		if v, ok := sqlUnescape(buf[:0], c.ts); ok {
			if v = trimOWS(v); validTraceState(v) {
				return bytesToString(v, reuse)
			}
		}
	}
	if c.format == fmtW3C || c.format == fmtSQLCommenter {
		return m.traceState(match, reuse)
	}
	return ""
}

// decodePaddedHex decodes s, 1 to 2*len(dst) lowercase hex digits, into
// dst right-aligned: the left-padding of ids written without leading
// zeros.
func decodePaddedHex(dst []byte, s []byte) bool {
	if len(s) == 0 || len(s) > 2*len(dst) {
		return false
	}
	clear(dst)
	j := len(dst) - 1
	for i := len(s); i > 0; i -= 2 {
		lo, ok := lowerHex(s[i-1])
		if !ok {
			return false
		}
		var hi byte
		if i >= 2 {
			if hi, ok = lowerHex(s[i-2]); !ok {
				return false
			}
		}
		dst[j] = hi<<4 | lo
		j--
	}
	return true
}

// allAnyHex reports whether b is all hex digits, of either case.
func allAnyHex(b []byte) bool {
	for _, c := range b {
		if !isAnyHex(c) {
			return false
		}
	}
	return true
}
