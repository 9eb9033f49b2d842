package sampling

import (
	"encoding/binary"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// How a span kept by the ratio says so, honestly.
//
// The OpenTelemetry tracestate sub-key ot=th holds the rejection threshold
// T of consistent probability sampling: a span is kept when its randomness
// R (the ot=rv sub-key, else the low 56 bits of the trace id, bytes 9-15)
// is at least T, so 1/(1-T/2^56) is its adjusted count. The Go SDK's
// TraceIDRatioBased, whose decisions logspan reproduces exactly, reads other
// bits: it keeps a trace when bytes 8-15, shifted right by one, are below
// ratio*2^63, i.e. it keeps small values where the threshold test keeps
// large ones. Writing th with the trace id's own randomness would therefore
// be false for nearly every kept span (at ratio 0.01 the two kept sets are
// disjoint), and a downstream consistent sampler would drop them all.
//
// So a span the ratio kept also carries an explicit randomness value: rv is
// the bitwise complement of trace-id bytes 8-14. For every trace id the
// SDK's test keeps, rv >= T (T is derived from the SDK's bound, rounded so
// that this holds), so the th claim is true and a downstream sampler that
// raises the threshold keeps a consistent subset. Every logspan span of a
// trace gets the same rv, so logspan's spans of one request stay together.
// When the caller's tracestate already has an rv, that rv is kept (it is
// the trace's randomness) and th is written only when rv >= T; otherwise th
// is erased: the span's probability is then unknown, as the specification
// asks.

const (
	maxRandomness = 1<<56 - 1
	maxMembers    = 32  // W3C tracestate list members
	maxOTValue    = 256 // the OpenTelemetry ot= value
)

// thresholdFor returns the smallest threshold T such that every trace id
// with (low 8 bytes >> 1) < bound has rv >= T (rv as randomness does).
func thresholdFor(bound uint64) uint64 {
	if bound == 0 {
		return 1 << 56
	}
	return maxRandomness - (bound-1)>>7
}

// thresholdHex encodes T as th: 14 hex digits, trailing zeros removed.
func thresholdHex(t uint64) string {
	if t == 0 {
		return "0"
	}
	h := strconv.FormatUint(t|1<<56, 16)[1:] // 14 digits, leading zeros kept
	return strings.TrimRight(h, "0")
}

// randomnessFor is the rv logspan writes for a trace id.
func randomnessFor(id trace.TraceID) uint64 {
	return ^binary.BigEndian.Uint64(id[8:16]) >> 8
}

func randomnessHex(r uint64) string {
	return strconv.FormatUint(r|1<<56, 16)[1:]
}

// withThreshold returns ts with ot=th set to th (and rv to the trace's
// randomness when ts has none), or with th erased when ts's own rv does
// not reach the threshold. The ot member moves to the front, as W3C asks
// of a modified member; the list keeps at most 32 members.
func withThreshold(ts, th string, t uint64, id trace.TraceID) string {
	ot, rest := splitOT(ts)
	if rv, ok := subKey(ot, "rv"); ok {
		r, err := strconv.ParseUint(rv, 16, 64)
		if err != nil || len(rv) != 14 || r < t {
			return joinOT(setSubKey(ot, "th", ""), rest)
		}
		return joinOT(setSubKey(ot, "th", th), rest)
	}
	ot = setSubKey(ot, "rv", randomnessHex(randomnessFor(id)))
	return joinOT(setSubKey(ot, "th", th), rest)
}

// withoutThreshold returns ts without ot=th (unchanged when it has none).
func withoutThreshold(ts string) string {
	if !strings.Contains(ts, "th:") {
		return ts
	}
	ot, rest := splitOT(ts)
	if _, ok := subKey(ot, "th"); !ok {
		return ts
	}
	return joinOT(setSubKey(ot, "th", ""), rest)
}

// splitOT returns the value of ts's ot member and its other members.
func splitOT(ts string) (ot string, rest []string) {
	for m := range strings.SplitSeq(ts, ",") {
		m = strings.Trim(m, " \t")
		if m == "" {
			continue
		}
		if v, ok := strings.CutPrefix(m, "ot="); ok {
			ot = v
			continue
		}
		rest = append(rest, m)
	}
	return ot, rest
}

// subKey returns the value of sub-key k in an ot value ("th:8;rv:...").
func subKey(ot, k string) (string, bool) {
	for kv := range strings.SplitSeq(ot, ";") {
		if v, ok := strings.CutPrefix(kv, k+":"); ok {
			return v, true
		}
	}
	return "", false
}

// setSubKey sets sub-key k to v (v "" removes it), keeping the others in
// order; a new sub-key goes first.
func setSubKey(ot, k, v string) string {
	var parts []string
	found := false
	for kv := range strings.SplitSeq(ot, ";") {
		if kv == "" {
			continue
		}
		if strings.HasPrefix(kv, k+":") {
			found = true
			if v != "" {
				parts = append(parts, k+":"+v)
			}
			continue
		}
		parts = append(parts, kv)
	}
	if !found && v != "" {
		parts = append([]string{k + ":" + v}, parts...)
	}
	return strings.Join(parts, ";")
}

// joinOT puts the ot member first, then the others, at most maxMembers in
// all (the rightmost are dropped, as W3C allows). An ot value over its
// limit is left out.
func joinOT(ot string, rest []string) string {
	var b strings.Builder
	n := 0
	if ot != "" && len(ot) <= maxOTValue {
		b.WriteString("ot=")
		b.WriteString(ot)
		n++
	}
	for _, m := range rest {
		if n == maxMembers {
			break
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m)
		n++
	}
	return b.String()
}
