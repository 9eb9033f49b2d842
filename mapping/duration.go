package mapping

import (
	"math"
	"time"
)

// durationUnit is how a duration field is written: a plain number of
// 10^exp nanoseconds, or (goString) a Go duration string such as "1m3.5s".
type durationUnit struct {
	exp      int
	goString bool
}

// durationUnits are the names DurationSpec.Unit accepts. "go" reads Go
// duration strings, as Caddy writes with duration_format string.
var durationUnits = map[string]durationUnit{
	"s":  {exp: 9},
	"ms": {exp: 6},
	"us": {exp: 3},
	"µs": {exp: 3},
	"ns": {exp: 0},
	"go": {goString: true},
}

// defaultDurationUnit is the unit of a DurationSpec that names none:
// milliseconds, HAProxy's timers.
var defaultDurationUnit = durationUnits["ms"]

// durationUnitOf returns the unit d, which must be a power of ten of
// nanoseconds (1ns to 1s and beyond), as durations are read exactly only
// in such units.
func durationUnitOf(d time.Duration) (durationUnit, bool) {
	exp := 0
	for d > 1 && d%10 == 0 {
		d /= 10
		exp++
	}
	return durationUnit{exp: exp}, d == 1
}

// durationValue is a duration field read: HAProxy's timers are integers,
// possibly "-1" (did not happen) or "+30" (logasap: at least 30); other
// logs write fractions ("0.123" seconds) or Go strings ("1.2ms"), which
// are read exactly.
type durationValue struct {
	d          time.Duration
	negative   bool // "-1" and the like: did not happen, so no value
	lowerBound bool // a leading '+'
}

// parseDuration reads a duration field written in unit u. A leading '+'
// marks a lower bound and a leading '-' a negative value (see
// durationValue). After the sign comes a number in u, e.g. "0.137",
// "12.345", "1.5e-3", or, whatever u is, a Go duration string ("1.2ms",
// "1m3.5s"): a value that names its own unit cannot be misread, so it is
// taken as written. Digits below a nanosecond are truncated. ok is false
// when b is neither, or its magnitude does not fit a time.Duration.
func parseDuration(b []byte, u durationUnit) (durationValue, bool) {
	var v durationValue
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		v.lowerBound = b[0] == '+'
		v.negative = b[0] == '-'
		b = b[1:]
	}
	var n int64
	ok := false
	if !u.goString {
		n, ok = parseNanos(b, u.exp)
	}
	if !ok {
		n, ok = parseGoDuration(b)
	}
	if !ok {
		return v, false
	}
	v.d = time.Duration(n)
	if v.negative {
		v.d = -v.d
	}
	return v, true
}

// goDurationUnits are the unit suffixes of Go duration strings, each as
// mult × 10^exp nanoseconds, so that fractions of minutes and hours are
// exact too.
var goDurationUnits = [...]struct {
	name string
	exp  int
	mult int64
}{
	{"ns", 0, 1}, {"us", 3, 1}, {"µs", 3, 1}, {"μs", 3, 1}, // U+00B5 and U+03BC, as Go accepts
	{"ms", 6, 1}, {"s", 9, 1}, {"m", 10, 6}, {"h", 11, 36},
}

// parseGoDuration reads an unsigned Go duration string ("1.2ms", "1m3.5s",
// "0") to the nanosecond without time.ParseDuration, whose error would
// cost an allocation per bad value and whose fractions go through a
// float. It accepts what time.ParseDuration accepts after the sign;
// digits below a nanosecond are truncated (time.ParseDuration may round
// them either way).
func parseGoDuration(b []byte) (int64, bool) {
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	if len(b) == 0 {
		return 0, false
	}
	var total int64
	for len(b) > 0 {
		d, rest, ok := scanDecimal(b, true)
		if !ok {
			return 0, false
		}
		j := 0
		for j < len(rest) && rest[j] != '.' && !isDigit(rest[j]) {
			j++
		}
		unit := rest[:j]
		found := false
		var n int64
		for _, u := range goDurationUnits {
			if string(unit) == u.name {
				n, ok = d.nanos(u.exp, u.mult)
				found = true
				break
			}
		}
		if !found || !ok || total > math.MaxInt64-n {
			return 0, false
		}
		total += n
		b = rest[j:]
	}
	return total, true
}
