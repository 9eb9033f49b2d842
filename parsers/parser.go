package parsers

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// Spec is the parsing part of a rule: what the configuration says about how
// to read a line. It is a plain struct so that config can build it from YAML
// and tests can build it inline.
type Spec struct {
	// Expression is a grok expression, e.g. "%{HAPROXY_HEADER}%{HAPROXY_HTTP}".
	// It must match the whole line: it is anchored at both ends.
	Expression string
	// Patterns holds extra pattern definitions, by name, usable from the
	// expression and from each other. A name that is also in the library
	// overrides the library's pattern everywhere, including inside other
	// library patterns, so a rule can adjust one piece of a bundled layout.
	// For a JSON rule they are available to JSON.Grok's expression.
	Patterns map[string]string
	// JSON, when set, makes this a JSON rule: the line is read as one JSON
	// object and the fields are values found by key path (see JSONSpec).
	// Expression must then be empty; a grok for one field's value goes in
	// JSON.Grok.
	JSON *JSONSpec
}

// Parser reads lines with one rule's expression, or as JSON for a JSON rule
// (see JSONSpec). It is built once by New and is then safe for concurrent use
// by any number of goroutines, each with its own Match. Both kinds are this one
// type so that callers need not tell them apart: fields are named, numbered and
// read from a Match the same way.
type Parser struct {
	re       *regexp.Regexp
	expanded string
	names    []string       // field names, by field index
	types    []string       // grok type per field ("" when none was given)
	index    map[string]int // field name to field index
	// groupField maps each capture group of re (by group number, 0 being the
	// whole match) to its field index, -1 for group 0. Several groups may map
	// to the same field when the expression names a field twice.
	groupField []int
	// native, when not nil, is a hand-written scanner for this exact
	// expression (see nativeFor), tried before re because it reads the usual
	// lines about fifteen times faster, without allocating. It fills the
	// field offsets exactly as re would, or declines and leaves the line to
	// re. Tests set it to nil to compare the two paths.
	native nativeScanner
	// literals are texts every match contains, in order (see
	// requiredLiterals): a line without them is turned down before re runs.
	literals [][]byte
	// json is set for a JSON rule, whose Parse it does; re, native and
	// literals are then unused (the sub-grok, if any, is its own Parser).
	json *jsonRule
}

// Error is a problem with a rule's expression or with one of its patterns,
// found by New. It says which pattern is at fault so that an operator can go
// straight to the right line of the configuration.
type Error struct {
	// Pattern is "" when the fault is in the rule's expression itself, else the
	// name of the pattern at fault (one of the rule's extra patterns, or a
	// library pattern if the library itself cannot be used).
	Pattern string
	// Err says what is wrong.
	Err error
}

// Error returns an operator-readable sentence naming the pattern at fault.
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Pattern == "" || strings.HasPrefix(msg, "pattern "+e.Pattern+" ") {
		return msg
	}
	return "in pattern " + e.Pattern + ": " + msg
}

// Unwrap gives errors.Is and errors.As access to the underlying error, e.g. a
// *syntax.Error for a malformed regular expression.
func (e *Error) Unwrap() error { return e.Err }

// New compiles a rule's expression once, at start: it expands the grok
// references into one Go regular expression, makes every group that is not a
// field non-capturing and anchors the result. Problems with the rule are
// returned as *Error. New is meant to run on one goroutine before parsing
// starts; the Parser it returns is then read-only.
//
// When the expansion is exactly that of one of the bundled HAProxy layouts
// (see nativeFor), the Parser also gets a hand-written scanner for it, which
// Parse tries first; the results are the same either way.
//
// With spec.JSON set, New builds a JSON rule instead (see JSONSpec).
func New(spec Spec) (*Parser, error) {
	if spec.JSON != nil {
		return newJSON(spec)
	}
	p, err := compile(spec)
	if err != nil {
		return nil, err
	}
	p.native = nativeFor(p.expanded)
	return p, nil
}

// compile is New without the native scanner: nativeFor uses it to expand the
// reference expressions it compares rules with, which must not recurse into
// nativeFor itself.
func compile(spec Spec) (*Parser, error) {
	if strings.TrimSpace(spec.Expression) == "" {
		return nil, &Error{Err: errors.New("the expression is empty: give a grok expression such as %{HAPROXY_HEADER}%{HAPROXY_HTTP}")}
	}
	lib, err := loadLibrary()
	if err != nil {
		return nil, err
	}
	e := newExpander(lib, spec.Patterns, spec.Expression)
	if err := e.checkExtras(); err != nil {
		return nil, err
	}
	src, err := e.expandRoot(spec.Expression)
	if err != nil {
		return nil, err
	}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, &Error{Err: err}
	}
	p := &Parser{index: map[string]int{}, groupField: []int{-1}}
	tree = p.assignFields(tree, e)
	p.expanded = "^(?:" + printRegexp(tree) + ")$"
	re, err := regexp.Compile(p.expanded)
	if err != nil {
		// The tree parsed, so its printed form should too: this would be a
		// bug in regexp/syntax's printer, not in the rule.
		return nil, &Error{Err: fmt.Errorf("the expanded expression does not compile (%v); please report this with the rule", err)}
	}
	if re.NumSubexp() != len(p.groupField)-1 {
		return nil, &Error{Err: fmt.Errorf("internal error: expanded expression has %d groups, expected %d", re.NumSubexp(), len(p.groupField)-1)}
	}
	for g, name := range re.SubexpNames()[1:] {
		if name != "f"+strconv.Itoa(p.groupField[g+1]) {
			return nil, &Error{Err: fmt.Errorf("internal error: group %d is %q, expected field %d", g+1, name, p.groupField[g+1])}
		}
	}
	p.re = re
	p.literals = requiredLiterals(tree)
	return p, nil
}

// assignFields walks the parsed expression in group order: it removes every
// capture that is not a field, gives each field's group the internal name
// f<field index> (Go group names allow word characters only, grok field names
// also allow '.' and '-') and records which field each group fills.
func (p *Parser) assignFields(re *syntax.Regexp, e *expander) *syntax.Regexp {
	if re.Op == syntax.OpCapture && re.Name == "" {
		return p.assignFields(re.Sub[0], e)
	}
	if re.Op == syntax.OpCapture {
		// Groups are numbered by their opening parenthesis: record this one
		// before the groups inside it.
		name, typ := re.Name, ""
		if k, ok := e.groupNumber(re.Name); ok {
			name, typ = e.fields[k], e.types[k]
		}
		f, ok := p.index[name]
		if !ok {
			f = len(p.names)
			p.index[name] = f
			p.names = append(p.names, name)
			p.types = append(p.types, typ)
		}
		re.Name = "f" + strconv.Itoa(f)
		p.groupField = append(p.groupField, f)
	}
	for i, sub := range re.Sub {
		re.Sub[i] = p.assignFields(sub, e)
	}
	return re
}

// FieldNames returns the field names, one per field, in order of first
// appearance in the expression; a field's position here is its index in a
// Match. The slice is a copy.
func (p *Parser) FieldNames() []string {
	return append([]string(nil), p.names...)
}

// FieldIndex returns the index of the named field, or -1 if the expression
// has no such field. Callers look indexes up once, at start, so that the per
// line work is by index only.
func (p *Parser) FieldIndex(name string) int {
	if i, ok := p.index[name]; ok {
		return i
	}
	return -1
}

// FieldType returns the grok type given to field i (%{NAME:field:int} gives
// "int"), or "" when none was given. Types do not change parsing: values are
// always bytes; the type is kept for checks and documentation.
func (p *Parser) FieldType(i int) string {
	if i < 0 || i >= len(p.types) {
		return ""
	}
	return p.types[i]
}

// Expanded returns the final Go regular expression, as compiled: useful to
// see what a grok expression really means, and for `logspan check`. For a
// JSON rule it is that of the grok on one field's value, "" when there is
// none.
func (p *Parser) Expanded() string { return p.expanded }

// NewMatch returns a Match sized for this parser, to be reused across calls
// to Parse so that parsing allocates nothing for the Match itself.
func (p *Parser) NewMatch() *Match {
	// Room for the metadata fields too (Match.SetMeta), so that setting
	// them allocates nothing.
	idx := make([]int, 2*len(p.names), 2*(len(p.names)+int(linemeta.NumFields)))
	for i := range idx {
		idx[i] = -1
	}
	m := &Match{Index: idx}
	if p.json != nil {
		m.json = p.json.newScratch()
	}
	return m
}

// Parse matches the whole line against the expression and fills m: m.Line
// and m.Data are set to line (not copied), m.Malformed to nil and m.Index to
// the fields' offsets, reusing m.Index's backing array. When a field is named
// more than once, the first of its groups that took part in the match gives
// its value. Parse reports whether the line matched; when it did not, every
// field of m reads as absent. m must not be nil. A JSON rule's Parse is
// described on JSONSpec.
func (p *Parser) Parse(line []byte, m *Match) bool {
	if p.json != nil {
		return p.parseJSON(line, m)
	}
	idx := p.reset(line, m)
	clearIndex(idx)
	return p.match(line, idx)
}

// match runs a grok rule on line, writing its fields' offsets into idx (all
// -1 on entry, 2 per field): the native scanner first if there is one, then
// the literal prefilter and the regexp. A JSON rule's sub-grok uses it on one
// value.
func (p *Parser) match(line []byte, idx []int) bool {
	if p.native != nil {
		if p.native(line, idx) {
			return true
		}
		// The scanner declined, perhaps after filling some fields: start
		// the regexp from a clean Match.
		for i := range idx {
			idx[i] = -1
		}
	}
	if !p.mayMatch(line) {
		return false
	}
	return p.parseRegexp(line, idx)
}

// reset readies m for a new line: Index sized for the parser's fields (its
// backing array reused), Line and Data set to line, no Malformed. It
// returns the Index, whose values the caller sets.
func (p *Parser) reset(line []byte, m *Match) []int {
	n := 2 * len(p.names)
	if cap(m.Index) < n {
		m.Index = make([]int, n)
	}
	m.Index = m.Index[:n]
	m.Line, m.Data, m.Malformed = line, line, nil
	return m.Index
}

// parseRegexp is Parse's general path: one run of the compiled expression,
// whose groups are copied into idx (all -1 on entry).
func (p *Parser) parseRegexp(line []byte, idx []int) bool {
	loc := p.re.FindSubmatchIndex(line)
	if loc == nil {
		return false
	}
	for g := 1; g < len(p.groupField); g++ {
		start := loc[2*g]
		if start < 0 {
			continue
		}
		f := 2 * p.groupField[g]
		if idx[f] < 0 {
			idx[f], idx[f+1] = start, loc[2*g+1]
		}
	}
	return true
}
