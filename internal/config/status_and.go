package config

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/mapping"
)

// statusTests reads a status condition's and: list, further tests that
// must all hold: [{field:, match:, range: [min, max]}, ...].
func (d *draft) statusTests(n *yaml.Node, path string) []mapping.StatusTest {
	var out []mapping.StatusTest
	for j, tn := range d.list(n, path) {
		at := fmt.Sprintf("%s[%d]", path, j)
		out = append(out, d.statusTest(d.keys(tn, at, "field", "match", "range"), at))
	}
	return out
}

// statusTest reads the test keys of a status condition or of one of its
// and: items (field:, match:, range: [min, max]) from k, at path.
func (d *draft) statusTest(k map[string]*yaml.Node, at string) mapping.StatusTest {
	var t mapping.StatusTest
	if v := k["field"]; v != nil {
		t.Field = d.str(v, at+".field")
	}
	if v := k["match"]; v != nil {
		t.Match = d.str(v, at+".match")
	}
	if rn := k["range"]; rn != nil {
		bounds := d.list(rn, at+".range")
		if len(bounds) != 2 {
			d.p.at(rn, "%s.%s.range: expected [min, max], two whole numbers", d.what, at)
		} else {
			t.Min = d.p.integer(bounds[0], d.what+"."+at+".range", -1<<62)
			t.Max = d.p.integer(bounds[1], d.what+"."+at+".range", -1<<62)
			t.HasRange = true
		}
	}
	return t
}
