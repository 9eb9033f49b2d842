package mapping

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must not depend on the host
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func reader(t testing.TB, ts TimeSpec) *timeReader {
	t.Helper()
	ts.Field = "date"
	r, serr := compileTime("start", ts, newFieldIndex([]string{"date"}))
	if serr != nil {
		t.Fatal(serr)
	}
	return r
}

// TestTimeZones reads the same HAProxy dates in several zones: the date
// carries no zone, so the rule's Location decides the instant.
func TestTimeZones(t *testing.T) {
	paris := mustZone(t, "Europe/Paris")
	ny := mustZone(t, "America/New_York")
	const layout = "02/Jan/2006:15:04:05.000"
	tests := []struct {
		name string
		loc  *time.Location
		in   string
		want time.Time // in UTC
	}{
		{"UTC", time.UTC, "06/Feb/2026:12:14:14.655", time.Date(2026, 2, 6, 12, 14, 14, 655e6, time.UTC)},
		{"Paris winter (+01:00)", paris, "06/Feb/2026:12:14:14.655", time.Date(2026, 2, 6, 11, 14, 14, 655e6, time.UTC)},
		{"Paris summer (+02:00)", paris, "06/Jul/2026:12:14:14.655", time.Date(2026, 7, 6, 10, 14, 14, 655e6, time.UTC)},
		{"New York winter (-05:00)", ny, "06/Feb/2026:12:14:14.655", time.Date(2026, 2, 6, 17, 14, 14, 655e6, time.UTC)},
		{"New York summer (-04:00)", ny, "06/Jul/2026:12:14:14.655", time.Date(2026, 7, 6, 16, 14, 14, 655e6, time.UTC)},
		{"UTC without milliseconds", time.UTC, "06/Feb/2009:12:14:14", time.Date(2009, 2, 6, 12, 14, 14, 0, time.UTC)},
		{"Paris without milliseconds", paris, "06/Feb/2009:12:14:14", time.Date(2009, 2, 6, 11, 14, 14, 0, time.UTC)},
		{"microseconds", time.UTC, "06/Feb/2026:12:14:14.655123", time.Date(2026, 2, 6, 12, 14, 14, 655123e3, time.UTC)},
		{"leap day", time.UTC, "29/Feb/2028:23:59:59.999", time.Date(2028, 2, 29, 23, 59, 59, 999e6, time.UTC)},
		{"lowercase month (slow path)", time.UTC, "06/feb/2026:12:14:14.655", time.Date(2026, 2, 6, 12, 14, 14, 655e6, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reader(t, TimeSpec{Layout: layout, Location: tt.loc})
			got, ok := r.parse([]byte(tt.in))
			if !ok {
				t.Fatalf("%q did not parse", tt.in)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got.UTC(), tt.want)
			}
			if got.Location() != tt.loc {
				t.Errorf("location %s, want %s", got.Location(), tt.loc)
			}
		})
	}
	t.Run("Local", func(t *testing.T) {
		r := reader(t, TimeSpec{Layout: layout})
		got, ok := r.parse([]byte("06/Feb/2026:12:14:14.655"))
		want := time.Date(2026, 2, 6, 12, 14, 14, 655e6, time.Local)
		if !ok || !got.Equal(want) || got.Location() != time.Local {
			t.Errorf("got %s (%v), want %s", got, ok, want)
		}
	})
}

func TestBadDates(t *testing.T) {
	r := reader(t, TimeSpec{Layout: "02/Jan/2006:15:04:05.000", Location: time.UTC})
	for _, in := range []string{
		"", "32/Feb/2026:12:14:14.655", "30/Feb/2026:12:14:14", "29/Feb/2026:12:14:14", "06/Feb/2026:24:00:00",
		"06/Feb/2026:12:60:00", "06/Feb/2026:12:14:60", "06/Fex/2026:12:14:14", "06/Feb/2026:12:14:14.",
		"06/Feb/2026:12:14:14.65x", "06/Feb/2026 12:14:14", "06/Feb/2026:12:14:14.655 ", "2026-02-06T12:14:14Z",
	} {
		if got, ok := r.parse([]byte(in)); ok {
			t.Errorf("%q parsed as %s", in, got)
		}
	}
	err := r.notATime([]byte("32/Feb/2026:12:14:14.655"))
	want := `field date: "32/Feb/2026:12:14:14.655" is not a time in layout "02/Jan/2006:15:04:05.000"`
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestFastPathMatchesStdlib compares the hand-written HAProxy date parser
// with time.ParseInLocation on many random dates, valid and not, in several
// zones (including the hours skipped and repeated at DST changes).
func TestFastPathMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(20260221))
	zones := []*time.Location{time.UTC, time.Local, mustZone(t, "Europe/Paris"), mustZone(t, "America/New_York"), mustZone(t, "Australia/Lord_Howe")}
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Fex", "jan", "MAR"}
	fast := 0
	for i := range 200000 {
		loc := zones[i%len(zones)]
		s := fmt.Sprintf("%02d/%s/%04d:%02d:%02d:%02d", 1+rng.Intn(31), months[rng.Intn(len(months))],
			1970+rng.Intn(100), rng.Intn(25), rng.Intn(61), rng.Intn(61))
		switch rng.Intn(6) {
		case 0: // no fraction
		case 1:
			s += fmt.Sprintf(".%03d", rng.Intn(1000))
		case 2:
			s += "." + strings.Repeat(fmt.Sprint(rng.Intn(10)), 1+rng.Intn(12))
		case 3:
			s += fmt.Sprintf(",%d", rng.Intn(1000))
		case 4:
			s += fmt.Sprintf(".%03dx", rng.Intn(1000))
		case 5:
			s += "."
		}
		want, werr := time.ParseInLocation(haproxyLayout, s, loc)
		got, ok := parseHAProxyDate([]byte(s), loc)
		if ok {
			fast++
			if werr != nil || got != want {
				t.Fatalf("%q in %s: fast path %s, time.ParseInLocation %s (%v)", s, loc, got, want, werr)
			}
		}
		// The reader as a whole (fast path with fallback) must agree always.
		r := &timeReader{layout: haproxyLayout, parseLayout: haproxyLayout, fast: true, loc: loc}
		got, ok = r.parse([]byte(s))
		if ok != (werr == nil) || ok && got != want {
			t.Fatalf("%q in %s: reader %s %v, time.ParseInLocation %s %v", s, loc, got, ok, want, werr)
		}
	}
	if fast < 50000 {
		t.Errorf("the fast path took only %d of the dates", fast)
	}
	// With milliseconds, the strict layout agrees too.
	for range 20000 {
		s := fmt.Sprintf("%02d/%s/%04d:%02d:%02d:%02d.%03d", 1+rng.Intn(28), months[rng.Intn(12)], 1970+rng.Intn(100),
			rng.Intn(24), rng.Intn(60), rng.Intn(60), rng.Intn(1000))
		want, err := time.ParseInLocation("02/Jan/2006:15:04:05.000", s, zones[2])
		got, ok := parseHAProxyDate([]byte(s), zones[2])
		if err != nil || !ok || got != want {
			t.Fatalf("%q: fast %s %v, strict layout %s %v", s, got, ok, want, err)
		}
	}
}

func TestEpoch(t *testing.T) {
	base := time.Date(2026, 2, 6, 12, 14, 14, 0, time.UTC)
	tests := []struct {
		unit string
		in   string
		want time.Time
		ok   bool
	}{
		{"s", "1770380054", base, true},
		{"s", "1770380054.655", base.Add(655 * time.Millisecond), true},
		{"s", "1770380054.123456789", base.Add(123456789), true},
		{"s", "1770380054.1234567891", base.Add(123456789), true},
		{"ms", "1770380054655", base.Add(655 * time.Millisecond), true},
		{"ms", "1770380054655.25", base.Add(655*time.Millisecond + 250*time.Microsecond), true},
		{"us", "1770380054655123", base.Add(655123 * time.Microsecond), true},
		{"us", "1770380054655123.5", base.Add(655123500), true},
		{"ns", "1770380054655123456.9", base.Add(655123456), true},
		{"s", "1.770380054655e9", base.Add(655 * time.Millisecond), true},
		{"s", "1.7703800546551234567E+9", base.Add(655123456), true},
		{"s", "17703800546551234567e-10", base.Add(655123456), true},
		{"ms", "1.770380054655e12", base.Add(655 * time.Millisecond), true},
		{"s", "0", time.Unix(0, 0), true},
		{"s", "9223372036.854775807", time.Unix(0, math.MaxInt64), true},
		{"s", "9223372036.854775808", time.Time{}, false}, // after 2262
		{"s", "1e10", time.Time{}, false},
		{"s", "+1770380054", time.Time{}, false},
		{"s", "1770380054e", time.Time{}, false},
		{"s", "1770380054.5s", time.Time{}, false},
		{"ns", "1770380054655123456", base.Add(655123456), true},
		{"ns", "17703800546551234567", time.Time{}, false},
		{"s", "", time.Time{}, false},
		{"s", "-1", time.Time{}, false},
		{"s", "12a", time.Time{}, false},
		{"s", "12.", time.Time{}, false},
		{"s", ".5", time.Time{}, false},
	}
	for _, tt := range tests {
		r := reader(t, TimeSpec{Epoch: tt.unit, Location: time.UTC})
		got, ok := r.parse([]byte(tt.in))
		if ok != tt.ok || ok && !got.Equal(tt.want) {
			t.Errorf("%s %q = %s %v, want %s %v", tt.unit, tt.in, got.UTC(), ok, tt.want, tt.ok)
		}
	}
}

func TestLenientLayout(t *testing.T) {
	for in, want := range map[string]string{
		"02/Jan/2006:15:04:05.000":         "02/Jan/2006:15:04:05",
		"02/Jan/2006:15:04:05,999999":      "02/Jan/2006:15:04:05",
		"2006-01-02T15:04:05.000Z07:00":    "2006-01-02T15:04:05Z07:00",
		"02/Jan/2006:15:04:05":             "02/Jan/2006:15:04:05",
		"2006-01-02 15:04:05.000000 -0700": "2006-01-02 15:04:05 -0700",
	} {
		if got := lenientLayout(in); got != want {
			t.Errorf("lenientLayout(%q) = %q, want %q", in, got, want)
		}
	}
	// A layout reduced this way reads lines with and without a fraction.
	r := reader(t, TimeSpec{Layout: "2006-01-02T15:04:05.000Z07:00"})
	for _, in := range []string{"2026-02-06T12:14:14.655+01:00", "2026-02-06T12:14:14+01:00"} {
		if _, ok := r.parse([]byte(in)); !ok {
			t.Errorf("%q did not parse", in)
		}
	}
}
