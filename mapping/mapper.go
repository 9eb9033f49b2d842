package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/parsers"
)

// Mapper turns the lines one rule's parser matched into spans. It is the
// Spec compiled against the parser's field names: every name resolved to a
// field number, every template, regexp and layout checked and prepared, so
// that Map does no lookups and no parsing of the Spec per line.
//
// A Mapper is immutable once built, so one Mapper may be used by many
// goroutines at once, each with its own Match and Span.
type Mapper struct {
	rule    string
	service string
	absent  []string

	// times places the span: its start, end and duration fields.
	times spanTimes

	name template
	kind trace.SpanKind

	attrs []attrRule
	// attrKeys are the keys AttributeSpecs may set: captures and the
	// other computed attributes give way to them.
	attrKeys map[attribute.Key]bool

	events    []eventRule
	eventUnit durationUnit

	status   []statusCond
	captures []capture

	tcFields      []int
	tsField       int // -1: none
	tsCapture     int // index in captures of a capture named tracestate, -1: none
	tsCapturePos  int
	keepUnsampled bool

	// The forwarded traceparent (TraceContextSpec.Forwarded): a field, or
	// a position of a capture; fwdField and fwdCapture are -1 when unused.
	fwdField      int
	fwdCapture    int
	fwdCapturePos int

	// formats are the trace-context formats searched, in order; b3 the
	// fields of B3's multi headers.
	formats []ctxFormat
	b3      b3Fields
	// tcMinLen is the shortest value that can hold any of formats.
	tcMinLen int
}

// attrType is an attribute's value type.
type attrType uint8

const (
	typeString attrType = iota
	typeInt
	typeFloat
	typeBool
)

var attrTypes = map[string]attrType{"": typeString, "string": typeString, "int": typeInt, "float": typeFloat, "bool": typeBool}

// attrRule is a compiled AttributeSpec.
type attrRule struct {
	key   attribute.Key
	field int // -1: a constant alone
	typ   attrType
	// constant is the converted Value, when hasConst.
	constant attribute.KeyValue
	hasConst bool
	// dup says an earlier entry has the same key: it is skipped when that
	// one yielded a value.
	dup bool
	// group numbers the entry's key among the Spec's distinct keys, so
	// that Map can remember which keys it has set in a bit mask instead of
	// scanning the span's attributes for each alternative; a key past the
	// 64th (-1) is looked up in the attributes.
	group int
	// absent are values that mean "no value" for this attribute only.
	absent [][]byte
	// sanitizeSQL replaces the value's SQL literals with "?".
	sanitizeSQL bool
}

// isAbsent reports whether v is one of the attribute's own absent values.
func (r *attrRule) isAbsent(v []byte) bool {
	for _, a := range r.absent {
		if bytes.Equal(v, a) {
			return true
		}
	}
	return false
}

// eventRule is a compiled EventSpec.
type eventRule struct {
	name  string
	field int
}

// errorTypeKey is the semantic-convention attribute for the kind of error.
const errorTypeKey = attribute.Key("error.type")

var spanKinds = map[string]trace.SpanKind{
	"":         trace.SpanKindServer,
	"server":   trace.SpanKindServer,
	"client":   trace.SpanKindClient,
	"internal": trace.SpanKindInternal,
	"producer": trace.SpanKindProducer,
	"consumer": trace.SpanKindConsumer,
}

// Outcome says what became of a line besides its span, for the caller's
// counters: an operator needs to know when lines are dropped because a
// caller did not sample them, when clients send broken trace context, and
// when values do not fit their declared types.
type Outcome struct {
	// Emit is false when the line yields no span: its parent was not
	// sampled and the rule does not keep unsampled lines. The Span is then
	// only partly filled and must not be exported.
	Emit bool
	// Unsampled: the parent's sampled flag was off.
	Unsampled bool
	// InvalidTraceContext: a value shaped like a trace context of one of
	// the rule's formats was found but was invalid, so it counted as
	// absent (the span became a root, unless a valid one was found
	// elsewhere); or the caller's context was in another trace than the
	// forwarded one.
	InvalidTraceContext bool
	// Context says which trace context gave the span its trace and
	// parent, and in which field it was found; zero when none did.
	Context ContextInfo
	// Forwarded says in which format and field the forwarded context
	// (TraceContextSpec.Forwarded) that gave the span its own ids was
	// found; zero when none did.
	Forwarded ContextInfo
	// Links[i] says where Span.Links[i] was found; entries past the
	// span's links are zero.
	Links [MaxLinks]ContextInfo
	// BadValues counts values that did not convert to their declared type
	// (attributes, durations, an end time) and were left out.
	BadValues int
}

// New compiles a Spec for a parser whose field i is named fields[i]. It
// checks everything that can be checked before the first line (field
// names, layouts, units, kinds, types, constants, regexps, templates) and
// reports every problem, one per faulty key, as SpecErrors (errors.As also
// finds the first *SpecError in it), so that a mistake in rules.yaml stops
// the configuration from loading instead of silently dropping data later.
func New(spec Spec, fields []string) (*Mapper, error) {
	m, errs := compile(spec, fields)
	if errs != nil {
		return nil, errs
	}
	return m, nil
}

func compile(spec Spec, fields []string) (*Mapper, SpecErrors) {
	return compileIndex(spec, newFieldIndex(fields))
}

// compileIndex is compile against a field index: the parser's fields, or
// one that records every name asked for (see Spec.FieldNames).
func compileIndex(spec Spec, fi fieldIndex) (*Mapper, SpecErrors) {
	fields := fi.names
	m := &Mapper{
		rule:          spec.Rule,
		service:       spec.Service,
		tsField:       -1,
		tsCapture:     -1,
		fwdField:      -1,
		fwdCapture:    -1,
		keepUnsampled: spec.TraceContext.KeepUnsampled,
		attrKeys:      map[attribute.Key]bool{},
	}
	var serr *SpecError
	// Every part is compiled even after a mistake, so that one run of
	// `logspan check` lists them all; a part that failed is left out.
	var errs SpecErrors
	fail := func(e *SpecError) { errs = append(errs, e) }

	m.absent = spec.Absent
	if m.absent == nil {
		m.absent = []string{"-"}
	}
	for i, a := range m.absent {
		if !utf8.ValidString(a) {
			fail(specErr("absent["+strconv.Itoa(i)+"]", "%q is not valid UTF-8", a))
		}
	}

	var timeErrs SpecErrors
	if m.times, timeErrs = compileSpanTimes(spec, fi); timeErrs != nil {
		errs = append(errs, timeErrs...)
	}

	if m.name, serr = compileTemplate("name", spec.Name, fi); serr != nil {
		fail(serr)
	}
	kind, ok := spanKinds[strings.ToLower(spec.Kind)]
	if !ok {
		fail(specErr("kind", "unknown kind %q (expected server, client, internal, producer or consumer)", spec.Kind))
	}
	m.kind = kind

	groups := map[attribute.Key]int{}
	for i, a := range spec.Attributes {
		r, serr := compileAttr(i, a, fi)
		if serr != nil {
			fail(serr)
			continue
		}
		r.dup = m.attrKeys[r.key]
		m.attrKeys[r.key] = true
		r.group = -1
		if g, ok := groups[r.key]; ok {
			r.group = g
		} else if len(groups) < 64 {
			r.group = len(groups)
			groups[r.key] = r.group
		}
		m.attrs = append(m.attrs, r)
	}

	m.eventUnit = defaultDurationUnit
	switch {
	case spec.EventUnit < 0:
		fail(specErr("event_unit", "the unit must be positive, not %s", spec.EventUnit))
	case spec.EventUnit != 0:
		if m.eventUnit, ok = durationUnitOf(spec.EventUnit); !ok {
			fail(specErr("event_unit", "the unit must be a positive power of ten of nanoseconds (ns, us, ms or s), not %s", spec.EventUnit))
		}
	}
	for i, e := range spec.Events {
		path := "events[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(e.Name) == "" {
			fail(specErr(path+".name", "an event needs a name (e.g. %q)", "haproxy.queued"))
			continue
		}
		if !utf8.ValidString(e.Name) {
			fail(specErr(path+".name", "%q is not valid UTF-8", e.Name))
			continue
		}
		f, serr := fi.lookup(path+".duration", e.Duration)
		if serr != nil {
			fail(serr)
			continue
		}
		m.events = append(m.events, eventRule{name: e.Name, field: f})
	}

	for i, st := range spec.Status {
		c, serr := compileStatus(i, st, fi)
		if serr != nil {
			fail(serr)
			continue
		}
		m.status = append(m.status, c)
	}

	seen := maps.Clone(m.attrKeys)
	for i, c := range spec.Captures {
		cp, serr := compileCapture(i, c, fi, seen)
		if serr != nil {
			fail(serr)
			// Keep the positions of the captures after it: the
			// forwarded and tracestate lookups go by index.
			cp = capture{field: -1}
		}
		if m.tsCapture < 0 {
			for pos, n := range c.Names {
				if strings.EqualFold(strings.TrimSpace(n), "tracestate") {
					m.tsCapture, m.tsCapturePos = i, pos
					break
				}
			}
		}
		m.captures = append(m.captures, cp)
	}

	tc := spec.TraceContext
	if serr := m.compileForwarded(tc.Forwarded, spec.Captures, fi); serr != nil {
		fail(serr)
	}
	if tc.Fields == nil {
		for i, f := range fields {
			// The forwarded traceparent is the span itself, never its
			// parent.
			if f != "" && i != m.fwdField {
				m.tcFields = append(m.tcFields, i)
			}
		}
	}
	for i, name := range tc.Fields {
		f, serr := fi.lookup("trace_context.fields["+strconv.Itoa(i)+"]", name)
		if serr != nil {
			fail(serr)
			continue
		}
		m.tcFields = append(m.tcFields, f)
	}
	if tc.TraceState != "" {
		if m.tsField, serr = fi.lookup("trace_context.tracestate", tc.TraceState); serr != nil {
			fail(serr)
		}
	}
	if serr := m.compileTraceContext(tc, fi); serr != nil {
		fail(serr)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return m, nil
}

// compileForwarded finds where the forwarded traceparent is: a capture
// position of that name (which then makes no attribute), else a field.
func (m *Mapper) compileForwarded(name string, captures []CaptureSpec, fi fieldIndex) *SpecError {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	for i, c := range captures {
		for pos, n := range c.Names {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				m.fwdCapture, m.fwdCapturePos = i, pos
				if pos < len(m.captures[i].skip) { // a capture that failed to compile has none
					m.captures[i].skip[pos] = true
				}
				return nil
			}
		}
	}
	f, serr := fi.lookup("trace_context.forwarded", name)
	if serr != nil {
		serr.Err = fmt.Errorf("%w (nor is it a name in captures)", serr.Err)
		return serr
	}
	m.fwdField = f
	return nil
}

func compileAttr(i int, a AttributeSpec, fi fieldIndex) (attrRule, *SpecError) {
	path := "attributes[" + strconv.Itoa(i) + "]"
	r := attrRule{key: attribute.Key(a.Name), field: -1}
	if strings.TrimSpace(a.Name) == "" {
		return r, specErr(path+".name", "an attribute needs a name")
	}
	if !utf8.ValidString(a.Name) {
		return r, specErr(path+".name", "%q is not valid UTF-8", a.Name)
	}
	typ, ok := attrTypes[a.Type]
	if !ok {
		return r, specErr(path+".type", "unknown type %q (expected string, int, float or bool)", a.Type)
	}
	r.typ = typ
	if a.Field == "" && a.Value == "" {
		return r, specErr(path+".field", "an attribute needs a field, a value, or both")
	}
	if a.Field != "" {
		f, serr := fi.lookup(path+".field", a.Field)
		if serr != nil {
			return r, serr
		}
		r.field = f
	}
	if a.Value != "" {
		kv, ok := convert(r.key, typ, []byte(a.Value), "")
		if !ok || (typ == typeString && !utf8.ValidString(a.Value)) {
			return r, specErr(path+".value", "%q is not a valid %s", a.Value, typeNames[typ])
		}
		r.constant, r.hasConst = kv, true
	}
	for j, v := range a.Absent {
		if !utf8.ValidString(v) {
			return r, specErr(path+".absent["+strconv.Itoa(j)+"]", "%q is not valid UTF-8", v)
		}
		r.absent = append(r.absent, []byte(v))
	}
	switch a.Sanitize {
	case "":
	case "sql":
		if typ != typeString || r.field < 0 {
			return r, specErr(path+".sanitize", "sanitize applies to a string attribute read from a field")
		}
		r.sanitizeSQL = true
	default:
		return r, specErr(path+".sanitize", "unknown sanitizer %q (expected sql)", a.Sanitize)
	}
	return r, nil
}

// convertSQL makes a string attribute of SQL text v with its literals
// replaced (AttributeSpec.Sanitize "sql"), in a buffer of its own so that
// other attributes do not pay for it.
func convertSQL(key attribute.Key, v []byte, reuse string) (attribute.KeyValue, bool) {
	var buf [1024]byte
	return key.String(bytesToString(sanitizeSQL(buf[:0], v), reuse)), true
}

var typeNames = [...]string{typeString: "string", typeInt: "int", typeFloat: "float", typeBool: "bool (true, false, 1 or 0)"}

// convert makes an attribute of type typ from a raw value. reuse is a
// string an earlier span held at this place, returned instead of a new one
// when the text is the same.
func convert(key attribute.Key, typ attrType, v []byte, reuse string) (attribute.KeyValue, bool) {
	switch typ {
	case typeInt:
		n, ok := parseInt(v)
		return key.Int64(n), ok
	case typeFloat:
		f, ok := parseFloat(v)
		return key.Float64(f), ok
	case typeBool:
		b, ok := parseBool(v)
		return key.Bool(b), ok
	}
	return key.String(bytesToString(v, reuse)), true
}

var (
	errNilMatch = errors.New("mapping: nil match or span")
)

// Map fills *s with the span for one matched line, reusing the capacity of
// s's slices so that a caller who keeps one Span per worker allocates
// little per line. It is a pure function of the line and the Spec: the
// same line under the same rule always gives the same span, ids included.
//
// The error is for a line that cannot be a span at all (it has neither a
// start nor an end time: missing or not a time); the caller counts it as
// a mapping failure.
// Values that are merely absent or malformed leave their attribute, event
// or end out and are counted in Outcome.BadValues.
func (m *Mapper) Map(match *parsers.Match, s *Span) (Outcome, error) {
	if match == nil || s == nil {
		return Outcome{}, errNilMatch
	}
	out := Outcome{Emit: true}
	oldName, oldTraceState := s.Name, s.TraceState
	*s = Span{
		Rule:       m.rule,
		Service:    m.service,
		Kind:       m.kind,
		Attributes: s.Attributes[:0],
		Events:     s.Events[:0],
		Links:      s.Links[:0],
	}

	// Trace context first: an unsampled line stops here, cheaply.
	tid, sid := IDs(m.rule, match.Line)
	s.TraceID, s.SpanID, s.Flags = tid, sid, trace.FlagsSampled
	if !m.applyTraceContext(match, s, &out, oldTraceState) {
		return out, nil
	}

	// Start and end.
	start, end, lowerBound, err := m.times.place(m, match, &out)
	if err != nil {
		return out, err
	}
	s.Start, s.End = start, end

	// Name.
	if !m.name.isEmpty() {
		s.Name = m.name.render(m, match, oldName)
	}
	if s.Name == "" {
		s.Name = m.rule
	}

	// Attributes, in Spec order, the first for a key winning: set has a
	// bit for each key group given a value.
	var set uint64
	for i := range m.attrs {
		r := &m.attrs[i]
		if r.dup {
			if r.group >= 0 {
				if set&(1<<r.group) != 0 {
					continue
				}
			} else if hasKey(s.Attributes, r.key) {
				continue
			}
		}
		if r.hasConst {
			if r.field >= 0 {
				if v, ok := m.value(match, r.field); !ok || r.isAbsent(v) {
					continue
				}
			}
			s.Attributes = append(s.Attributes, r.constant)
			if r.group >= 0 {
				set |= 1 << r.group
			}
			continue
		}
		v, ok := m.value(match, r.field)
		if !ok || r.isAbsent(v) {
			continue
		}
		var kv attribute.KeyValue
		if r.sanitizeSQL {
			kv, ok = convertSQL(r.key, v, reusable(s.Attributes, r.key))
		} else {
			kv, ok = convert(r.key, r.typ, v, reusable(s.Attributes, r.key))
		}
		if !ok {
			out.BadValues++
			continue
		}
		s.Attributes = append(s.Attributes, kv)
		if r.group >= 0 {
			set |= 1 << r.group
		}
	}
	if lk := m.times.lowerKey; lowerBound && lk != "" && !hasKey(s.Attributes, lk) {
		s.Attributes = append(s.Attributes, lk.Bool(true))
	}
	for i := range m.captures {
		s.Attributes = m.appendCaptures(s.Attributes, &m.captures[i], match)
	}

	// Phases.
	t := start
	for _, e := range m.events {
		v, ok := m.value(match, e.field)
		if !ok {
			break
		}
		d, ok := parseDuration(v, m.eventUnit)
		if !ok {
			out.BadValues++
			break
		}
		if d.negative || d.lowerBound {
			break
		}
		t = t.Add(d.d)
		// Programs round each phase on its own (HAProxy truncates every
		// timer to the millisecond), so the phases can add up to a little
		// past the span's end: an event is never placed after it.
		at := t
		if at.After(end) {
			at = end
		}
		s.Events = append(s.Events, Event{Name: e.name, Time: at})
	}

	// Status.
	for i := range m.status {
		c := &m.status[i]
		if !c.holds(m, match) {
			continue
		}
		s.Status = codes.Error
		if !c.errorType.isEmpty() {
			if et := c.errorType.render(m, match, reusable(s.Attributes, errorTypeKey)); et != "" {
				s.Attributes = setAttr(s.Attributes, errorTypeKey.String(et))
			}
		}
		if !c.message.isEmpty() {
			s.StatusMessage = c.message.render(m, match, "")
		}
		break
	}
	return out, nil
}

// isRuleAbsent reports whether v is one of the rule's "no value" markers.
func isRuleAbsent(absent []string, v []byte) bool {
	for _, a := range absent {
		if string(v) == a {
			return true
		}
	}
	return false
}

// traceState returns the line's tracestate, from its field or else from a
// capture named tracestate; an invalid one is dropped. reuse is the
// previous line's tracestate, kept when it is the same.
func (m *Mapper) traceState(match *parsers.Match, reuse string) string {
	if m.tsField >= 0 {
		if v, ok := m.value(match, m.tsField); ok {
			if v = trimOWS(v); validTraceState(v) {
				return bytesToString(v, reuse)
			}
		}
	}
	if m.tsCapture >= 0 {
		block, ok := m.value(match, m.captures[m.tsCapture].field)
		if !ok {
			return ""
		}
		raw, ok := nthCapture(block, m.tsCapturePos)
		if !ok {
			return ""
		}
		var buf [256]byte
		v := trimOWS(unescapeCapture(buf[:0], raw))
		if validTraceState(v) {
			return bytesToString(v, reuse)
		}
	}
	return ""
}

// appendCaptures adds one capture block's values as attributes.
func (m *Mapper) appendCaptures(attrs []attribute.KeyValue, c *capture, match *parsers.Match) []attribute.KeyValue {
	block, ok := m.value(match, c.field)
	if !ok {
		return attrs
	}
	block = trimBraces(block)
	for pos := 0; len(block) > 0 || pos == 0; pos++ {
		raw := block
		if i := indexByte(block, '|'); i >= 0 {
			raw, block = block[:i], block[i+1:]
		} else {
			block = nil
		}
		if len(raw) == 0 {
			if len(block) == 0 {
				break
			}
			continue
		}
		if pos < len(c.skip) && c.skip[pos] {
			continue
		}
		if pos >= c.named && isTraceParentShaped(raw) {
			continue
		}
		var key attribute.Key
		if pos < len(c.keys) {
			key = c.keys[pos]
			if c.shadowed[pos] && hasKey(attrs, key) {
				continue
			}
		} else {
			key = c.positionKey(pos)
			if hasKey(attrs, key) {
				continue
			}
		}
		var buf [256]byte
		v := raw
		if indexByte(raw, '#') >= 0 {
			v = unescapeCapture(buf[:0], raw)
		}
		attrs = append(attrs, key.String(bytesToString(v, reusable(attrs, key))))
	}
	return attrs
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// hasKey reports whether attrs already has key.
func hasKey(attrs []attribute.KeyValue, key attribute.Key) bool {
	for i := range attrs {
		if attrs[i].Key == key {
			return true
		}
	}
	return false
}

// setAttr sets kv, replacing an attribute with the same key.
func setAttr(attrs []attribute.KeyValue, kv attribute.KeyValue) []attribute.KeyValue {
	for i := range attrs {
		if attrs[i].Key == kv.Key {
			attrs[i] = kv
			return attrs
		}
	}
	return append(attrs, kv)
}

// reusable returns the string value the span's previous line left in the
// slot the next attribute will take, when it had the same key, so that a
// value repeated from line to line (a backend, a method) is not allocated
// again.
func reusable(attrs []attribute.KeyValue, key attribute.Key) string {
	if len(attrs) == cap(attrs) {
		return ""
	}
	old := attrs[: len(attrs)+1 : len(attrs)+1][len(attrs)]
	if old.Key != key || old.Value.Type() != attribute.STRING {
		return ""
	}
	return old.Value.AsString()
}
