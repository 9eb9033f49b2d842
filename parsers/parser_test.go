package parsers

import (
	"errors"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

func TestExpansion(t *testing.T) {
	type input struct {
		line string
		ok   bool
		want map[string]string // all fields that took part
	}
	tests := []struct {
		name     string
		spec     Spec
		fields   []string
		types    []string
		groups   int // capture groups in the expanded regexp
		inputs   []input
		contains []string // substrings of Expanded()
	}{
		{
			name:   "named, unnamed and typed references",
			spec:   Spec{Expression: `%{INT:a} %{WORD} %{NUMBER:b:float} %{INT:c:int} %{WORD:d:string}`},
			fields: []string{"a", "b", "c", "d"},
			types:  []string{"", "float", "int", "string"},
			groups: 4,
			inputs: []input{
				{"12 foo 3.5 -7 bar", true, map[string]string{"a": "12", "b": "3.5", "c": "-7", "d": "bar"}},
				{"12 foo x -7 bar", false, nil},
			},
		},
		{
			name:   "unnamed groups become non-capturing",
			spec:   Spec{Expression: `%{P:x}(d)(?:e)`, Patterns: map[string]string{"P": `(a|b)(c)`}},
			fields: []string{"x"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{"acde", true, map[string]string{"x": "ac"}}, {"bcde", true, map[string]string{"x": "bc"}}},
		},
		{
			name:   "escaped parentheses and classes are not groups",
			spec:   Spec{Expression: `\((%{INT:n})\)[(][)]\\(x)`},
			fields: []string{"n"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{`(5)()\x`, true, map[string]string{"n": "5"}}},
		},
		{
			name:   "extra pattern overrides the library everywhere",
			spec:   Spec{Expression: `%{INT:n} %{NUMBER:m}`, Patterns: map[string]string{"INT": `[0-9]{2}`, "BASE10NUM": `x+`}},
			fields: []string{"n", "m"},
			types:  []string{"", ""},
			groups: 2,
			inputs: []input{{"12 xx", true, map[string]string{"n": "12", "m": "xx"}}, {"123 xx", false, nil}, {"12 1.5", false, nil}},
		},
		{
			name:   "extra patterns refer to each other",
			spec:   Spec{Expression: `%{PAIR:p}`, Patterns: map[string]string{"PAIR": `%{KEY:k}=%{VAL:v}`, "KEY": `[a-z]+`, "VAL": `%{INT}`}},
			fields: []string{"p", "k", "v"},
			types:  []string{"", "", ""},
			groups: 3,
			inputs: []input{{"ab=-3", true, map[string]string{"p": "ab=-3", "k": "ab", "v": "-3"}}},
		},
		{
			name:   "dotted and dashed field names",
			spec:   Spec{Expression: `%{INT:http.status} %{WORD:user-agent}`},
			fields: []string{"http.status", "user-agent"},
			types:  []string{"", ""},
			groups: 2,
			inputs: []input{{"404 curl", true, map[string]string{"http.status": "404", "user-agent": "curl"}}},
		},
		{
			name:   "duplicate field: the first group that took part wins",
			spec:   Spec{Expression: `(?:%{INT:v}|%{WORD:v})(?: %{WORD:v})?`},
			fields: []string{"v"},
			types:  []string{""},
			groups: 3,
			inputs: []input{
				{"42", true, map[string]string{"v": "42"}},
				{"abc", true, map[string]string{"v": "abc"}},
				{"42 later", true, map[string]string{"v": "42"}},
				{"abc later", true, map[string]string{"v": "abc"}},
			},
		},
		{
			name:   "anchored: a partial match is no match",
			spec:   Spec{Expression: `%{INT:n}`},
			fields: []string{"n"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{"12", true, map[string]string{"n": "12"}}, {"12a", false, nil}, {"a12", false, nil}, {"12\n", false, nil}},
		},
		{
			name:     "anchoring survives a top-level alternation",
			spec:     Spec{Expression: `a|%{INT:n}`},
			fields:   []string{"n"},
			types:    []string{""},
			groups:   1,
			inputs:   []input{{"a", true, map[string]string{}}, {"ab", false, nil}, {"b12", false, nil}, {"12", true, map[string]string{"n": "12"}}},
			contains: []string{"^(?:", ")$"},
		},
		{
			name:   "named group written by hand is a field",
			spec:   Spec{Expression: `(?P<raw>a+)-%{INT:n}`},
			fields: []string{"raw", "n"},
			types:  []string{"", ""},
			groups: 2,
			inputs: []input{{"aa-1", true, map[string]string{"raw": "aa", "n": "1"}}},
		},
		{
			name:   "optional field that does not take part",
			spec:   Spec{Expression: `%{WORD:w}(?: %{INT:n})?`},
			fields: []string{"w", "n"},
			types:  []string{"", ""},
			groups: 2,
			inputs: []input{{"x", true, map[string]string{"w": "x"}}, {"x 1", true, map[string]string{"w": "x", "n": "1"}}},
		},
		{
			name:   "empty field is taken part, not absent",
			spec:   Spec{Expression: `<%{DATA:d}>`},
			fields: []string{"d"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{"<>", true, map[string]string{"d": ""}}},
		},
		{
			name:   "a literal %{ that is not a reference stays as it is",
			spec:   Spec{Expression: `%\{a b\} %{INT:n}`},
			fields: []string{"n"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{"%{a b} 1", true, map[string]string{"n": "1"}}},
		},
		{
			name:   "empty field name reads as unnamed",
			spec:   Spec{Expression: `%{INT:} %{INT:n}`},
			fields: []string{"n"},
			types:  []string{""},
			groups: 1,
			inputs: []input{{"1 2", true, map[string]string{"n": "2"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.FieldNames(); !slices.Equal(got, tc.fields) {
				t.Errorf("FieldNames = %q, want %q", got, tc.fields)
			}
			for i, f := range tc.fields {
				if p.FieldIndex(f) != i {
					t.Errorf("FieldIndex(%q) = %d, want %d", f, p.FieldIndex(f), i)
				}
				if p.FieldType(i) != tc.types[i] {
					t.Errorf("FieldType(%d) = %q, want %q", i, p.FieldType(i), tc.types[i])
				}
			}
			if p.FieldIndex("nope") != -1 || p.FieldType(-1) != "" || p.FieldType(len(tc.fields)) != "" {
				t.Error("unknown field should give -1 and no type")
			}
			re := regexp.MustCompile(p.Expanded())
			if re.NumSubexp() != tc.groups {
				t.Errorf("expanded regexp has %d groups, want %d: %s", re.NumSubexp(), tc.groups, p.Expanded())
			}
			if !strings.HasPrefix(p.Expanded(), "^(?:") || !strings.HasSuffix(p.Expanded(), ")$") {
				t.Errorf("expanded regexp is not anchored: %s", p.Expanded())
			}
			for _, in := range tc.inputs {
				ok, got := parseString(p, in.line)
				if ok != in.ok {
					t.Errorf("%q: matched = %v, want %v", in.line, ok, in.ok)
					continue
				}
				if ok && !maps.Equal(got, in.want) {
					t.Errorf("%q: fields %q, want %q", in.line, got, in.want)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		spec    Spec
		pattern string // Error.Pattern
		msg     string // the exact Error() text, or a part of it if partial
		partial bool
		code    syntax.ErrorCode // for regexp errors
	}{
		{
			name: "unknown pattern in the expression",
			spec: Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTPP}"},
			msg:  "unknown pattern %{HAPROXY_HTTPP} (no such pattern in the library or the rule's patterns)",
		},
		{
			name:    "unknown pattern in an extra pattern",
			spec:    Spec{Expression: "%{A:a}", Patterns: map[string]string{"A": "x%{NOPE:n}"}},
			pattern: "A",
			msg:     "in pattern A: unknown pattern %{NOPE} (no such pattern in the library or the rule's patterns)",
		},
		{
			name:    "unknown pattern in an unused extra pattern",
			spec:    Spec{Expression: "%{INT:a}", Patterns: map[string]string{"UNUSED": "%{NOPE}"}},
			pattern: "UNUSED",
			msg:     "in pattern UNUSED: unknown pattern %{NOPE} (no such pattern in the library or the rule's patterns)",
		},
		{
			name:    "cycle through another pattern",
			spec:    Spec{Expression: "%{FOO}", Patterns: map[string]string{"FOO": "a%{BAR}", "BAR": "b%{FOO}"}},
			pattern: "BAR",
			msg:     "pattern BAR refers to itself through FOO",
		},
		{
			name:    "cycle of one",
			spec:    Spec{Expression: "%{FOO}", Patterns: map[string]string{"FOO": "a%{FOO:x}?"}},
			pattern: "FOO",
			msg:     "pattern FOO refers to itself",
		},
		{
			name:    "cycle through a library pattern",
			spec:    Spec{Expression: "%{NUMBER}", Patterns: map[string]string{"BASE10NUM": "%{NUMBER}"}},
			pattern: "BASE10NUM",
			msg:     "pattern BASE10NUM refers to itself through NUMBER",
		},
		{
			name: "bad regexp in the expression",
			spec: Spec{Expression: "(%{INT:n}"},
			msg:  "error parsing regexp: missing closing ): `((?:)`",
			code: syntax.ErrMissingParen,
		},
		{
			name: "expression broken only once wrapped would be hidden",
			spec: Spec{Expression: "a)|(b"},
			msg:  "unexpected )",
			code: syntax.ErrUnexpectedParen, partial: true,
		},
		{
			name:    "bad regexp in an extra pattern",
			spec:    Spec{Expression: "%{GOOD} %{BAD:b}", Patterns: map[string]string{"GOOD": "a", "BAD": "[a-"}},
			pattern: "BAD",
			msg:     "in pattern BAD: error parsing regexp: missing closing ]: `[a-`",
			code:    syntax.ErrMissingBracket,
		},
		{
			name:    "lookahead is not Go regexp",
			spec:    Spec{Expression: "%{LA}", Patterns: map[string]string{"LA": "a(?!b)"}},
			pattern: "LA",
			msg:     "invalid or unsupported Perl syntax", partial: true,
			code: syntax.ErrInvalidPerlOp,
		},
		{
			name: "unknown type",
			spec: Spec{Expression: "%{INT:n:bool}"},
			msg:  `%{INT:n:bool} has type "bool"; the types are int, float and string`,
		},
		{
			name:    "bad extra pattern name",
			spec:    Spec{Expression: "%{INT:n}", Patterns: map[string]string{"bad name": "x"}},
			pattern: "bad name",
			msg:     "not a valid pattern name", partial: true,
		},
		{
			name: "empty expression",
			spec: Spec{Expression: "  "},
			msg:  "the expression is empty", partial: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.spec)
			if err == nil {
				t.Fatalf("no error; expanded: %s", p.Expanded())
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if e.Pattern != tc.pattern {
				t.Errorf("Pattern = %q, want %q (%v)", e.Pattern, tc.pattern, err)
			}
			if tc.partial && !strings.Contains(err.Error(), tc.msg) || !tc.partial && err.Error() != tc.msg {
				t.Errorf("Error() = %q, want %q", err.Error(), tc.msg)
			}
			if tc.code != "" {
				var se *syntax.Error
				if !errors.As(err, &se) || se.Code != tc.code {
					t.Errorf("want a *syntax.Error with code %q, got %v", tc.code, err)
				}
			}
		})
	}
}

// TestLibrary checks that grok's bundled patterns are read, that ours are
// added, and that every library pattern compiles under our expansion with
// Go's regexp.
func TestLibrary(t *testing.T) {
	names := Library()
	if !slices.IsSorted(names) {
		t.Error("Library() is not sorted")
	}
	for _, want := range []string{"INT", "IPV4", "COMBINEDAPACHELOG", "SYSLOGBASE", "HAPROXY_HEADER", "HAPROXY_HTTP", "HAPROXY_TCP", "HAPROXY_SSL_ERROR"} {
		if !slices.Contains(names, want) {
			t.Errorf("Library() lacks %s", want)
		}
	}
	g, err := grokPatterns()
	if err != nil {
		t.Fatal(err)
	}
	if len(g) < 50 {
		t.Errorf("only %d grok patterns read", len(g))
	}
	own, _ := ownPatterns()
	if len(names) != len(g)+len(own) {
		t.Errorf("Library() has %d names, want %d grok + %d own (a name clash?)", len(names), len(g), len(own))
	}
	for _, name := range names {
		p, err := New(Spec{Expression: "%{" + name + "}"})
		if err != nil {
			t.Errorf("library pattern %s: %v", name, err)
			continue
		}
		if _, err := regexp.Compile(p.Expanded()); err != nil {
			t.Errorf("library pattern %s: %v", name, err)
		}
	}
	// A few of grok's own patterns, to see that their \b and nested groups
	// mean under our expansion what they mean in grok.
	for _, tc := range []struct{ expr, line, field, want string }{
		{"%{IPORHOST:h}", "2001:db8::1", "h", "2001:db8::1"},
		{"%{IPORHOST:h}", "example.com", "h", "example.com"},
		{"%{SYSLOGBASE}", "Feb  6 12:14:14 lb1 haproxy[14389]:", "pid", "14389"},
		{"%{URI:u}", "https://user@example.com:8443/a/b?c=d", "port", "8443"},
		{"%{QS:q}", `"a \"b\""`, "q", `"a \"b\""`},
	} {
		p, err := New(Spec{Expression: tc.expr})
		if err != nil {
			t.Fatal(err)
		}
		ok, got := parseString(p, tc.line)
		if !ok || got[tc.field] != tc.want {
			t.Errorf("%s on %q: matched %v, %s = %q, want %q", tc.expr, tc.line, ok, tc.field, got[tc.field], tc.want)
		}
	}
}

func TestParsePatternFile(t *testing.T) {
	m, err := parsePatternFile("# c\n\nA x y\r\n  # indented comment\nB %{A} \n")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(m, map[string]string{"A": "x y", "B": "%{A} "}) {
		t.Errorf("got %q", m)
	}
	for _, bad := range []string{"A\n", "A x\nA y\n", "bad/name x\n"} {
		if _, err := parsePatternFile(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestMatchReuse checks the hot path's promises: m.Index's backing array is
// reused, a too-small one is replaced, a failed parse leaves no stale field,
// and a parse costs at most Go's one allocation.
func TestMatchReuse(t *testing.T) {
	p := ruleParsers(t)[0]
	lines := readLines(t, "http.log")
	m := p.NewMatch()
	if m.NumFields() != len(p.FieldNames()) {
		t.Fatalf("NewMatch has room for %d fields, want %d", m.NumFields(), len(p.FieldNames()))
	}
	first := &m.Index[0]
	if !p.Parse([]byte(lines[0]), m) || &m.Index[0] != first {
		t.Fatal("Parse did not reuse m.Index")
	}
	if p.Parse([]byte("garbage"), m) {
		t.Fatal("garbage matched")
	}
	for i := range m.NumFields() {
		if m.Present(i) || m.Field(i) != nil {
			t.Errorf("field %d still present after a failed parse", i)
		}
	}
	small := &Match{Index: make([]int, 2)}
	if !p.Parse([]byte(lines[0]), small) || small.NumFields() != len(p.FieldNames()) {
		t.Fatal("Parse did not grow a small Match")
	}
	if got := string(small.Field(p.FieldIndex("client_ip"))); got != "10.0.1.2" {
		t.Errorf("client_ip = %q", got)
	}
	if raceEnabled {
		return
	}
	line := []byte(lines[0])
	allocs := testing.AllocsPerRun(100, func() { p.Parse(line, m) })
	if allocs > 1 {
		t.Errorf("Parse allocates %v times per line, want at most 1", allocs)
	}
}

// TestConcurrentParse runs one Parser from several goroutines, each with its
// own Match, as the daemon does; run with -race it checks that a Parser is
// read-only after New.
func TestConcurrentParse(t *testing.T) {
	ps := ruleParsers(t)
	lines := readLines(t, "http.log")
	done := make(chan error)
	for range 4 {
		go func() {
			m := ps[0].NewMatch()
			for _, l := range lines {
				if !ps[0].Parse([]byte(l), m) {
					done <- errors.New("no match: " + l)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
