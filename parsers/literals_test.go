package parsers

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		expr string
		want string // the literals, joined by |
	}{
		{`ab\[(\d+)\] x`, `ab[|] x`},
		{`a(?:bc)+d`, `a|bc|d`},
		{`a(?:bc)*d`, `a|d`},
		{`a(?:bc)?d`, `a|d`},
		{`a(?:b|c)d`, `a|d`},
		{`(?:x){2,3}y`, `x|y`},
		{`(?:x){0,3}y`, `y`},
		{`(?i)get /x`, ``},
		{`é\d€`, `é|€`},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range requiredLiterals(re) {
			got = append(got, string(l))
		}
		if s := strings.Join(got, "|"); s != tt.want {
			t.Errorf("%s: literals %q, want %q", tt.expr, s, tt.want)
		}
	}
}

// TestMayMatchNeverRefusesAMatch checks the prefilter's one promise on the
// HAProxy rules: every line the expression matches passes it. The lines
// are the testdata logs, each also cut short at every position and with
// each byte dropped, which is what near misses look like; the test also
// shows that the filter does turn lines down.
func TestMayMatchNeverRefusesAMatch(t *testing.T) {
	var lines []string
	for _, file := range testFiles(t) {
		for _, l := range readLines(t, file) {
			lines = append(lines, l)
			for i := 0; i < len(l); i += 7 {
				lines = append(lines, l[:i], l[:i]+l[i+1:])
			}
		}
	}
	for i, p := range ruleParsers(t) {
		refused := 0
		for _, l := range lines {
			may, matches := p.mayMatch([]byte(l)), p.re.MatchString(l)
			if matches && !may {
				t.Fatalf("%s: the prefilter refuses a line the expression matches: %q (literals %q)", ruleExprs[i].name, l, p.literals)
			}
			if !may {
				refused++
			}
		}
		if refused == 0 {
			t.Errorf("%s: the prefilter refused none of %d lines (literals %q)", ruleExprs[i].name, len(lines), p.literals)
		}
		t.Log(ruleExprs[i].name, fmt.Sprintf("refused %d of %d lines", refused, len(lines)))
	}
}
