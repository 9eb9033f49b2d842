package mapping

import (
	"errors"

	"go.opentelemetry.io/otel/trace"
)

// The reasons ParseJaeger rejects a value.
var (
	errJaegerFormat = errors.New("uber-trace-id: not traceid:spanid:parentid:flags in lowercase hex")
	errJaegerZero   = errors.New("uber-trace-id: trace id or span id is all zeros")
)

// Jaeger's flag bits.
const (
	jaegerSampled = 0x01
	jaegerDebug   = 0x02
)

// ParseJaeger parses Jaeger's uber-trace-id header,
// {trace-id}:{span-id}:{parent-span-id}:{flags}, also with the separators
// URL-encoded as %3A (either case), as it appears when the header went
// through a query string or a logger that escapes ':'. Ids are lowercase
// hex with leading zeros left out, so a trace id has 1 to 32 digits and the
// span and parent ids 1 to 16; they are left-padded. Flags are one byte in
// hex: bit 0x01 is sampled, and 0x02 (debug) implies sampled, as Jaeger's
// clients and OpenTelemetry's propagator treat it. All-zero trace or span
// ids are invalid; the parent id (deprecated, usually 0) is checked but
// not kept.
func ParseJaeger(b []byte) (TraceContext, error) {
	var tc TraceContext
	var parts [4][]byte
	for i := range parts {
		j := 0
		for j < len(b) && isAnyHex(b[j]) {
			j++
		}
		parts[i] = b[:j]
		b = b[j:]
		if i == 3 {
			break
		}
		n := jaegerSep(b)
		if n == 0 {
			return tc, errJaegerFormat
		}
		b = b[n:]
	}
	if len(b) != 0 || len(parts[3]) == 0 || len(parts[3]) > 2 {
		return tc, errJaegerFormat
	}
	var parent trace.SpanID
	var flags [1]byte
	if !decodePaddedHex(tc.TraceID[:], parts[0]) || !decodePaddedHex(tc.SpanID[:], parts[1]) ||
		!decodePaddedHex(parent[:], parts[2]) || !decodePaddedHex(flags[:], parts[3]) {
		return TraceContext{}, errJaegerFormat
	}
	if !tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
		return TraceContext{}, errJaegerZero
	}
	if flags[0]&(jaegerSampled|jaegerDebug) != 0 {
		tc.Flags = trace.FlagsSampled
	}
	return tc, nil
}

// jaegerSep returns the length of the separator b starts with: 1 for ':',
// 3 for %3A or %3a, 0 for none.
func jaegerSep(b []byte) int {
	if len(b) > 0 && b[0] == ':' {
		return 1
	}
	if len(b) >= 3 && b[0] == '%' && b[1] == '3' && (b[2] == 'A' || b[2] == 'a') {
		return 3
	}
	return 0
}

// jaegerMinSearchDigits is the fewest hex digits findJaeger accepts in a
// trace id and in a span id. Real ids are random 64- or 128-bit numbers,
// printed without leading zeros, so fewer than 8 digits happens once in
// 2^32; but times such as 10/Oct/2000:13:55:36 and 12:14:14:65 have the
// hex:hex:hex:hex shape with short parts and would otherwise be read as
// contexts, some of them unsampled, which would drop lines.
const jaegerMinSearchDigits = 8

// findJaeger looks for an uber-trace-id inside a logged value. A token is
// "jaeger-shaped" when it starts at a boundary (not after a token byte or a
// ':'), is four runs of hex digits of either case separated by ':' or %3A,
// ends at a boundary (not before a token byte or a separator, so that an
// IPv6 address or a time with a fraction never matches), and its trace and
// span ids have at least jaegerMinSearchDigits digits. Each shaped token is
// checked with ParseJaeger; the first valid one is returned, and invalid
// reports one that failed.
func findJaeger(b []byte) (tc TraceContext, found, invalid bool) {
	for i := 0; i < len(b); i++ {
		if !isAnyHex(b[i]) || (i > 0 && (isTokenByte(b[i-1]) || b[i-1] == ':')) {
			continue
		}
		end, ok := jaegerShaped(b, i)
		if !ok {
			continue
		}
		c, err := ParseJaeger(b[i:end])
		if err == nil {
			return c, true, invalid
		}
		invalid = true
		i = end - 1
	}
	return TraceContext{}, false, invalid
}

// jaegerShaped reports whether a jaeger-shaped token starts at b[i], and
// where it ends.
func jaegerShaped(b []byte, i int) (int, bool) {
	for part := range 4 {
		j := i
		for j < len(b) && isAnyHex(b[j]) {
			j++
		}
		if j == i || (part < 2 && j-i < jaegerMinSearchDigits) {
			return 0, false
		}
		i = j
		if part == 3 {
			break
		}
		n := jaegerSep(b[i:])
		if n == 0 {
			return 0, false
		}
		i += n
	}
	if i < len(b) && (isTokenByte(b[i]) || jaegerSep(b[i:]) > 0) {
		return 0, false
	}
	return i, true
}
