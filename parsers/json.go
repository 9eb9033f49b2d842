package parsers

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// JSONSpec makes a rule read each line as one JSON object, as Caddy, Traefik,
// Envoy (json_format), PostgreSQL (jsonlog) and nginx (escape=json) write
// them, instead of with a grok expression.
//
// Matching. A line whose first non-blank byte is not '{' is not matched, at
// the cost of one byte check, so that lines of other formats pass a JSON rule
// by almost for free. A line that starts with '{' but is not exactly one valid
// JSON object (RFC 8259; blanks may follow it) is not matched either, and
// Match.Malformed says where and why, so that callers can count and show such
// lines. Objects and arrays may nest 64 levels deep. A valid object matches
// when every Require path is present and, if Grok.Required is set, the grok
// matches its value.
//
// Values. Key order and keys no path names do not matter. A key that is
// missing, or whose value is null, is an absent field; when a key appears more
// than once, the last one counts (as in encoding/json). A string is its
// decoded text (escapes resolved, \u surrogate pairs joined, a lone surrogate
// or invalid UTF-8 as U+FFFD), so every field is valid UTF-8. A number is its
// text exactly as written (1764621600.123456789 keeps all its digits), true
// and false are those words, and an object or array is its JSON text as
// written.
type JSONSpec struct {
	// Fields are the key paths to read (see parseJSONPath for their syntax:
	// request.method, request.headers.Traceparent[0], ["@timestamp"]). Each
	// path is also its field's name. A name that is one of Grok's fields is
	// that field instead, so a caller may list every name a mapping uses
	// here; to read a key of the same name, write it quoted (["duration"]).
	// A name given twice is one field; two spellings of one path are an
	// error.
	Fields []string
	// Require are key paths that must be present for a line to match, a
	// cheap way to tell apart rules whose lines are all JSON (Caddy's
	// access log from its other loggers, say). They need not be fields.
	Require []string
	// Grok, when set, runs a grok expression on one field's value, for
	// values that pack several things into one string, like PostgreSQL's
	// message "duration: 1.234 ms  statement: SELECT 1".
	Grok *FieldGrok
}

// FieldGrok is a grok expression read on one JSON value. It is compiled as a
// rule's expression is (anchored at both ends of the value, with the
// library's patterns, the rule's Patterns and these), and its fields follow
// the JSON rule's paths in Parser.FieldNames.
type FieldGrok struct {
	// Field is the key path of the value to read. It need not be one of
	// JSONSpec.Fields.
	Field string
	// Expression is the grok expression, e.g.
	// `duration: %{NUMBER:duration_ms} ms  statement: %{GREEDYDATA:statement}`.
	Expression string
	// Patterns are extra pattern definitions for Expression, beside the
	// rule's own Spec.Patterns; a name may be defined in only one of them.
	Patterns map[string]string
	// Required makes a line match only when the expression matches the
	// value (and the value is present). By default it need not: a line
	// whose value the expression does not fit (a PostgreSQL message that
	// is not a statement's duration, say) still matches, with the grok's
	// fields absent, so that it is not counted as unmatched; a rule that
	// should take only the lines the grok reads sets Required and leaves
	// the others to later rules.
	Required bool
}

// jsonRule is a JSON rule as New builds it. Every path the rule reads has a
// slot, where the scanner records the value's offsets: first the paths of
// JSONSpec.Fields, whose slot is their field index, then the Require paths
// and Grok.Field when they are not fields.
type jsonRule struct {
	root    *jsonNode
	slots   int
	paths   int   // slots 0..paths-1 are fields 0..paths-1
	require []int // slots that must be present
	// sub is the grok on slot subSlot's value; its fields are fields
	// paths.. of the rule.
	sub         *Parser
	subSlot     int
	subRequired bool
	// replacementKeys: some key holds U+FFFD (see jsonScan).
	replacementKeys bool
}

// jsonScratch is what a Match keeps for a JSON rule, reused from line to line.
type jsonScratch struct {
	scan jsonScan
	sub  []int // the sub-grok's offsets, into the value
}

// newJSON is New for a rule with spec.JSON set.
func newJSON(spec Spec) (*Parser, error) {
	js := spec.JSON
	if strings.TrimSpace(spec.Expression) != "" {
		return nil, &Error{Err: errors.New("a JSON rule reads each line as JSON and has no expression of its own; a grok for one field's value goes in the JSON spec's Grok")}
	}
	r := &jsonRule{root: &jsonNode{slot: -1}, subSlot: -1}
	p := &Parser{index: map[string]int{}, json: r}
	if g := js.Grok; g != nil {
		sub, err := newFieldGrok(g, spec.Patterns)
		if err != nil {
			return nil, err
		}
		r.sub, r.subRequired = sub, g.Required
	}
	// canon maps each path, however spelled, to the name it was first
	// given.
	canon := map[string]string{}
	for _, name := range js.Fields {
		if r.sub != nil && r.sub.FieldIndex(name) >= 0 {
			continue
		}
		if _, dup := p.index[name]; dup {
			continue
		}
		steps, err := parseJSONPath(name)
		if err != nil {
			return nil, &Error{Err: err}
		}
		c := canonicalPath(steps)
		if first, ok := canon[c]; ok {
			return nil, &Error{Err: fmt.Errorf("json fields %q and %q name the same value: keep one of them", first, name)}
		}
		canon[c] = name
		r.root.add(steps).slot = len(p.names)
		p.index[name] = len(p.names)
		p.names = append(p.names, name)
		p.types = append(p.types, "")
	}
	r.paths, r.slots = len(p.names), len(p.names)
	for _, path := range js.Require {
		slot, err := r.hiddenSlot(path)
		if err != nil {
			return nil, err
		}
		if !containsInt(r.require, slot) {
			r.require = append(r.require, slot)
		}
	}
	if r.sub != nil {
		slot, err := r.hiddenSlot(js.Grok.Field)
		if err != nil {
			return nil, err
		}
		r.subSlot = slot
		for i, name := range r.sub.names {
			p.index[name] = len(p.names)
			p.names = append(p.names, name)
			p.types = append(p.types, r.sub.types[i])
		}
		p.expanded = r.sub.expanded
	}
	r.root.finish()
	r.replacementKeys = r.root.hasReplacementKey()
	return p, nil
}

// newFieldGrok compiles a JSON rule's grok on one value.
func newFieldGrok(g *FieldGrok, rulePatterns map[string]string) (*Parser, error) {
	if strings.TrimSpace(g.Field) == "" {
		return nil, &Error{Err: errors.New("the JSON rule's grok has no field: say which key path's value it reads")}
	}
	patterns := make(map[string]string, len(rulePatterns)+len(g.Patterns))
	for name, def := range rulePatterns {
		patterns[name] = def
	}
	var twice []string
	for name, def := range g.Patterns {
		if _, ok := patterns[name]; ok {
			twice = append(twice, name)
		}
		patterns[name] = def
	}
	if len(twice) > 0 {
		sort.Strings(twice)
		return nil, &Error{Pattern: twice[0], Err: fmt.Errorf("pattern %s is defined both in the rule's patterns and in its JSON grok's: define it once", twice[0])}
	}
	sub, err := New(Spec{Expression: g.Expression, Patterns: patterns})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, &Error{Pattern: e.Pattern, Err: fmt.Errorf("the grok on JSON field %q: %w", g.Field, e.Err)}
		}
		return nil, err
	}
	return sub, nil
}

// hiddenSlot returns the slot of path, giving it one after the fields' when
// it has none.
func (r *jsonRule) hiddenSlot(path string) (int, error) {
	steps, err := parseJSONPath(path)
	if err != nil {
		return 0, &Error{Err: err}
	}
	n := r.root.add(steps)
	if n.slot < 0 {
		n.slot = r.slots
		r.slots++
	}
	return n.slot, nil
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// newScratch returns scratch space sized for r.
func (r *jsonRule) newScratch() *jsonScratch {
	sc := &jsonScratch{}
	r.fit(sc)
	return sc
}

// fit sizes sc for r: a Match may have been made by another Parser, or by
// hand.
func (r *jsonRule) fit(sc *jsonScratch) {
	if len(sc.scan.slots) != 2*r.slots {
		sc.scan.slots = make([]int, 2*r.slots)
	}
	if r.sub != nil && len(sc.sub) != 2*len(r.sub.names) {
		sc.sub = make([]int, 2*len(r.sub.names))
	}
	sc.scan.replacementKeys = r.replacementKeys
}

// parseJSON is Parse for a JSON rule (see JSONSpec).
func (p *Parser) parseJSON(line []byte, m *Match) bool {
	r := p.json
	idx := p.reset(line, m)
	i := skipSpace(line, 0)
	if i == len(line) || line[i] != '{' {
		clearIndex(idx)
		return false
	}
	if m.json == nil {
		m.json = r.newScratch()
	}
	sc := m.json
	r.fit(sc)
	s := &sc.scan
	if !s.scan(line, i, r.root) {
		clearIndex(idx)
		m.Malformed = &s.err
		return false
	}
	for _, slot := range r.require {
		if s.slots[2*slot] < 0 {
			clearIndex(idx)
			return false
		}
	}
	data := line
	if s.data != nil {
		data = s.data
	}
	copy(idx, s.slots[:2*r.paths])
	if r.sub != nil {
		grok := idx[2*r.paths:]
		clearIndex(grok)
		if !r.runSub(data, s.slots, sc.sub, grok) && r.subRequired {
			clearIndex(idx)
			return false
		}
	}
	m.Data = data
	return true
}

// runSub runs the sub-grok on its value in data and writes its fields'
// offsets, moved into data, to out. It reports whether it matched.
func (r *jsonRule) runSub(data []byte, slots, sub, out []int) bool {
	start, end := slots[2*r.subSlot], slots[2*r.subSlot+1]
	if start < 0 {
		return false
	}
	clearIndex(sub)
	if !r.sub.match(data[start:end], sub) {
		return false
	}
	for k, off := range sub {
		if off >= 0 {
			out[k] = start + off
		}
	}
	return true
}

func clearIndex(idx []int) {
	for i := range idx {
		idx[i] = -1
	}
}
