package mapping

import (
	"math"
	"strconv"
	"time"

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

// durationValue is a duration field read: HAProxy's timers are integers,
// possibly "-1" (did not happen) or "+30" (logasap: at least 30); other
// logs write fractions ("0.123" seconds), which are read exactly.
type durationValue struct {
	d          time.Duration
	negative   bool // "-1" and the like: the phase did not happen
	lowerBound bool // a leading '+'
}

// parseDuration reads a number of unit. ok is false when b is not a
// number, or does not fit a time.Duration.
func parseDuration(b []byte, unit time.Duration) (durationValue, bool) {
	var v durationValue
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		v.lowerBound = b[0] == '+'
		v.negative = b[0] == '-'
		b = b[1:]
	}
	i := 0
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := int64(b[i] - '0')
		if n > (math.MaxInt64/int64(unit)-d)/10 {
			return v, false
		}
		n = n*10 + d
	}
	if i == 0 {
		return v, false
	}
	d := time.Duration(n) * unit
	if i < len(b) {
		if b[i] != '.' || i+1 == len(b) {
			return v, false
		}
		scale := int64(unit) / 10
		for _, c := range b[i+1:] {
			if c < '0' || c > '9' {
				return v, false
			}
			d += time.Duration(int64(c-'0') * scale)
			scale /= 10
		}
	}
	if v.negative {
		d = -d
	}
	v.d = d
	return v, true
}
