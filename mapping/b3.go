package mapping

import (
	"bytes"
	"errors"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/parsers"
)

// The reasons ParseB3 rejects a value; plain values, so that a rejected
// header costs no allocation.
var (
	errB3Format   = errors.New("b3: not traceid-spanid[-sampling[-parentspanid]] in lowercase hex")
	errB3Sampling = errors.New("b3: sampling state is not 0, 1 or d")
	errB3Zero     = errors.New("b3: trace id or span id is all zeros")
)

// ParseB3 parses Zipkin's single b3 header,
// {traceid}-{spanid}[-{sampling}[-{parentspanid}]]: a trace id of 16 or 32
// lowercase hex digits (16 are left-padded to 128 bits, as OpenTelemetry's
// B3 propagator does), a span id of 16, sampling 1 (sampled), 0 (not
// sampled) or d (debug, which implies sampled). A header with no sampling
// state leaves the decision to the receiver; logspan keeps the span, so it
// reads as sampled. The parent span id is checked but not kept: the span's
// parent is the caller's span id.
//
// A value that is only a sampling state ("0", "1" or "d") is valid B3 but
// names no trace: the result has an invalid TraceID and no error, and the
// caller treats it as no context.
func ParseB3(b []byte) (TraceContext, error) {
	var tc TraceContext
	if len(b) == 1 {
		switch b[0] {
		case '0':
			return tc, nil
		case '1', 'd':
			tc.Flags = trace.FlagsSampled
			return tc, nil
		}
		return tc, errB3Format
	}
	tid, rest, _ := bytes.Cut(b, []byte{'-'})
	sid, rest, more := bytes.Cut(rest, []byte{'-'})
	if (len(tid) != 16 && len(tid) != 32) || len(sid) != 16 {
		return tc, errB3Format
	}
	if !decodePaddedHex(tc.TraceID[:], tid) || !decodePaddedHex(tc.SpanID[:], sid) {
		return tc, errB3Format
	}
	tc.Flags = trace.FlagsSampled
	if more {
		sampling, parent, hasParent := bytes.Cut(rest, []byte{'-'})
		if len(sampling) != 1 {
			return tc, errB3Sampling
		}
		switch sampling[0] {
		case '0':
			tc.Flags = 0
		case '1', 'd':
		default:
			return tc, errB3Sampling
		}
		if hasParent {
			var p trace.SpanID
			if len(parent) != 16 || !decodePaddedHex(p[:], parent) {
				return tc, errB3Format
			}
		}
	}
	if !tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
		return tc, errB3Zero
	}
	return tc, nil
}

// findB3 looks for a single b3 header inside a logged value (a capture
// block, a query string). A token is "b3-shaped" when it starts at a token
// boundary (see isTokenByte) with 16 or 32 hex digits of either case, a
// '-' and 16 more: nothing else common in logs has that shape, and the
// token boundary keeps the ids inside a W3C traceparent from matching.
// Each shaped token (up to the next non-token byte) is checked with
// ParseB3; the first valid one is returned, and invalid reports a shaped
// token that failed. A sampling-only value is not looked for here: a lone
// "0" or "1" in a log means nothing by itself.
func findB3(b []byte) (tc TraceContext, found, invalid bool) {
	for from := 0; from+b3MinLen <= len(b); {
		d := bytes.IndexByte(b[from:], '-')
		if d < 0 {
			break
		}
		dash := from + d
		from = dash + 1
		// The ids before the dash are 16 or 32 hex digits, not part of a
		// longer token: test the byte before each possible start first,
		// so that a W3C traceparent (whose trace id follows a '-') costs
		// two byte tests per dash rather than a walk over its digits.
		start := -1
		for _, n := range [2]int{16, 32} {
			s := dash - n
			if s < 0 || (s > 0 && isTokenByte(b[s-1])) {
				continue
			}
			if allAnyHex(b[s:dash]) {
				start = s
				break
			}
		}
		if start < 0 {
			continue
		}
		if len(b)-from < 16 || !allAnyHex(b[from:from+16]) {
			continue
		}
		end := from + 16
		for end < len(b) && isTokenByte(b[end]) {
			end++
		}
		c, err := ParseB3(b[start:end])
		if err == nil {
			return c, true, invalid
		}
		invalid = true
		from = end
	}
	return TraceContext{}, false, invalid
}

// b3MinLen is the length of the shortest b3 header with ids.
const b3MinLen = 16 + 1 + 16

// b3Fields are the compiled B3FieldsSpec: field numbers, -1 when unused.
type b3Fields struct {
	traceID, spanID, sampled, flags int
}

// b3Multi reads B3's multi-header form from the fields the rule names.
// Absent trace and span ids: no context. One without the other, or either
// malformed: invalid. X-B3-Flags 1 (debug) means sampled whatever
// X-B3-Sampled says; X-B3-Sampled accepts 1/0 and, as Zipkin's
// specification allows a lenient reader to, true/false; an absent one
// reads as sampled (the receiver decides; logspan keeps the span).
func (m *Mapper) b3Multi(match *parsers.Match) (tc TraceContext, found, invalid bool) {
	tid, okT := m.value(match, m.b3.traceID)
	sid, okS := m.value(match, m.b3.spanID)
	if !okT && !okS {
		return tc, false, false
	}
	tid, sid = trimOWS(tid), trimOWS(sid)
	if !okT || !okS || (len(tid) != 16 && len(tid) != 32) || len(sid) != 16 ||
		!decodePaddedHex(tc.TraceID[:], tid) || !decodePaddedHex(tc.SpanID[:], sid) ||
		!tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
		return TraceContext{}, false, true
	}
	tc.Flags = trace.FlagsSampled
	if v, ok := m.value(match, m.b3.sampled); ok {
		switch v = trimOWS(v); {
		case string(v) == "1" || lowerASCIIEqual(v, "true"):
		case string(v) == "0" || lowerASCIIEqual(v, "false"):
			tc.Flags = 0
		default:
			return TraceContext{}, false, true
		}
	}
	if v, ok := m.value(match, m.b3.flags); ok && string(trimOWS(v)) == "1" {
		tc.Flags = trace.FlagsSampled
	}
	return tc, true, false
}
