package parsers

import (
	"maps"
	"strconv"
	"testing"

	"github.com/vjeantet/grok"
)

// referenceGrok returns vjeantet/grok set up as the reference: named
// captures only, with logspan's patterns and any extra ones added.
func referenceGrok(t testing.TB, extra map[string]string) *grok.Grok {
	// RemoveEmptyValues: a field named in two alternatives (the HTTP
	// layout's cut form, the URI host's two forms) is two groups to grok,
	// which keeps the last of them; without empty values it keeps the one
	// that took part, as logspan does.
	g, err := grok.NewWithConfig(&grok.Config{NamedCapturesOnly: true, RemoveEmptyValues: true})
	if err != nil {
		t.Fatal(err)
	}
	own, err := ownPatterns()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddPatternsFromMap(own); err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		if err := g.AddPatternsFromMap(extra); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// compareWithGrok parses line with p and with grok's Parse on the same
// expression, anchored the same way, and reports any difference in the
// verdict or in the non-empty fields. grok reports every named group, empty
// or not; it gives back the field names as written (it maps its internal
// aliases of dotted or dashed names back), so names compare as they are.
func compareWithGrok(t *testing.T, g *grok.Grok, p *Parser, expr, line, where string) {
	t.Helper()
	anchored := "^(?:" + expr + ")$"
	grokOK, err := g.Match(anchored, line)
	if err != nil {
		t.Fatalf("grok cannot compile %s: %v", expr, err)
	}
	grokFields, err := g.Parse(anchored, line)
	if err != nil {
		t.Fatal(err)
	}
	m := p.NewMatch()
	ok := p.Parse([]byte(line), m)
	if ok != grokOK {
		t.Errorf("%s, %s: matched = %v, grok says %v:\n%s", where, expr, ok, grokOK, line)
		return
	}
	nonEmpty := func(in map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range in {
			if v != "" {
				out[k] = v
			}
		}
		return out
	}
	ours, theirs := nonEmpty(fieldMap(p, m)), nonEmpty(grokFields)
	if !maps.Equal(ours, theirs) {
		for k, v := range theirs {
			if ours[k] != v {
				t.Errorf("%s, %s: %s = %q, grok says %q", where, expr, k, ours[k], v)
			}
		}
		for k, v := range ours {
			if _, ok := theirs[k]; !ok {
				t.Errorf("%s, %s: %s = %q, grok has no such field", where, expr, k, v)
			}
		}
	}
}

// TestDifferentialGrok checks every testdata line against each rule: our
// expansion and grok's Parse must agree on matched or not and on every
// non-empty field.
func TestDifferentialGrok(t *testing.T) {
	g := referenceGrok(t, nil)
	ps := ruleParsers(t)
	lines := 0
	for _, file := range testFiles(t) {
		for n, line := range readLines(t, file) {
			for i, r := range ruleExprs {
				compareWithGrok(t, g, ps[i], r.expr, line, file+":"+strconv.Itoa(n+1))
			}
			lines++
		}
	}
	if lines < 80 {
		t.Errorf("only %d testdata lines compared", lines)
	}
}

// TestDifferentialGrokExpansion compares a few general expressions, including
// dotted and dashed names and extra patterns, with grok. (Duplicate field
// names are left out: grok keeps the last group, not the first that took
// part.)
func TestDifferentialGrokExpansion(t *testing.T) {
	tests := []struct {
		expr  string
		extra map[string]string
		lines []string
	}{
		{`%{INT:http.status} %{WORD:user-agent}`, nil, []string{"404 curl", "x curl"}},
		{`%{IPORHOST:host}(?::%{POSINT:port})?`, nil, []string{"example.com:80", "10.0.0.1", "2001:db8::1", "::"}},
		{`%{SYSLOGBASE} %{GREEDYDATA:message}`, nil, []string{"Feb  6 12:14:14 lb1 haproxy[14389]: hello", "nope"}},
		{`%{KV:kv}( %{INT:n})?`, map[string]string{"KV": `%{WORD:k}=(%{WORD:v})?`}, []string{"a=b 1", "a=", "a"}},
		{`%{COMBINEDAPACHELOG}`, nil, []string{`192.0.2.1 - - [21/Aug/2026:18:01:40 +0200] "GET /index.html HTTP/1.1" 200 5120 "-" "curl/8.0"`}},
	}
	for _, tc := range tests {
		p, err := New(Spec{Expression: tc.expr, Patterns: tc.extra})
		if err != nil {
			t.Fatal(err)
		}
		g := referenceGrok(t, tc.extra)
		for _, line := range tc.lines {
			compareWithGrok(t, g, p, tc.expr, line, "expansion")
		}
	}
}
