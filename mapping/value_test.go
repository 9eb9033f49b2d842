package mapping

import (
	"math"
	"testing"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in string
		n  int64
		ok bool
	}{
		{"243", 243, true}, {"+243", 243, true}, {"-1", -1, true}, {"0", 0, true},
		{"9223372036854775807", math.MaxInt64, true}, {"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"+", 0, false}, {"-", 0, false}, {"1.0", 0, false}, {" 1", 0, false}, {"0x10", 0, false}, {"--1", 0, false},
	}
	for _, tt := range tests {
		n, ok := parseInt([]byte(tt.in))
		if n != tt.n || ok != tt.ok {
			t.Errorf("parseInt(%q) = %d %v, want %d %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

func TestParseFloatAndBool(t *testing.T) {
	for in, want := range map[string]float64{"1.5": 1.5, "+2": 2, "-0.25": -0.25, "1e3": 1000} {
		if f, ok := parseFloat([]byte(in)); !ok || f != want {
			t.Errorf("parseFloat(%q) = %v %v", in, f, ok)
		}
	}
	for _, in := range []string{"", "NaN", "inf", "1,5", "x"} {
		if f, ok := parseFloat([]byte(in)); ok {
			t.Errorf("parseFloat(%q) = %v", in, f)
		}
	}
	for in, want := range map[string]bool{"true": true, "TRUE": true, "1": true, "false": false, "False": false, "0": false} {
		if b, ok := parseBool([]byte(in)); !ok || b != want {
			t.Errorf("parseBool(%q) = %v %v", in, b, ok)
		}
	}
	for _, in := range []string{"", "yes", "t", "2", "truee"} {
		if _, ok := parseBool([]byte(in)); ok {
			t.Errorf("parseBool(%q) accepted", in)
		}
	}
}
