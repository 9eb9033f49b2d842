package mapping

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	s, ms, us, ns, goStr := durationUnits["s"], durationUnits["ms"], durationUnits["us"], durationUnits["ns"], durationUnits["go"]
	tests := []struct {
		in   string
		unit durationUnit
		want durationValue
		ok   bool
	}{
		// HAProxy's integer milliseconds, with its markers.
		{"109", ms, durationValue{d: 109 * time.Millisecond}, true},
		{"+30", ms, durationValue{d: 30 * time.Millisecond, lowerBound: true}, true},
		{"-1", ms, durationValue{d: -time.Millisecond, negative: true}, true},
		// Seconds with fractions (nginx $request_time, Caddy duration).
		{"0.137", s, durationValue{d: 137 * time.Millisecond}, true},
		{"0.000929675", s, durationValue{d: 929675}, true},
		{"0.5", s, durationValue{d: 500 * time.Millisecond}, true},
		{"1.5e-3", s, durationValue{d: 1500 * time.Microsecond}, true},
		{"1.5E-3", s, durationValue{d: 1500 * time.Microsecond}, true},
		{"15e-4", s, durationValue{d: 1500 * time.Microsecond}, true},
		{"2e+1", s, durationValue{d: 20 * time.Second}, true},
		{"9.29675e-4", s, durationValue{d: 929675}, true},
		{"1e-10", s, durationValue{}, true},                     // below a nanosecond: truncated to 0
		{"1.9999999999", s, durationValue{d: 1999999999}, true}, // truncated, not rounded up
		// Milliseconds with fractions (PostgreSQL's "duration: 12.345 ms").
		{"12.345", ms, durationValue{d: 12345 * time.Microsecond}, true},
		{"1.25", ms, durationValue{d: 1250 * time.Microsecond}, true},
		{"1e3", ms, durationValue{d: time.Second}, true},
		{"0.0000019", ms, durationValue{d: 1}, true},
		// Microseconds (Apache %D, Envoy %COMMON_DURATION%) and nanoseconds.
		{"1234", us, durationValue{d: 1234 * time.Microsecond}, true},
		{"1.5", us, durationValue{d: 1500}, true},
		{"929675", ns, durationValue{d: 929675}, true},
		{"929675.9", ns, durationValue{d: 929675}, true},
		// Go duration strings, under "go" and under any numeric unit.
		{"1.2ms", goStr, durationValue{d: 1200 * time.Microsecond}, true},
		{"1m3.5s", goStr, durationValue{d: 63500 * time.Millisecond}, true},
		{"1h0.5m", goStr, durationValue{d: time.Hour + 30*time.Second}, true},
		{"0.1m", goStr, durationValue{d: 6 * time.Second}, true},
		{"0.0000000001m", goStr, durationValue{d: 6}, true},
		{"0.00000000001h", goStr, durationValue{d: 36}, true},
		{"1.000000000049h", goStr, durationValue{d: time.Hour + 176}, true}, // 176.4 ns
		{"0.0000000000002777777h", goStr, durationValue{}, true},            // 0.99999972 ns
		{"0.00000000000027778h", goStr, durationValue{d: 1}, true},          // 1.000008 ns
		{"1µs", goStr, durationValue{d: time.Microsecond}, true},
		{"1μs", goStr, durationValue{d: time.Microsecond}, true},
		{"1us500ns", goStr, durationValue{d: 1500}, true},
		{".5s", goStr, durationValue{d: 500 * time.Millisecond}, true},
		{"5.s", goStr, durationValue{d: 5 * time.Second}, true},
		{"0", goStr, durationValue{}, true},
		{"-1.5s", goStr, durationValue{d: -1500 * time.Millisecond, negative: true}, true},
		{"12ms", ms, durationValue{d: 12 * time.Millisecond}, true},
		{"1.2ms", s, durationValue{d: 1200 * time.Microsecond}, true},
		{"2562047h47m16.854775807s", goStr, durationValue{d: math.MaxInt64}, true},
		// Not durations.
		{"5", goStr, durationValue{}, false},
		{"1.2", goStr, durationValue{}, false},
		{"1e3s", goStr, durationValue{}, false},
		{"1d", goStr, durationValue{}, false},
		{"1s ", goStr, durationValue{}, false},
		{"2562047h47m16.854775808s", goStr, durationValue{}, false},
		{".", goStr, durationValue{}, false},
		{"99999999999999", ms, durationValue{}, false},
		{"9223372036.854775808", s, durationValue{}, false},
		{"1e19", ns, durationValue{}, false},
		{"", ms, durationValue{}, false},
		{"+", ms, durationValue{}, false},
		{"--1", ms, durationValue{}, false},
		{"1.", ms, durationValue{}, false},
		{".5", ms, durationValue{}, false},
		{"1e", ms, durationValue{}, false},
		{"1e+", ms, durationValue{}, false},
		{"0x10", ms, durationValue{}, false},
		{"NaN", s, durationValue{}, false},
		{"1,5", s, durationValue{}, false},
		{" 1", s, durationValue{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDuration([]byte(tt.in), tt.unit)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseDuration(%q, %+v) = %+v %v, want %+v %v", tt.in, tt.unit, got, ok, tt.want, tt.ok)
		}
	}
}

// TestExponentsAreBounded: huge exponents neither hang nor overflow
// silently.
func TestExponentsAreBounded(t *testing.T) {
	s := durationUnits["s"]
	for in, ok := range map[string]bool{
		"1e999999999999999999999": false, "0e999999999999999999999": true,
		"1e-999999999999999999999": true, "0.000e5": true,
	} {
		got, gotOK := parseDuration([]byte(in), s)
		if gotOK != ok || ok && got.d != 0 {
			t.Errorf("%q = %v %v, want 0 %v", in, got.d, gotOK, ok)
		}
	}
}

func TestDurationUnitOf(t *testing.T) {
	for d, want := range map[time.Duration]int{time.Nanosecond: 0, time.Microsecond: 3, time.Millisecond: 6, time.Second: 9, 100 * time.Second: 11} {
		if u, ok := durationUnitOf(d); !ok || u.exp != want || u.goString {
			t.Errorf("durationUnitOf(%s) = %+v %v, want exp %d", d, u, ok, want)
		}
	}
	for _, d := range []time.Duration{-1, 0, 2, time.Minute, 3 * time.Millisecond} {
		if u, ok := durationUnitOf(d); ok {
			t.Errorf("durationUnitOf(%s) = %+v, want refused", d, u)
		}
	}
}

// ratNanos is the slow reference: the exact value of a number b in units
// of 10^exp ns, truncated to whole nanoseconds, or ok=false when b is not
// a number in the syntax scanDecimal accepts or out of range. big.Rat's
// SetString accepts more (".5", "1/2", "0x10"), so the syntax is checked
// separately with a plain description of it.
func ratNanos(s string, exp int) (int64, bool) {
	if !numberSyntax(s) {
		return 0, false
	}
	mant, e := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n > 10000 || n < -10000 {
			// An exponent beyond any digit count: zero stays zero, a
			// negative one leaves nothing, a positive one overflows.
			if strings.Trim(mant, "0.") == "" || strings.HasPrefix(s[i+1:], "-") {
				return 0, true
			}
			return 0, false
		}
		e = n
	}
	r, ok := new(big.Rat).SetString(mant)
	if !ok {
		return 0, false
	}
	exp += e
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(exp, -exp))), nil))
	if exp >= 0 {
		r.Mul(r, p)
	} else {
		r.Quo(r, p)
	}
	q := new(big.Int).Quo(r.Num(), r.Denom()) // truncates towards zero
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// numberSyntax: digits, optional '.' digits, optional e/E, sign, digits.
func numberSyntax(s string) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// FuzzDuration checks parseDuration against slow references: big.Rat for
// numbers in each unit, and time.ParseDuration for Go duration strings
// (same acceptance; values within the nanosecond time.ParseDuration's
// float arithmetic may lose, exact by big.Rat otherwise).
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"109", "+30", "-1", "0.137", "12.345", "1.5e-3", "1e-10", "1.2ms", "1m3.5s", "1h0.5m", "0", ".5s", "1µs", "2562047h47m16.854775807s", "9.29675e-4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		body := strings.TrimLeft(s, "+-")
		if len(s)-len(body) > 1 {
			body = "x" // more than one sign: not a duration
		}
		goNS, goOK := parseGoDuration([]byte(body))
		want, err := time.ParseDuration(body)
		// time.ParseDuration accepts exactly 1<<63 ns behind no sign only as
		// an error, and refuses what overflows; both readers must agree on
		// acceptance, except where its float fraction rounds across the
		// int64 limit.
		if goOK != (err == nil) && !(err == nil && want > math.MaxInt64-1e6) && !(goOK && goNS > math.MaxInt64-1e6) {
			t.Fatalf("parseGoDuration(%q) = %d %v, time.ParseDuration = %d %v", body, goNS, goOK, want, err)
		}
		if ref, ok := goRatNanos(body); goOK && (!ok || ref != goNS) {
			t.Fatalf("parseGoDuration(%q) = %d, exact %d %v", body, goNS, ref, ok)
		}
		for name, u := range durationUnits {
			if u.goString {
				continue
			}
			v, ok := parseDuration([]byte(s), u)
			ref, refOK := ratNanos(body, u.exp)
			switch {
			case refOK:
				if !ok || int64(v.d) != ref && int64(-v.d) != ref {
					t.Fatalf("parseDuration(%q, %s) = %+v %v, want %d ns", s, name, v, ok, ref)
				}
			case goOK:
				if !ok || int64(v.d) != goNS && int64(-v.d) != goNS {
					t.Fatalf("parseDuration(%q, %s) = %+v %v, want the Go duration %d ns", s, name, v, ok, goNS)
				}
			case ok:
				t.Fatalf("parseDuration(%q, %s) = %+v, want refused", s, name, v)
			}
			if ok && (v.negative != (s[0] == '-') || v.lowerBound != (s[0] == '+')) {
				t.Fatalf("parseDuration(%q, %s) = %+v: wrong sign flags", s, name, v)
			}
		}
	})
}

// goRatNanos is the exact reference for parseGoDuration: each number
// times its unit, by big.Rat, truncated to whole nanoseconds per
// component as time.ParseDuration does.
func goRatNanos(s string) (int64, bool) {
	units := map[string]int64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
	if s == "0" {
		return 0, true
	}
	total := new(big.Int)
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if i <= 0 {
			return 0, false
		}
		num := s[:i]
		if strings.Count(num, ".") > 1 || num == "." {
			return 0, false
		}
		if strings.HasPrefix(num, ".") {
			num = "0" + num
		}
		num = strings.TrimSuffix(num, ".")
		s = s[i:]
		j := strings.IndexFunc(s, func(r rune) bool { return r == '.' || r >= '0' && r <= '9' })
		if j < 0 {
			j = len(s)
		}
		u, ok := units[s[:j]]
		if !ok {
			return 0, false
		}
		s = s[j:]
		r, ok := new(big.Rat).SetString(num)
		if !ok {
			return 0, false
		}
		r.Mul(r, new(big.Rat).SetInt64(u))
		total.Add(total, new(big.Int).Quo(r.Num(), r.Denom()))
	}
	if !total.IsInt64() {
		return 0, false
	}
	return total.Int64(), true
}
