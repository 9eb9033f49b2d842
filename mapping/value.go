package mapping

import (
	"math"
	"strconv"

	"github.com/logspan/logspan/parsers"
)

// field returns field i of a match and whether it took part. Offsets point
// into match.Data (the line itself, or the line followed by values a JSON
// rule decoded). It checks the offsets itself rather than trusting them, so a
// Match filled wrongly by a parser yields an absent field instead of a panic.
func field(match *parsers.Match, i int) ([]byte, bool) {
	if i < 0 || 2*i+1 >= len(match.Index) {
		return nil, false
	}
	s, e := match.Index[2*i], match.Index[2*i+1]
	if s < 0 || e < s || e > len(match.Data) {
		return nil, false
	}
	return match.Data[s:e], true
}

// value returns field i's bytes and whether the field has a value: it took
// part in the match, is not empty, and is not one of the Spec's absent
// markers ("-" by default).
func (m *Mapper) value(match *parsers.Match, i int) ([]byte, bool) {
	b, ok := field(match, i)
	if !ok || len(b) == 0 {
		return nil, false
	}
	for _, a := range m.absent {
		if string(b) == a {
			return nil, false
		}
	}
	return b, true
}

// parseInt reads a decimal integer with an optional sign; HAProxy writes
// "+243" for a byte count under logasap and "-1" for a timer that did not
// run. strconv is avoided so that a failure costs no allocation.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64+1)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > math.MaxInt64+1 {
			return 0, false
		}
	}
	if neg {
		return -int64(n), true // n == MaxInt64+1 wraps to MinInt64, as wanted
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// parseFloat reads a float as strconv.ParseFloat does (with a leading '+'
// allowed), refusing NaN and infinities, which no log field means.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 64 {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseBool reads true/false (any case) and 1/0.
func parseBool(b []byte) (bool, bool) {
	switch len(b) {
	case 1:
		switch b[0] {
		case '1':
			return true, true
		case '0':
			return false, true
		}
	case 4:
		if lowerASCIIEqual(b, "true") {
			return true, true
		}
	case 5:
		if lowerASCIIEqual(b, "false") {
			return false, true
		}
	}
	return false, false
}

// lowerASCIIEqual reports whether b equals the lowercase word w, ignoring
// ASCII case in b.
func lowerASCIIEqual(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
