package mapping

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"unicode/utf8"

	"github.com/logspan/logspan/parsers"
)

// statusCond is a compiled StatusSpec.
type statusCond struct {
	field int

	re *regexp.Regexp
	// fast, when set, answers for re without running it: most status
	// conditions are "^5" or "^[CS]" on a short field, where a regexp is a
	// needless cost on every line.
	fast fastMatch

	hasRange bool
	min, max int64

	errorType template
	message   template

	// and are the further tests of StatusSpec.And, all of which must hold.
	and []statusCond
}

// fastKind is the shape of a regexp that fastMatch answers directly.
type fastKind uint8

const (
	fastNone     fastKind = iota
	fastPrefix            // ^literal
	fastExact             // ^literal$
	fastContains          // literal
	fastClass             // ^[class]
)

type fastMatch struct {
	kind  fastKind
	lit   []byte
	class []rune // ranges lo, hi, lo, hi ... as in regexp/syntax
}

func compileStatus(i int, st StatusSpec, fi fieldIndex) (statusCond, *SpecError) {
	path := "status[" + strconv.Itoa(i) + "]"
	f, serr := fi.lookup(path+".field", st.Field)
	if serr != nil {
		return statusCond{}, serr
	}
	c := statusCond{field: f, min: st.Min, max: st.Max, hasRange: st.HasRange || st.Max > 0}
	if st.Match == "" && !c.hasRange {
		return c, specErr(path+".match", "a condition is required: match: (a regular expression) or range: [min, max], or both")
	}
	if c.hasRange && (st.Min > st.Max || st.Max <= 0) {
		return c, specErr(path+".range", "min %d is greater than max %d, or max is not above 0", st.Min, st.Max)
	}
	if st.Match != "" {
		re, err := regexp.Compile(st.Match)
		if err != nil {
			return c, &SpecError{Path: path + ".match", Err: fmt.Errorf("not a Go regular expression: %w", err)}
		}
		c.re = re
		c.fast = analyseRegexp(st.Match)
	}
	if c.and, serr = compileAnd(path, st.And, fi); serr != nil {
		return c, serr
	}
	if c.errorType, serr = compileTemplate(path+".error_type", st.ErrorType, fi); serr != nil {
		return c, serr
	}
	if c.message, serr = compileTemplate(path+".message", st.Message, fi); serr != nil {
		return c, serr
	}
	return c, nil
}

// analyseRegexp recognises the regexps fastMatch can answer. Anything with
// flags (case folding), alternation or repetition is left to the regexp.
func analyseRegexp(expr string) fastMatch {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return fastMatch{}
	}
	re = re.Simplify()
	literal := func(r *syntax.Regexp) ([]byte, bool) {
		if r.Op != syntax.OpLiteral || r.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		for _, x := range r.Rune {
			if x == utf8.RuneError {
				return nil, false
			}
		}
		return []byte(string(r.Rune)), true
	}
	if lit, ok := literal(re); ok {
		return fastMatch{kind: fastContains, lit: lit}
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return fastMatch{}
	}
	second := re.Sub[1]
	switch len(re.Sub) {
	case 2:
		if lit, ok := literal(second); ok {
			return fastMatch{kind: fastPrefix, lit: lit}
		}
		if second.Op == syntax.OpCharClass && second.Flags&syntax.FoldCase == 0 {
			return fastMatch{kind: fastClass, class: second.Rune}
		}
	case 3:
		if lit, ok := literal(second); ok && re.Sub[2].Op == syntax.OpEndText {
			return fastMatch{kind: fastExact, lit: lit}
		}
	}
	return fastMatch{}
}

// match reports whether v matches the condition's regexp.
func (c *statusCond) match(v []byte) bool {
	switch c.fast.kind {
	case fastPrefix:
		return bytes.HasPrefix(v, c.fast.lit)
	case fastExact:
		return bytes.Equal(v, c.fast.lit)
	case fastContains:
		return bytes.Contains(v, c.fast.lit)
	case fastClass:
		if len(v) == 0 {
			return false
		}
		r, _ := utf8.DecodeRune(v)
		for i := 0; i+1 < len(c.fast.class); i += 2 {
			if c.fast.class[i] <= r && r <= c.fast.class[i+1] {
				return true
			}
		}
		return false
	}
	return c.re.Match(v)
}

// holds reports whether the condition holds for a line. The regexp sees the
// raw value (so "^-1$" or "^-" can be tested); a field that did not take
// part in the match holds nothing. The range needs an integer value.
func (c *statusCond) holds(m *Mapper, match *parsers.Match) bool {
	if c.re != nil {
		v, ok := field(match, c.field)
		if !ok || !c.match(v) {
			return false
		}
	}
	if c.hasRange {
		v, ok := m.value(match, c.field)
		if !ok {
			return false
		}
		n, ok := parseInt(v)
		if !ok || n < c.min || n > c.max {
			return false
		}
	}
	return c.andHolds(m, match)
}
