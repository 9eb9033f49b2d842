package mapping

import (
	"bytes"
	"errors"

	"go.opentelemetry.io/otel/trace"
)

// TraceParent is a parsed W3C traceparent: the caller's trace, the caller's
// span (the parent of the span made from the line) and its trace flags.
type TraceParent struct {
	Version byte
	TraceID trace.TraceID
	SpanID  trace.SpanID
	Flags   trace.TraceFlags
}

// traceParentLen is the length of a version 00 traceparent, and the length
// of the part every later version starts with.
const traceParentLen = 55

// The reasons ParseTraceParent rejects a value. They are plain values so
// that rejecting a header costs no allocation on the hot path.
var (
	errTPLength    = errors.New("traceparent: not 55 characters (version 00) or not followed by '-' (later versions)")
	errTPFormat    = errors.New("traceparent: not version-traceid-parentid-flags in lowercase hex")
	errTPVersion   = errors.New("traceparent: version ff is forbidden")
	errTPZeroTrace = errors.New("traceparent: trace id is all zeros")
	errTPZeroSpan  = errors.New("traceparent: parent id is all zeros")
)

// ParseTraceParent parses a W3C traceparent strictly, as a receiving
// service would: lowercase hex only, version ff forbidden, all-zero ids
// forbidden, version 00 exactly 55 characters, a later version 55
// characters optionally followed by '-' and data this parser ignores. An
// invalid header must be ignored whole, so any departure is an error rather
// than a best guess.
func ParseTraceParent(s []byte) (TraceParent, error) {
	var tp TraceParent
	if len(s) < traceParentLen {
		return tp, errTPLength
	}
	if s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return tp, errTPFormat
	}
	v, ok := hexByte(s[0], s[1])
	if !ok {
		return tp, errTPFormat
	}
	if v == 0xff {
		return tp, errTPVersion
	}
	if v == 0 && len(s) != traceParentLen {
		return tp, errTPLength
	}
	if len(s) > traceParentLen && s[traceParentLen] != '-' {
		return tp, errTPLength
	}
	for i := range tp.TraceID {
		b, ok := hexByte(s[3+2*i], s[4+2*i])
		if !ok {
			return tp, errTPFormat
		}
		tp.TraceID[i] = b
	}
	for i := range tp.SpanID {
		b, ok := hexByte(s[36+2*i], s[37+2*i])
		if !ok {
			return tp, errTPFormat
		}
		tp.SpanID[i] = b
	}
	f, ok := hexByte(s[53], s[54])
	if !ok {
		return tp, errTPFormat
	}
	if !tp.TraceID.IsValid() {
		return tp, errTPZeroTrace
	}
	if !tp.SpanID.IsValid() {
		return tp, errTPZeroSpan
	}
	tp.Version = v
	tp.Flags = trace.TraceFlags(f)
	return tp, nil
}

// FindTraceParent looks for a traceparent inside a logged value, such as a
// captured-header block "{host|00-...-01|}" or a custom log field, where it
// is surrounded by other text.
//
// A token is "traceparent-shaped" when it starts at the beginning of b or
// after a byte that cannot be part of a token (anything but letters, digits,
// '-', '_' and '.') and its first 55 bytes read hh-32h-16h-2h in hex of
// either case. Each such token is checked with ParseTraceParent: the first
// valid one is returned with found=true; invalid reports that a shaped token
// before it (or anywhere, when none is valid) failed validation, which the
// caller counts, since it usually means a client sends broken headers.
func FindTraceParent(b []byte) (tp TraceParent, found, invalid bool) {
	// Candidates are found by their first dash, at offset 2, which
	// IndexByte finds many bytes at a time.
	for from := 2; from < len(b); {
		j := bytes.IndexByte(b[from:], '-')
		if j < 0 {
			break
		}
		i := from + j - 2
		from += j + 1
		if i+traceParentLen > len(b) {
			break
		}
		if i > 0 && isTokenByte(b[i-1]) {
			continue
		}
		if !shapedTraceParent(b[i:]) {
			continue
		}
		end := i + traceParentLen
		for end < len(b) && isTokenByte(b[end]) {
			end++
		}
		p, err := ParseTraceParent(b[i:end])
		if err == nil {
			return p, true, invalid
		}
		invalid = true
		// The next candidate starts after this token.
		from = max(from, end+2)
	}
	return TraceParent{}, false, invalid
}

// shapedTraceParent reports whether b starts with hh-32h-16h-2h, hex of any
// case: the shape that makes a value "meant to be" a traceparent.
func shapedTraceParent(b []byte) bool {
	if len(b) < traceParentLen || b[2] != '-' || b[35] != '-' || b[52] != '-' {
		return false
	}
	return allAnyHexTab(b[:2]) && allAnyHexTab(b[3:35]) && allAnyHexTab(b[36:52]) && allAnyHexTab(b[53:55])
}

// allAnyHexTab reports whether every byte of b is a hex digit of either
// case, by table: the test runs on every dash-led token of a searched
// field.
func allAnyHexTab(b []byte) bool {
	for _, c := range b {
		if !anyHex[c] {
			return false
		}
	}
	return true
}

// isTraceParentShaped reports whether the whole value is one
// traceparent-shaped token (valid or not), which captures leave out.
func isTraceParentShaped(b []byte) bool {
	if !shapedTraceParent(b) {
		return false
	}
	for _, c := range b[traceParentLen:] {
		if !isTokenByte(c) {
			return false
		}
	}
	return true
}

// isTokenByte reports whether c can be part of a traceparent token, so that
// a token is only recognised at a boundary, not in the middle of a longer
// hex or base64 string.
func isTokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.'
}

func isAnyHex(c byte) bool { return anyHex[c] }

// lowerHexVal is each byte's value as a lowercase hex digit (W3C forbids
// uppercase), 0xff for any other byte: a table, since ids are decoded on
// every line that carries a context.
var lowerHexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

// anyHex says which bytes are hex digits of either case.
var anyHex = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		t[c] = true
	}
	return t
}()

// lowerHex decodes one lowercase hex digit.
func lowerHex(c byte) (byte, bool) {
	v := lowerHexVal[c]
	return v, v < 16
}

// hexByte decodes two lowercase hex digits.
func hexByte(hi, lo byte) (byte, bool) {
	h, l := lowerHexVal[hi], lowerHexVal[lo]
	return h<<4 | l, h|l < 16
}

// maxTraceStateMembers is the W3C limit on tracestate list members.
const maxTraceStateMembers = 32

// validTraceState checks a tracestate lightly: printable ASCII, at most 32
// non-empty comma-separated members, each key=value with both sides
// non-empty. A full check of key syntax is left to the collector; this only
// keeps garbage (a header cut at the capture length, a stray value) from
// being exported as if it were a tracestate.
func validTraceState(b []byte) bool {
	if len(b) == 0 || len(b) > 8192 {
		return false
	}
	members := 0
	start := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) {
			c := b[i]
			if c < 0x20 || c > 0x7e {
				return false
			}
			if c != ',' {
				continue
			}
		}
		m := trimOWS(b[start:i])
		start = i + 1
		if len(m) == 0 {
			continue
		}
		members++
		if members > maxTraceStateMembers {
			return false
		}
		eq := -1
		for j, c := range m {
			if c == '=' {
				eq = j
				break
			}
		}
		if eq <= 0 || eq == len(m)-1 {
			return false
		}
		for _, c := range m[:eq] {
			if c == ' ' {
				return false
			}
		}
	}
	return members > 0
}

// trimOWS trims the optional white space (spaces and tabs) HTTP allows
// around list members.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
