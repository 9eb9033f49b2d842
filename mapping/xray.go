package mapping

import (
	"bytes"
	"errors"

	"go.opentelemetry.io/otel/trace"
)

// The reasons ParseXRay rejects a value.
var (
	errXRayNoRoot  = errors.New("x-amzn-trace-id: no Root")
	errXRayRoot    = errors.New("x-amzn-trace-id: Root is not 1-{8 hex}-{24 hex} in lowercase")
	errXRayParent  = errors.New("x-amzn-trace-id: Parent is not 16 lowercase hex digits, not all zeros")
	errXRaySampled = errors.New("x-amzn-trace-id: Sampled is not 0, 1 or ?")
	errXRayZero    = errors.New("x-amzn-trace-id: trace id is all zeros")
)

// xrayRootLen is the length of a Root value: "1-" 8 hex "-" 24 hex.
const xrayRootLen = 2 + 8 + 1 + 24

// ParseXRay parses AWS X-Ray's X-Amzn-Trace-Id header:
// Root=1-{8 hex}-{24 hex}[;Parent={16 hex}][;Sampled={0|1|?}], keys in any
// order, spaces after ';' allowed, other keys (Self, Lineage, a
// customer's own) ignored. The trace id is the two hex parts of Root
// joined, as OpenTelemetry's X-Ray propagator makes it. Without Parent the
// context names only the trace: SpanID is invalid, and a span made under it
// is a root in that trace (what an AWS load balancer that started the trace
// logs). Sampled=0 is not sampled; 1, ? (the receiver decides) or no
// Sampled read as sampled. Hex digits must be lowercase, as AWS writes
// them; a key given twice counts the first time.
func ParseXRay(b []byte) (TraceContext, error) {
	var tc TraceContext
	var root, parent, sampled []byte
	var hasRoot, hasParent, hasSampled bool
	for len(b) > 0 {
		var part []byte
		part, b, _ = bytes.Cut(b, []byte{';'})
		key, val, ok := bytes.Cut(trimOWS(part), []byte{'='})
		if !ok {
			continue
		}
		switch string(key) {
		case "Root":
			if !hasRoot {
				root, hasRoot = val, true
			}
		case "Parent":
			if !hasParent {
				parent, hasParent = val, true
			}
		case "Sampled":
			if !hasSampled {
				sampled, hasSampled = val, true
			}
		}
	}
	if !hasRoot {
		return tc, errXRayNoRoot
	}
	if len(root) != xrayRootLen || root[0] != '1' || root[1] != '-' || root[10] != '-' ||
		!decodePaddedHex(tc.TraceID[:4], root[2:10]) || !decodePaddedHex(tc.TraceID[4:], root[11:]) {
		return TraceContext{}, errXRayRoot
	}
	if !tc.TraceID.IsValid() {
		return TraceContext{}, errXRayZero
	}
	if hasParent && (len(parent) != 16 || !decodePaddedHex(tc.SpanID[:], parent) || !tc.SpanID.IsValid()) {
		return TraceContext{}, errXRayParent
	}
	tc.Flags = trace.FlagsSampled
	if hasSampled {
		switch string(sampled) {
		case "0":
			tc.Flags = 0
		case "1", "?":
		default:
			return TraceContext{}, errXRaySampled
		}
	}
	return tc, nil
}

var xrayRootKey = []byte("Root=")

// findXRay looks for an X-Amzn-Trace-Id inside a logged value: at each
// "Root=", the header is taken to span the key=value segments around it,
// joined by ';' (a space may follow the ';'). A segment is a run of bytes
// that can appear in the header's keys and values; anything else (a space
// not after ';', a quote, '|', '}', ',') ends the header, so that it can be
// read out of a captured-header block or an access-log field. Text glued
// before the first segment ("x-amzn-trace-id=Self=...;Root=...") only
// makes an unknown key, which is ignored. Each such header is checked with
// ParseXRay; the first valid one is returned, and invalid reports one that
// failed.
func findXRay(b []byte) (tc TraceContext, found, invalid bool) {
	for from := 0; from < len(b); {
		r := bytes.Index(b[from:], xrayRootKey)
		if r < 0 {
			break
		}
		r += from
		start := r
		// Earlier segments: "...;Root=" or "...; Root=".
		for {
			s := start
			for s > 0 && b[s-1] == ' ' {
				s--
			}
			if s == 0 || b[s-1] != ';' {
				break
			}
			s--
			for s > 0 && isXRayByte(b[s-1]) {
				s--
			}
			start = s
		}
		end, afterSemi := r, false
		for ; end < len(b); end++ {
			c := b[end]
			if c == ' ' && afterSemi {
				continue
			}
			if c != ';' && !isXRayByte(c) {
				break
			}
			afterSemi = c == ';'
		}
		from = end
		c, err := ParseXRay(b[start:end])
		if err == nil {
			return c, true, invalid
		}
		invalid = true
	}
	return TraceContext{}, false, invalid
}

// isXRayByte reports whether c can be part of a key or value of an
// X-Amzn-Trace-Id segment: letters, digits and = - _ . : ? # %, which
// covers Root, Parent, Sampled, Self and Lineage (a:1|b:2, with '|'
// escaped as #7C by HAProxy) and customer keys.
func isXRayByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		c == '=' || c == '-' || c == '_' || c == '.' || c == ':' || c == '?' || c == '#' || c == '%'
}
