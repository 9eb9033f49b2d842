package mapping

import "math"

// decimal is an unsigned decimal number as a log writes it: "0.137",
// "1764621600.123", "1.5e-3". It holds slices of the line, so reading one
// allocates nothing, and nanos turns it into an integer count of
// nanoseconds digit by digit: a float would put "1764621600.123" some
// hundred nanoseconds off, and a span's times must be exact.
type decimal struct {
	intPart  []byte // digits before the point
	fracPart []byte // digits after it
	// exp is the power of ten of an e-notation exponent ("e-3": -3),
	// clamped to ±maxDecimalExp.
	exp int
}

// maxDecimalExp bounds an exponent so that the arithmetic on it cannot
// overflow. No line holds that many digits, so the clamp never changes a
// result: a larger exponent overflows an int64 count of nanoseconds (or
// leaves nothing above a nanosecond) either way.
const maxDecimalExp = 1 << 30

// scanDecimal reads the number at the start of b and returns it with the
// bytes after it; ok is false when b does not start with one.
//
// In number syntax (goSyntax false), the form JSON and strconv write: at
// least one digit, then optionally '.' and at least one digit, then
// optionally 'e' or 'E', a sign and at least one digit. ".5" and "5." are
// refused, as before this reader existed.
//
// In Go duration syntax (goSyntax true), the form time.ParseDuration reads
// before each unit: digits, optionally '.' and digits, with at least one
// digit on either side of the point ("5.s" and ".5s" are Go durations),
// and no exponent.
func scanDecimal(b []byte, goSyntax bool) (d decimal, rest []byte, ok bool) {
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	d.intPart = b[:i]
	if i == 0 && !goSyntax {
		return d, b, false
	}
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		d.fracPart = b[i+1 : j]
		if len(d.fracPart) == 0 && !goSyntax {
			return d, b, false
		}
		i = j
	}
	if len(d.intPart)+len(d.fracPart) == 0 {
		return d, b, false
	}
	if goSyntax || i == len(b) || b[i] != 'e' && b[i] != 'E' {
		return d, b[i:], true
	}
	// An exponent.
	j := i + 1
	neg := false
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		neg = b[j] == '-'
		j++
	}
	k := j
	e := 0
	for k < len(b) && isDigit(b[k]) {
		if e < maxDecimalExp {
			e = e*10 + int(b[k]-'0')
		}
		k++
	}
	if k == j {
		return d, b, false
	}
	d.exp = min(e, maxDecimalExp)
	if neg {
		d.exp = -d.exp
	}
	return d, b[k:], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// pow10 are the powers of ten an int64 holds.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// parseNanos reads b, a whole decimal number in number syntax (see
// scanDecimal), as a count of 10^exp nanoseconds, truncated to whole
// nanoseconds; ok is false when b is not a number or the result does not
// fit an int64. Plain integers, the common case (HAProxy's timers, epochs
// in ms or ns), take a short path.
func parseNanos(b []byte, exp int) (int64, bool) {
	if len(b) > 0 && len(b) <= 18 {
		var n int64
		i := 0
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			n = n*10 + int64(c)
		}
		if i == len(b) && exp >= 0 && exp < len(pow10) {
			if n > math.MaxInt64/pow10[exp] {
				return 0, false
			}
			return n * pow10[exp], true
		}
	}
	d, rest, ok := scanDecimal(b, false)
	if !ok || len(rest) != 0 {
		return 0, false
	}
	return d.nanos(exp, 1)
}

// nanos returns d × mult × 10^k truncated towards zero: the number of
// whole nanoseconds in d units of mult×10^k ns (k = 9, mult = 1 for
// seconds; k = 10, mult = 6 for minutes). Digits below a nanosecond are
// dropped, never rounded, so that a time never moves to the next
// nanosecond because of digits a log wrote beyond what it measured. ok is
// false when the result does not fit an int64.
func (d *decimal) nanos(k int, mult int64) (int64, bool) {
	// Digits [0, p) of the integer part followed by the fraction are
	// whole nanoseconds (before the multiplication by mult); digits from
	// p on are a fraction of one.
	p := len(d.intPart) + d.exp + k
	ip, fp := d.intPart, d.fracPart
	if p < len(ip) {
		ip, fp = ip[:max(p, 0)], nil
	} else if p-len(ip) < len(fp) {
		fp = fp[:p-len(ip)]
	}
	var v int64
	for _, part := range [2][]byte{ip, fp} {
		for _, c := range part {
			c -= '0'
			if v > (math.MaxInt64-int64(c))/10 {
				return 0, false
			}
			v = v*10 + int64(c)
		}
	}
	// Zeros the exponent puts after the last digit.
	if zeros := p - len(d.intPart) - len(d.fracPart); zeros > 0 && v != 0 {
		if zeros >= len(pow10) || v > math.MaxInt64/pow10[zeros] {
			return 0, false
		}
		v *= pow10[zeros]
	}
	if mult == 1 {
		return v, true
	}
	if v > math.MaxInt64/mult {
		return 0, false
	}
	v *= mult
	// The whole nanoseconds in mult × the fraction: long multiplication
	// from the last digit, keeping only the carry out of the point.
	var carry int64
	n := len(d.intPart) + len(d.fracPart)
	for j := n - 1; j >= max(p, 0); j-- {
		carry = (d.digit(j)*mult + carry) / 10
	}
	for j := p; j < 0 && carry > 0; j++ { // zeros between the point and the first digit
		carry /= 10
	}
	if v > math.MaxInt64-carry {
		return 0, false
	}
	return v + carry, true
}

// digit returns the i-th digit of the number, counting the integer part
// and then the fraction.
func (d *decimal) digit(i int) int64 {
	if i < len(d.intPart) {
		return int64(d.intPart[i] - '0')
	}
	return int64(d.fracPart[i-len(d.intPart)] - '0')
}
