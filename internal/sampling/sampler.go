package sampling

import (
	"encoding/binary"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/mapping"
)

// Decision is what a Sampler made of one span: kept (and why) or dropped
// (and why). Its String is the reason label of the
// logspan_spans_sampled_out_total counter.
type Decision uint8

const (
	// Sampled: the sampler keeps the span.
	Sampled Decision = iota
	// KeptError and KeptSlow: the sampler would drop the span, but its
	// status is Error, or it is slower than keep_slower_than.
	KeptError
	KeptSlow
	// DropRatio: the trace id is outside the ratio.
	DropRatio
	// DropAlwaysOff: always_off, or parentbased_always_off for a span
	// without a caller.
	DropAlwaysOff
	// DropParentUnsampled: a parent-based sampler and a caller that did not
	// sample.
	DropParentUnsampled
	// NumDecisions is the number of decisions, for arrays of counters.
	NumDecisions
)

var decisionNames = [NumDecisions]string{"sampled", "kept_error", "kept_slow", "ratio", "always_off", "parent_unsampled"}

func (d Decision) String() string {
	if d < NumDecisions {
		return decisionNames[d]
	}
	return "unknown"
}

// Dropped reports whether the span is not exported.
func (d Decision) Dropped() bool { return d >= DropRatio && d < NumDecisions }

// rootKind is what a sampler does with a span that has no caller (and,
// for the non-parent-based samplers, with every span).
type rootKind uint8

const (
	rootOn rootKind = iota
	rootOff
	rootRatio
)

// Sampler is a compiled Spec. It is immutable: one Sampler serves every
// worker goroutine.
type Sampler struct {
	name        string
	root        rootKind
	parentBased bool
	// bound is the SDK's traceIDUpperBound: a trace is kept when the low
	// eight bytes of its id, shifted right by one, are below it.
	bound uint64
	// th is the threshold (ot=th) written on spans the ratio kept, in
	// hex without trailing zeros; thValue the same as a number.
	th      string
	thValue uint64

	keepErrors    bool
	keepSlower    int64 // nanoseconds; 0: off
	keepUnsampled bool
}

// New compiles spec (already layered: rule over global over environment).
// Its errors have paths under "sampling" for the config package to place.
func New(spec Spec) (*Sampler, error) {
	if errs := spec.validate(); errs != nil {
		return nil, errs
	}
	s := &Sampler{name: spec.Sampler, keepUnsampled: spec.KeepUnsampled}
	if s.name == "" {
		s.name = defaultSampler
	}
	ratio := 1.0
	if spec.RatioSet {
		ratio = spec.Ratio
	}
	switch s.name {
	case AlwaysOn, ParentAlwaysOn:
		s.root = rootOn
	case AlwaysOff, ParentAlwaysOff:
		s.root = rootOff
	case TraceIDRatio, ParentTraceIDRatio:
		// As the SDK's TraceIDRatioBased: 1 and above keep everything,
		// 0 and below nothing.
		switch {
		case ratio >= 1:
			s.root = rootOn
		case ratio <= 0:
			s.root = rootOff
		default:
			s.root = rootRatio
			s.bound = uint64(ratio * (1 << 63))
			s.thValue = thresholdFor(s.bound)
			s.th = thresholdHex(s.thValue)
		}
	}
	s.parentBased = s.name == ParentAlwaysOn || s.name == ParentAlwaysOff || s.name == ParentTraceIDRatio
	canDrop := s.root != rootOn
	s.keepErrors = canDrop
	if spec.KeepErrors != nil {
		s.keepErrors = *spec.KeepErrors
	}
	if spec.KeepSlowerSet {
		s.keepSlower = int64(spec.KeepSlowerThan)
	} else if canDrop {
		s.keepSlower = int64(DefaultKeepSlowerThan)
	}
	return s, nil
}

// Name is the sampler's name (one of Names).
func (s *Sampler) Name() string { return s.name }

// NeedsUnsampled reports whether the sampler must see the spans of callers
// that did not sample: mapping may drop them early (and cheaply) only when
// the sampler would drop them anyway, with no keep rule to save them.
func (s *Sampler) NeedsUnsampled() bool {
	return !s.parentBased || s.keepUnsampled || s.keepErrors || s.keepSlower > 0
}

// Decide says what becomes of span sp. callerUnsampled is mapping's
// Outcome.Unsampled: the caller's (or the forwarded) context said "not
// sampled". It reads sp and writes nothing, allocates nothing.
//
// The parent-based samplers follow the caller when there is one (a span
// with a parent, or with a caller that did not sample): sampled is kept,
// not sampled is dropped (unless keep_unsampled). Without a caller, and
// always for the other samplers, the root rule decides: always_on,
// always_off, or the SDK's trace-id ratio test. A drop is turned into a
// keep by the keep rules (status Error, slower than keep_slower_than).
func (s *Sampler) Decide(sp *mapping.Span, callerUnsampled bool) Decision {
	d := s.decide(sp, callerUnsampled)
	if !d.Dropped() {
		return d
	}
	if s.keepErrors && sp.Status == codes.Error {
		return KeptError
	}
	if s.keepSlower > 0 && int64(sp.End.Sub(sp.Start)) >= s.keepSlower {
		return KeptSlow
	}
	return d
}

func (s *Sampler) decide(sp *mapping.Span, callerUnsampled bool) Decision {
	if s.parentBased && (sp.HasParent() || callerUnsampled) {
		if callerUnsampled && !s.keepUnsampled {
			return DropParentUnsampled
		}
		return Sampled
	}
	switch s.root {
	case rootOff:
		return DropAlwaysOff
	case rootRatio:
		if !s.ratioKeeps(sp.TraceID) {
			return DropRatio
		}
	}
	return Sampled
}

// ratioKeeps is the OpenTelemetry Go SDK's TraceIDRatioBased test.
func (s *Sampler) ratioKeeps(id trace.TraceID) bool {
	return binary.BigEndian.Uint64(id[8:16])>>1 < s.bound
}

// byRatio reports whether a Sampled decision was made by the ratio test
// (and not by a caller or always_on): such a span gets the threshold.
func (s *Sampler) byRatio(sp *mapping.Span, callerUnsampled bool) bool {
	return s.root == rootRatio && !(s.parentBased && (sp.HasParent() || callerUnsampled))
}

// Apply decides and records the decision on a kept span: a span the
// ratio kept gets ot=th (and ot=rv, see tracestate.go) in its tracestate;
// a span kept by a keep rule is marked sampled and loses any ot=th, since
// it was not kept with a known probability. The caller exports sp only
// when the decision is not Dropped. Apply allocates only to write a new
// tracestate.
func (s *Sampler) Apply(sp *mapping.Span, callerUnsampled bool) Decision {
	d := s.Decide(sp, callerUnsampled)
	switch d {
	case Sampled:
		if s.byRatio(sp, callerUnsampled) {
			sp.TraceState = withThreshold(sp.TraceState, s.th, s.thValue, sp.TraceID)
		}
	case KeptError, KeptSlow:
		sp.Flags |= trace.FlagsSampled
		sp.TraceState = withoutThreshold(sp.TraceState)
	}
	return d
}
