package sampling

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/mapping"
)

func mustNew(t testing.TB, spec Spec) *Sampler {
	t.Helper()
	s, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomID(r *rand.Rand) trace.TraceID {
	var id trace.TraceID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	return id
}

func off() *bool { f := false; return &f }

// The ratio decision is the SDK's own, for the same trace ids.
func TestRatioMatchesSDK(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ratio := range []float64{0, 1e-6, 0.001, 0.01, 0.1, 0.25, 1.0 / 3, 0.5, 0.999, 1} {
		sdk := sdktrace.TraceIDRatioBased(ratio)
		s := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: ratio, RatioSet: true, KeepErrors: off(), KeepSlowerSet: true})
		kept := 0
		for range 200000 {
			id := randomID(r)
			sp := mapping.Span{TraceID: id}
			want := sdk.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: id}).Decision == sdktrace.RecordAndSample
			got := !s.Decide(&sp, false).Dropped()
			if got != want {
				t.Fatalf("ratio %v, trace %s: kept %v, the SDK %v", ratio, id, got, want)
			}
			if got {
				kept++
			}
		}
		t.Logf("ratio %v: kept %d of 200000", ratio, kept)
	}
}

// Boundary ids around the SDK's bound decide the same too.
func TestRatioBoundary(t *testing.T) {
	for _, ratio := range []float64{0.01, 0.1, 0.5} {
		sdk := sdktrace.TraceIDRatioBased(ratio)
		s := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: ratio, RatioSet: true})
		bound := uint64(ratio * (1 << 63))
		for _, x := range []uint64{bound - 1, bound, bound + 1} {
			for _, low := range []uint64{x << 1, x<<1 | 1} {
				var id trace.TraceID
				id[0] = 1
				for i := range 8 {
					id[15-i] = byte(low >> (8 * i))
				}
				want := sdk.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: id}).Decision == sdktrace.RecordAndSample
				if got := s.ratioKeeps(id); got != want {
					t.Errorf("ratio %v, id %s: %v, SDK %v", ratio, id, got, want)
				}
			}
		}
	}
}

// Importing the same log twice keeps the same spans: ids come from the
// line, decisions from the ids.
func TestSameSubsetOnReimport(t *testing.T) {
	s := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: 0.1, RatioSet: true})
	decide := func() []bool {
		var out []bool
		for i := range 5000 {
			tid, sid := mapping.IDs("haproxy", []byte("line "+strconv.Itoa(i)))
			sp := mapping.Span{TraceID: tid, SpanID: sid, Start: time.Unix(0, 0), End: time.Unix(0, 0)}
			out = append(out, !s.Apply(&sp, false).Dropped())
		}
		return out
	}
	a, b := decide(), decide()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("line %d: kept %v, then %v", i, a[i], b[i])
		}
		if a[i] {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("kept %d of 5000 at 0.1", n)
	}
}

func TestParentBased(t *testing.T) {
	parent := trace.SpanID{1}
	var keepID, dropID trace.TraceID // ratio 0.5: low 8 bytes small keep, large drop
	dropID[8] = 0xff
	tests := []struct {
		sampler         string
		hasParent       bool
		callerUnsampled bool
		keepUnsampled   bool
		id              trace.TraceID
		want            Decision
	}{
		{ParentAlwaysOn, false, false, false, dropID, Sampled},
		{ParentAlwaysOn, true, false, false, dropID, Sampled},
		{ParentAlwaysOn, true, true, false, keepID, DropParentUnsampled},
		{ParentAlwaysOn, true, true, true, keepID, Sampled},
		{ParentAlwaysOff, false, false, false, keepID, DropAlwaysOff},
		{ParentAlwaysOff, true, false, false, dropID, Sampled},
		{ParentAlwaysOff, true, true, false, keepID, DropParentUnsampled},
		{ParentTraceIDRatio, false, false, false, keepID, Sampled},
		{ParentTraceIDRatio, false, false, false, dropID, DropRatio},
		{ParentTraceIDRatio, true, false, false, dropID, Sampled},
		{ParentTraceIDRatio, true, true, false, keepID, DropParentUnsampled},
		{ParentTraceIDRatio, false, true, false, keepID, DropParentUnsampled}, // a forwarded unsampled context, no parent
		// The non-parent-based samplers ignore the caller's flag, as the SDK's do.
		{TraceIDRatio, true, true, false, keepID, Sampled},
		{TraceIDRatio, true, false, false, dropID, DropRatio},
		{AlwaysOn, true, true, false, dropID, Sampled},
		{AlwaysOff, true, false, false, keepID, DropAlwaysOff},
	}
	for _, tt := range tests {
		s := mustNew(t, Spec{Sampler: tt.sampler, Ratio: 0.5, RatioSet: true, KeepErrors: off(), KeepSlowerSet: true, KeepUnsampled: tt.keepUnsampled})
		sp := mapping.Span{TraceID: tt.id}
		if tt.hasParent {
			sp.Parent = parent
		}
		if got := s.Decide(&sp, tt.callerUnsampled); got != tt.want {
			t.Errorf("%s parent=%v unsampled=%v keep_unsampled=%v: %s, want %s", tt.sampler, tt.hasParent, tt.callerUnsampled, tt.keepUnsampled, got, tt.want)
		}
	}
}

// Under ratio 0.01 errors and slow spans are kept by default; switched
// off, they are not.
func TestKeepErrorsAndSlow(t *testing.T) {
	var dropID trace.TraceID
	dropID[8] = 0xff
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(status codes.Code, d time.Duration) mapping.Span {
		return mapping.Span{TraceID: dropID, Status: status, Start: start, End: start.Add(d)}
	}
	def := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: 0.01, RatioSet: true})
	custom := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: 0.01, RatioSet: true, KeepSlowerThan: time.Second, KeepSlowerSet: true})
	none := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: 0.01, RatioSet: true, KeepErrors: off(), KeepSlowerSet: true})
	for _, tt := range []struct {
		name string
		s    *Sampler
		sp   mapping.Span
		want Decision
	}{
		{"error", def, mk(codes.Error, time.Millisecond), KeptError},
		{"fast ok", def, mk(codes.Unset, time.Millisecond), DropRatio},
		{"slow default 5s", def, mk(codes.Unset, 5*time.Second), KeptSlow},
		{"4s under default", def, mk(codes.Unset, 4*time.Second), DropRatio},
		{"slow 1s custom", custom, mk(codes.Unset, time.Second), KeptSlow},
		{"error, keep off", none, mk(codes.Error, time.Minute), DropRatio},
	} {
		sp := tt.sp
		sp.Flags = 0
		if got := tt.s.Apply(&sp, false); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if !tt.want.Dropped() && !sp.Flags.IsSampled() {
			t.Errorf("%s: kept but not flagged sampled", tt.name)
		}
		if strings.Contains(sp.TraceState, "th:") {
			t.Errorf("%s: a span kept by a rule claims a threshold: %q", tt.name, sp.TraceState)
		}
	}
	// always_on drops nothing, so it keeps nothing extra either: the caller's no stays no.
	on := mustNew(t, Spec{})
	sp := mk(codes.Error, time.Minute)
	sp.Parent = trace.SpanID{1}
	if got := on.Decide(&sp, true); got != DropParentUnsampled {
		t.Errorf("parentbased_always_on, unsampled caller, error: %s", got)
	}
	if on.NeedsUnsampled() {
		t.Error("the default sampler needs unsampled spans: mapping could not drop them early")
	}
}

func TestSpecErrors(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		path string
	}{
		{Spec{Sampler: "sometimes"}, "sampling.sampler"},
		{Spec{Ratio: 1.5, RatioSet: true}, "sampling.ratio"},
		{Spec{Ratio: -0.1, RatioSet: true}, "sampling.ratio"},
		{Spec{KeepSlowerThan: -time.Second, KeepSlowerSet: true}, "sampling.keep_slower_than"},
	} {
		_, err := New(tt.spec)
		errs, ok := err.(mapping.SpecErrors)
		if !ok || len(errs) != 1 || errs[0].Path != tt.path {
			t.Errorf("%+v: %v, want one error at %s", tt.spec, err, tt.path)
		}
	}
}

func TestFromEnvAndLayers(t *testing.T) {
	env := map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}
	s, err := FromEnv(func(k string) string { return env[k] })
	if err != nil || s.Sampler != ParentTraceIDRatio || s.Ratio != 0.25 || !s.RatioSet {
		t.Fatalf("FromEnv: %+v, %v", s, err)
	}
	global := Spec{Ratio: 0.1, RatioSet: true}
	rule := Spec{Sampler: AlwaysOff}
	got := rule.Over(global.Over(s))
	if got.Sampler != AlwaysOff || got.Ratio != 0.1 {
		t.Errorf("layered: %+v", got)
	}
	env["OTEL_TRACES_SAMPLER"] = "always_on" // the argument is for ratio samplers only
	if s, err := FromEnv(func(k string) string { return env[k] }); err != nil || s.RatioSet {
		t.Errorf("always_on with an argument: %+v, %v", s, err)
	}
	for _, bad := range [][2]string{{"sometimes", ""}, {"traceidratio", "half"}, {"traceidratio", "2"}} {
		env["OTEL_TRACES_SAMPLER"], env["OTEL_TRACES_SAMPLER_ARG"] = bad[0], bad[1]
		if _, err := FromEnv(func(k string) string { return env[k] }); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	s := mustNew(b, Spec{Sampler: ParentTraceIDRatio, Ratio: 0.1, RatioSet: true})
	r := rand.New(rand.NewPCG(3, 4))
	spans := make([]mapping.Span, 1024)
	for i := range spans {
		spans[i].TraceID = randomID(r)
		spans[i].End = spans[i].Start.Add(time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	kept := 0
	for i := range b.N {
		if !s.Decide(&spans[i&1023], false).Dropped() {
			kept++
		}
	}
	_ = kept
}
