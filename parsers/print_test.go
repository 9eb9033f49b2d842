package parsers

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"testing"
)

// TestPrintRegexpMeansTheSame checks that printRegexp's text is the same
// regular expression as re.String()'s: for the shipped HAProxy layouts and
// some hand-made ones, both compile and find the same submatches in every
// test line, and the tree is left as it was.
func TestPrintRegexpMeansTheSame(t *testing.T) {
	exprs := []string{
		`[^ ]+ (?P<a>[a-z]+)|[^"]*"(?P<b>\d{2,3})"`,
		`(?i)caf[eé]+\s[[:alpha:]]x`,
		`[\x{10FFFF}a]b|[^\x00-\x{10FFFF}]`, // a plane-16 rune in a class; the empty class
		`\x{100000}[^ ]`,                    // a plane-16 literal: falls back to String
		`plain literal, no class`,
	}
	var lines [][]byte
	for _, file := range testFiles(t) {
		for _, l := range readLines(t, file) {
			lines = append(lines, []byte(l))
		}
	}
	lines = append(lines, []byte("abc de"), []byte(`x"123"`), []byte("CAFÉÉ\tax"), []byte("\U0010FFFFb"))
	for _, r := range ruleExprs {
		p := ruleParser(t, r.name)
		exprs = append(exprs, p.Expanded())
	}
	for _, expr := range exprs {
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		before := tree.String()
		fast, slow := printRegexp(tree), tree.String()
		if slow != before {
			t.Fatalf("printRegexp changed the tree: %s", slow)
		}
		a, b := regexp.MustCompile(fast), regexp.MustCompile(slow)
		for _, l := range lines {
			if x, y := a.FindAllSubmatchIndex(l, -1), b.FindAllSubmatchIndex(l, -1); !slices.EqualFunc(x, y, slices.Equal) {
				t.Errorf("%.60s...: on %q: %v, String's: %v", expr, l, x, y)
			}
		}
	}
}
