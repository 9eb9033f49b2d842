package mapping

import (
	"regexp"
	"testing"

	"github.com/logspan/logspan/parsers"
)

// TestAttributeAbsentValues: an attribute's own absent values drop only that
// attribute; the same value elsewhere is kept.
func TestAttributeAbsentValues(t *testing.T) {
	re := regexp.MustCompile(`^(?P<at>\d+) (?P<status>-?\d+) (?P<timer>-?\d+)$`)
	fields := re.SubexpNames()[1:]
	m, err := New(Spec{
		Rule:  "r",
		Start: &TimeSpec{Field: "at", Epoch: "s"},
		Attributes: []AttributeSpec{
			{Name: "http.response.status_code", Field: "status", Type: "int", Absent: []string{"-1"}},
			{Name: "timer", Field: "timer", Type: "int"},
			{Name: "responded", Field: "status", Value: "true", Type: "bool", Absent: []string{"-1"}},
		},
	}, fields)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line      string
		wantAttrs map[string]any
	}{
		{"1700000000 -1 -1", map[string]any{"timer": int64(-1)}},
		{"1700000000 200 -1", map[string]any{"http.response.status_code": int64(200), "timer": int64(-1), "responded": true}},
	} {
		line := []byte(tc.line)
		match := &parsers.Match{Line: line, Data: line, Index: re.FindSubmatchIndex(line)[2:]}
		var s Span
		if _, err := m.Map(match, &s); err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		got := map[string]any{}
		for _, kv := range s.Attributes {
			got[string(kv.Key)] = kv.Value.AsInterface()
		}
		if len(got) != len(tc.wantAttrs) {
			t.Errorf("%q: attributes %v, want %v", tc.line, got, tc.wantAttrs)
		}
		for k, v := range tc.wantAttrs {
			if got[k] != v {
				t.Errorf("%q: %s = %v, want %v", tc.line, k, got[k], v)
			}
		}
	}
}
