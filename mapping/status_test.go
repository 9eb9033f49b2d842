package mapping

import (
	"math/rand"
	"regexp"
	"testing"
)

// TestFastMatchAgreesWithRegexp checks the regexp shortcuts against the
// regexp itself on random short values, invalid UTF-8 included.
func TestFastMatchAgreesWithRegexp(t *testing.T) {
	exprs := map[string]fastKind{
		"^5":             fastPrefix,
		"^SC":            fastPrefix,
		"^-1$":           fastExact,
		"C":              fastContains,
		"é":              fastContains,
		"^[CSPRIDUKcs]":  fastClass,
		"^[^-]":          fastClass,
		"^[a-cé]":        fastClass,
		"(?i)^sc":        fastNone,
		"^S|^C":          fastNone,
		"^5..$":          fastNone,
		"^(?:SC)":        fastPrefix,
		"^[CS][CDHQRT]-": fastNone,
	}
	alphabet := []byte("-CSsc5019éa\xff|")
	rng := rand.New(rand.NewSource(7))
	for expr, kind := range exprs {
		fm := analyseRegexp(expr)
		if fm.kind != kind {
			t.Errorf("%q analysed as %d, want %d", expr, fm.kind, kind)
		}
		c := statusCond{re: regexp.MustCompile(expr), fast: fm}
		for range 5000 {
			v := make([]byte, rng.Intn(6))
			for i := range v {
				v[i] = alphabet[rng.Intn(len(alphabet))]
			}
			if got, want := c.match(v), c.re.Match(v); got != want {
				t.Fatalf("%q on %q: fast %v, regexp %v", expr, v, got, want)
			}
		}
	}
}
