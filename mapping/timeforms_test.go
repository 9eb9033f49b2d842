package mapping

import (
	"fmt"
	"math/rand"
	"testing"
	"time"
)

// TestRFC3339 reads the RFC 3339 forms programs write, through the
// shorthand layout.
func TestRFC3339(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	tests := []struct {
		in   string
		want time.Time // UTC
		ok   bool
	}{
		{"2026-12-01T10:00:00.123456789Z", time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC), true}, // Traefik StartUTC
		{"2026-12-01T10:00:00.123Z", time.Date(2026, 12, 1, 10, 0, 0, 123000000, time.UTC), true},       // Envoy %START_TIME%
		{"2026-12-01T10:00:00.186641Z", time.Date(2026, 12, 1, 10, 0, 0, 186641000, time.UTC), true},    // ALB
		{"2026-12-01T10:00:00Z", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-12-01T11:00:00.5+01:00", time.Date(2026, 12, 1, 10, 0, 0, 500000000, time.UTC), true},
		{"2026-12-01T04:30:00-05:30", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-12-01T10:00:00+00:00", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-12-01T10:00:00.1234567891Z", time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC), true}, // truncated
		{"2028-02-29T23:59:59.999Z", time.Date(2028, 2, 29, 23, 59, 59, 999000000, time.UTC), true},
		{"2026-12-01T10:00:00,5Z", time.Date(2026, 12, 1, 10, 0, 0, 500000000, time.UTC), true}, // Go's comma, slow path
		{"2026-12-01 10:00:00Z", time.Time{}, false},
		{"2026-12-01T10:00:00", time.Time{}, false},
		{"2026-12-01T10:00:00.Z", time.Time{}, false},
		{"2026-02-29T10:00:00Z", time.Time{}, false},
		{"2026-12-01T24:00:00Z", time.Time{}, false},
		{"2026-12-01T10:00:60Z", time.Time{}, false},
		{"2026-13-01T10:00:00Z", time.Time{}, false},
		{"2026-12-01T10:00:00+24:00", time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), true}, // as time.Parse reads it (slow path)
		{"2026-12-01T10:00:00+25:00", time.Time{}, false},
		{"2026-12-01T10:00:00z", time.Time{}, false},
		{"2026-12-01T10:00:00Z ", time.Time{}, false},
		{"1764621600", time.Time{}, false},
	}
	for _, tt := range tests {
		r := reader(t, TimeSpec{Layout: RFC3339Layout, Location: paris})
		got, ok := r.parse([]byte(tt.in))
		if ok != tt.ok || ok && !got.Equal(tt.want) {
			t.Errorf("%q = %s %v, want %s %v", tt.in, got.UTC().Format(time.RFC3339Nano), ok, tt.want.Format(time.RFC3339Nano), tt.ok)
		}
		if ok && got.Location() != paris {
			t.Errorf("%q: zone %s, want the rule's %s", tt.in, got.Location(), paris)
		}
	}
	if err := reader(t, TimeSpec{Layout: "rfc3339"}).notATime([]byte("x")); err.Error() != `field date: "x" is not a time in layout "rfc3339"` {
		t.Errorf("message %q", err)
	}
}

// TestRFC3339FastPathMatchesStdlib compares the hand-written RFC 3339
// reader with time.Parse on many random times, valid and not: it may only
// accept what time.Parse accepts, as the same instant.
func TestRFC3339FastPathMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(20261201))
	fast := 0
	for range 200000 {
		s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", 1900+rng.Intn(300), rng.Intn(14), rng.Intn(33), rng.Intn(25), rng.Intn(61), rng.Intn(61))
		switch rng.Intn(4) {
		case 1:
			s += fmt.Sprintf(".%d", rng.Intn(1000))
		case 2:
			s += fmt.Sprintf(".%012d", rng.Int63n(1e12))
		case 3:
			s += "."
		}
		switch rng.Intn(4) {
		case 0:
			s += "Z"
		case 1:
			s += fmt.Sprintf("+%02d:%02d", rng.Intn(25), rng.Intn(61))
		case 2:
			s += fmt.Sprintf("-%02d:%02d", rng.Intn(25), rng.Intn(61))
		case 3:
			s += "x"
		}
		want, werr := time.Parse(time.RFC3339, s)
		got, ok := parseRFC3339([]byte(s), time.UTC)
		if ok {
			fast++
			if werr != nil || !got.Equal(want) {
				t.Fatalf("%q: fast path %s, time.Parse %s (%v)", s, got, want, werr)
			}
		}
	}
	if fast < 20000 {
		t.Errorf("the fast path took only %d of the times", fast)
	}
}

// refEpoch is the slow reference for parseEpoch: big.Rat, truncated to
// whole nanoseconds, in range 1970..2262.
func refEpoch(s string, exp int) (int64, bool) {
	ns, ok := ratNanos(s, exp)
	return ns, ok && ns >= 0
}

// FuzzEpoch checks parseEpoch in every unit against big.Rat.
func FuzzEpoch(f *testing.F) {
	for _, s := range []string{"1764621600", "1764621600.123", "1764621600.1234567", "1.7646216001234567e9", "1764621600123", "0", "1e10", "9223372036.854775807", "12.", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		for name, exp := range epochUnits {
			got, ok := parseEpoch([]byte(s), exp, time.UTC)
			want, wantOK := refEpoch(s, exp)
			if ok != wantOK || ok && got.UnixNano() != want {
				t.Fatalf("parseEpoch(%q, %s) = %d %v, want %d %v", s, name, got.UnixNano(), ok, want, wantOK)
			}
		}
	})
}

// TestReferenceSelfCheck makes sure the fuzz reference itself reads the
// forms it is trusted with.
func TestReferenceSelfCheck(t *testing.T) {
	for s, want := range map[string]int64{"1764621600.123": 1764621600123000000, "1.5e-3": 1500000, "0.0000000019": 1} {
		if got, ok := ratNanos(s, 9); !ok || got != want {
			t.Errorf("ratNanos(%q) = %d %v, want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{".5", "5.", "1/2", "0x10", "1e", "+1", "inf"} {
		if got, ok := ratNanos(s, 9); ok {
			t.Errorf("ratNanos(%q) = %d, want refused", s, got)
		}
	}
}
