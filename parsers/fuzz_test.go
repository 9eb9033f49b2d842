package parsers

import (
	"strings"
	"testing"
)

// FuzzHAProxy feeds arbitrary lines to the three rules: they must never
// panic, and a match's fields must lie within the line. Run it with
// go test -fuzz FuzzHAProxy ./parsers/; plain go test runs the seeds.
func FuzzHAProxy(f *testing.F) {
	for _, file := range testFiles(f) {
		for _, line := range readLines(f, file) {
			f.Add(line)
		}
	}
	ps := ruleParsers(f)
	f.Fuzz(func(t *testing.T, s string) {
		// The reader splits on newlines, so a line never holds one; the
		// patterns need not care what a newline inside a field would do.
		if strings.ContainsRune(s, '\n') {
			t.Skip()
		}
		line := []byte(s)
		for i, p := range ps {
			if !p.mayMatch(line) && p.re.Match(line) {
				t.Fatalf("%s: the literal prefilter refuses a line the expression matches", ruleExprs[i].name)
			}
			m := p.NewMatch()
			ok := p.Parse(line, m)
			if m.NumFields() != len(p.FieldNames()) {
				t.Fatalf("%s: Match has %d fields, want %d", ruleExprs[i].name, m.NumFields(), len(p.FieldNames()))
			}
			for k := range m.NumFields() {
				start, end := m.Index[2*k], m.Index[2*k+1]
				if !ok {
					if start != -1 || end != -1 {
						t.Fatalf("%s: field %d set on a failed parse", ruleExprs[i].name, k)
					}
					continue
				}
				if start == -1 && end == -1 {
					continue
				}
				if start < 0 || end < start || end > len(line) {
					t.Fatalf("%s: field %s at [%d:%d] outside the %d-byte line", ruleExprs[i].name, p.FieldNames()[k], start, end, len(line))
				}
			}
		}
	})
}
