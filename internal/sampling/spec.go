package sampling

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logspan/logspan/mapping"
)

// Sampler names, as OTEL_TRACES_SAMPLER and rules.yaml's sampling.sampler
// spell them.
const (
	AlwaysOn              = "always_on"
	AlwaysOff             = "always_off"
	TraceIDRatio          = "traceidratio"
	ParentAlwaysOn        = "parentbased_always_on"
	ParentAlwaysOff       = "parentbased_always_off"
	ParentTraceIDRatio    = "parentbased_traceidratio"
	defaultSampler        = ParentAlwaysOn // the OpenTelemetry default
	DefaultKeepSlowerThan = 5 * time.Second
)

// Names lists the samplers understood, for messages.
var Names = []string{AlwaysOn, AlwaysOff, TraceIDRatio, ParentAlwaysOn, ParentAlwaysOff, ParentTraceIDRatio}

// Spec is a sampling: section (global or a rule's) or what the
// environment says. Every field may be unset, so that specs can be layered:
// a rule's settings over the file's global ones over the environment's.
type Spec struct {
	// Sampler is one of Names; "" is unset (parentbased_always_on).
	Sampler string
	// Ratio is the fraction of traces kept by the ratio samplers, in
	// [0, 1] (OTEL_TRACES_SAMPLER_ARG). Unset (RatioSet false) means 1.
	Ratio    float64
	RatioSet bool
	// KeepErrors keeps spans with status Error that the sampler would
	// drop. Nil is the default: on when the sampler can drop spans by
	// itself (always_off, the ratio samplers, parentbased_always_off),
	// off for always_on and parentbased_always_on, whose only drops are
	// the callers' own decisions.
	KeepErrors *bool
	// KeepSlowerThan keeps spans at least this long that the sampler
	// would drop; 0 turns it off. Unset (KeepSlowerSet false) follows
	// KeepErrors' default with DefaultKeepSlowerThan.
	KeepSlowerThan time.Duration
	KeepSlowerSet  bool
	// KeepUnsampled is the rule's trace_context.keep_unsampled: a span
	// whose caller did not sample is kept (the parent-based samplers treat
	// the caller as sampled).
	KeepUnsampled bool
}

// Over returns s with the fields s leaves unset taken from base: a rule's
// spec over the global one, the global one over the environment's.
func (s Spec) Over(base Spec) Spec {
	out := base
	if s.Sampler != "" {
		out.Sampler = s.Sampler
	}
	if s.RatioSet {
		out.Ratio, out.RatioSet = s.Ratio, true
	}
	if s.KeepErrors != nil {
		out.KeepErrors = s.KeepErrors
	}
	if s.KeepSlowerSet {
		out.KeepSlowerThan, out.KeepSlowerSet = s.KeepSlowerThan, true
	}
	out.KeepUnsampled = s.KeepUnsampled || base.KeepUnsampled
	return out
}

// FromEnv reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. An empty
// variable is unset. The argument is read only for the ratio samplers, as
// the OpenTelemetry specification says.
func FromEnv(getenv func(string) string) (Spec, error) {
	var s Spec
	name := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	if name == "" {
		return s, nil
	}
	if !validName(name) {
		return s, fmt.Errorf("OTEL_TRACES_SAMPLER: unknown sampler %q (expected one of: %s)", name, strings.Join(Names, ", "))
	}
	s.Sampler = name
	arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
	if arg == "" || !isRatio(name) {
		return s, nil
	}
	r, err := strconv.ParseFloat(arg, 64)
	if err != nil || r < 0 || r > 1 {
		return s, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio between 0 and 1", arg)
	}
	s.Ratio, s.RatioSet = r, true
	return s, nil
}

func validName(n string) bool {
	for _, x := range Names {
		if n == x {
			return true
		}
	}
	return false
}

func isRatio(n string) bool { return n == TraceIDRatio || n == ParentTraceIDRatio }

// validate checks s, reporting each mistake at its rules.yaml path under
// sampling.
func (s Spec) validate() mapping.SpecErrors {
	var errs mapping.SpecErrors
	if s.Sampler != "" && !validName(s.Sampler) {
		errs = append(errs, &mapping.SpecError{Path: "sampling.sampler", Err: fmt.Errorf("unknown sampler %q (expected one of: %s)", s.Sampler, strings.Join(Names, ", "))})
	}
	if s.RatioSet && !(s.Ratio >= 0 && s.Ratio <= 1) {
		errs = append(errs, &mapping.SpecError{Path: "sampling.ratio", Err: fmt.Errorf("the ratio must be between 0 and 1, not %v", s.Ratio)})
	}
	if s.KeepSlowerSet && s.KeepSlowerThan < 0 {
		errs = append(errs, &mapping.SpecError{Path: "sampling.keep_slower_than", Err: fmt.Errorf("the duration must not be negative, not %s", s.KeepSlowerThan)})
	}
	return errs
}
