package mapping

import (
	"strconv"

	"github.com/logspan/logspan/parsers"
)

// StatusTest is one further test of a status condition (StatusSpec.And):
// a field, and a regexp its value must match or an integer range it must
// lie in, or both, with the meanings of StatusSpec's own Field, Match, Min,
// Max and HasRange. Its SpecError paths are status[i].and[j].field, ...
type StatusTest struct {
	Field    string
	Match    string
	Min, Max int64
	HasRange bool
}

// compileAnd compiles the tests of a condition's And.
func compileAnd(path string, tests []StatusTest, fi fieldIndex) ([]statusCond, *SpecError) {
	var out []statusCond
	for j, t := range tests {
		c, serr := compileStatus(0, StatusSpec{Field: t.Field, Match: t.Match, Min: t.Min, Max: t.Max, HasRange: t.HasRange}, fi)
		if serr != nil {
			// compileStatus names the path status[0]: put it under and[j].
			serr.Path = path + ".and[" + strconv.Itoa(j) + "]" + serr.Path[len("status[0]"):]
			return nil, serr
		}
		out = append(out, c)
	}
	return out, nil
}

// andHolds reports whether every test of c.and holds.
func (c *statusCond) andHolds(m *Mapper, match *parsers.Match) bool {
	for i := range c.and {
		if !c.and[i].holds(m, match) {
			return false
		}
	}
	return true
}
