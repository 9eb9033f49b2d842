package sampling

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/mapping"
)

// The thresholds are those of the specification's table, to the digits
// the SDK's bound allows.
func TestThresholdHex(t *testing.T) {
	for _, tt := range []struct {
		ratio float64
		want  string
	}{
		{0.5, "8"},
		{0.25, "c"},
		{0.125, "e"},
		{0.0625, "f"},
		// (1-p)*2^56 to the last digit: 0xe6666666666666.66..., 0xfd70a3d70a3d70.a3...
		{0.1, "e6666666666666"},
		{0.01, "fd70a3d70a3d7"},
	} {
		s := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: tt.ratio, RatioSet: true})
		if s.th != tt.want {
			t.Errorf("ratio %v: th %s, want %s", tt.ratio, s.th, tt.want)
		}
	}
}

// Every span the ratio keeps carries th and an rv with rv >= th, the
// claim a downstream consistent sampler relies on.
func TestKeptSpansAreConsistent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, ratio := range []float64{0.001, 0.01, 0.1, 0.3, 0.5, 0.9} {
		s := mustNew(t, Spec{Sampler: TraceIDRatio, Ratio: ratio, RatioSet: true})
		for range 100000 {
			sp := mapping.Span{TraceID: randomID(r)}
			if s.Apply(&sp, false).Dropped() {
				continue
			}
			ts, err := trace.ParseTraceState(sp.TraceState)
			if err != nil {
				t.Fatalf("invalid tracestate %q: %v", sp.TraceState, err)
			}
			ot := ts.Get("ot")
			th, _ := subKey(ot, "th")
			rv, _ := subKey(ot, "rv")
			if th != s.th || len(rv) != 14 {
				t.Fatalf("ratio %v: ot=%q", ratio, ot)
			}
			thv, _ := strconv.ParseUint((th + "00000000000000")[:14], 16, 64)
			rvv, _ := strconv.ParseUint(rv, 16, 64)
			if rvv < thv {
				t.Fatalf("ratio %v, trace %s: rv %s < th %s", ratio, sp.TraceID, rv, th)
			}
			if want := ^binary.BigEndian.Uint64(sp.TraceID[8:16]) >> 8; rvv != want {
				t.Fatalf("rv %x, want %x", rvv, want)
			}
		}
	}
}

func TestWithThresholdMerges(t *testing.T) {
	var id trace.TraceID // low bytes zero: kept at any ratio, rv = ffffffffffffff
	many := make([]string, 32)
	for i := range many {
		many[i] = "k" + strconv.Itoa(i) + "=v"
	}
	for _, tt := range []struct {
		name, in, want string
	}{
		{"empty", "", "ot=th:8;rv:ffffffffffffff"},
		{"vendor kept after ot", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", "ot=th:8;rv:ffffffffffffff,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
		{"ot moves first, other sub-keys kept", "congo=x,ot=p:8;xy:1", "ot=th:8;rv:ffffffffffffff;p:8;xy:1,congo=x"},
		{"old th replaced", "ot=th:c;rv:ffffffffffffff", "ot=th:8;rv:ffffffffffffff"},
		{"caller's rv reaches th", "ot=rv:90000000000000", "ot=th:8;rv:90000000000000"},
		{"caller's rv below th: th erased", "ot=th:0;rv:10000000000000,a=b", "ot=rv:10000000000000,a=b"},
		{"32 members: the last is dropped", strings.Join(many, ","), "ot=th:8;rv:ffffffffffffff," + strings.Join(many[:31], ",")},
	} {
		got := withThreshold(tt.in, "8", 1<<55, id)
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		if _, err := trace.ParseTraceState(got); err != nil {
			t.Errorf("%s: %q invalid: %v", tt.name, got, err)
		}
	}
	if got := withoutThreshold("a=b,ot=th:8;rv:ffffffffffffff"); got != "ot=rv:ffffffffffffff,a=b" {
		t.Errorf("withoutThreshold: %s", got)
	}
	if got := withoutThreshold("a=b"); got != "a=b" {
		t.Errorf("withoutThreshold of no ot: %s", got)
	}
}
