package mapping

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const (
	validTP  = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	validTID = "4bf92f3577b34da6a3ce929d0e0e4736"
	validSID = "00f067aa0ba902b7"
)

func mustTraceID(t testing.TB, s string) trace.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustSpanID(t testing.TB, s string) trace.SpanID {
	t.Helper()
	id, err := trace.SpanIDFromHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestParseTraceParent(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		ok      bool
		version byte
		flags   trace.TraceFlags
	}{
		{"valid sampled", validTP, true, 0, 0x01},
		{"valid not sampled", "00-" + validTID + "-" + validSID + "-00", true, 0, 0x00},
		{"valid random flag", "00-" + validTID + "-" + validSID + "-03", true, 0, 0x03},
		{"uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + validSID + "-01", false, 0, 0},
		{"uppercase flags", "00-" + validTID + "-" + validSID + "-0A", false, 0, 0},
		{"all-zero trace id", "00-00000000000000000000000000000000-" + validSID + "-01", false, 0, 0},
		{"all-zero span id", "00-" + validTID + "-0000000000000000-01", false, 0, 0},
		{"too short", validTP[:54], false, 0, 0},
		{"empty", "", false, 0, 0},
		{"trace id one short", "00-" + validTID[:31] + "-" + validSID + "-01", false, 0, 0},
		{"version ff", "ff-" + validTID + "-" + validSID + "-01", false, 0, 0},
		{"version 00 with extra data", validTP + "-xyz", false, 0, 0},
		{"version 00 one char more", validTP + "0", false, 0, 0},
		{"future version with extra data", "01-" + validTID + "-" + validSID + "-01-xyz", true, 1, 0x01},
		{"future version exactly 55", "cc-" + validTID + "-" + validSID + "-01", true, 0xcc, 0x01},
		{"future version extra without dash", "01-" + validTID + "-" + validSID + "-01xyz", false, 0, 0},
		{"non-hex in trace id", "00-4bf92f3577b34da6a3ce929d0e0e473g-" + validSID + "-01", false, 0, 0},
		{"non-hex version", "0x-" + validTID + "-" + validSID + "-01", false, 0, 0},
		{"wrong separator", "00_" + validTID + "-" + validSID + "-01", false, 0, 0},
		{"spaces around", " " + validTP, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := ParseTraceParent([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseTraceParent(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if tp.TraceID != mustTraceID(t, validTID) || tp.SpanID != mustSpanID(t, validSID) {
				t.Errorf("ids = %s/%s", tp.TraceID, tp.SpanID)
			}
			if tp.Version != tt.version || tp.Flags != tt.flags {
				t.Errorf("version %02x flags %02x, want %02x %02x", tp.Version, tp.Flags, tt.version, tt.flags)
			}
		})
	}
}

func TestFindTraceParent(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		found, invalid bool
	}{
		{"alone", validTP, true, false},
		{"in capture block", "{example.com|" + validTP + "|congo=t61rcWkgMzE}", true, false},
		{"in capture block without braces", "example.com|" + validTP + "|", true, false},
		{"in longer string", `tp="` + validTP + `"; foo=bar`, true, false},
		{"after equals", "traceparent=" + validTP + " next", true, false},
		{"invalid uppercase in block", "{host|00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01|}", false, true},
		{"invalid zero trace id", "{host|00-00000000000000000000000000000000-" + validSID + "-01}", false, true},
		{"invalid extra data on version 00", "{host|" + validTP + "-xyz}", false, true},
		{"invalid then valid", "{00-00000000000000000000000000000000-" + validSID + "-01|" + validTP + "}", true, true},
		{"future version in block", "{h|01-" + validTID + "-" + validSID + "-01-what.ever|}", true, false},
		{"glued to other token", "x" + validTP, false, false},
		{"unrelated hex", "{4bf92f3577b34da6a3ce929d0e0e47364bf92f3577b34da6a3ce929d0e0e4736|00f067aa0ba902b700f067aa0ba902b7}", false, false},
		{"uuid", "{123e4567-e89b-12d3-a456-426614174000|host}", false, false},
		{"empty", "", false, false},
		{"short dashes", "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-0-1-2-3-4-5", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, found, invalid := FindTraceParent([]byte(tt.in))
			if found != tt.found || invalid != tt.invalid {
				t.Fatalf("FindTraceParent(%q) = found %v invalid %v, want %v %v", tt.in, found, invalid, tt.found, tt.invalid)
			}
			if found && (tp.TraceID != mustTraceID(t, validTID) || tp.SpanID != mustSpanID(t, validSID)) {
				t.Errorf("ids = %s/%s", tp.TraceID, tp.SpanID)
			}
		})
	}
}

func TestValidTraceState(t *testing.T) {
	many := strings.Repeat("k=v,", 32)
	tests := []struct {
		in string
		ok bool
	}{
		{"congo=t61rcWkgMzE", true},
		{"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true},
		{"a=1, b=2 ,,c=3", true},
		{many, true},
		{many + "x=y", false},
		{"", false},
		{"novalue", false},
		{"=value", false},
		{"key=", false},
		{"a b=c", false},
		{"a=\x01", false},
		{"a=caf\xc3\xa9", false},
	}
	for _, tt := range tests {
		if got := validTraceState([]byte(tt.in)); got != tt.ok {
			t.Errorf("validTraceState(%q) = %v, want %v", tt.in, got, tt.ok)
		}
	}
}

// FuzzTraceParent checks that parsing never panics, that anything accepted
// round-trips to the canonical form, and that FindTraceParent agrees with
// ParseTraceParent on a value that is one token.
func FuzzTraceParent(f *testing.F) {
	f.Add([]byte(validTP))
	f.Add([]byte("01-" + validTID + "-" + validSID + "-01-xyz"))
	f.Add([]byte("{h|" + validTP + "|}"))
	f.Add([]byte("ff-" + validTID + "-" + validSID + "-01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tp, err := ParseTraceParent(b)
		if err == nil {
			if !tp.TraceID.IsValid() || !tp.SpanID.IsValid() || tp.Version == 0xff {
				t.Fatalf("accepted %q as %+v", b, tp)
			}
			canon := string(b[:2]) + "-" + tp.TraceID.String() + "-" + tp.SpanID.String() + "-" + tp.Flags.String()
			if canon != string(b[:55]) {
				t.Fatalf("%q parsed as %q", b, canon)
			}
		}
		got, found, _ := FindTraceParent(b)
		if found && err == nil && got != tp {
			t.Fatalf("FindTraceParent(%q) = %+v, ParseTraceParent = %+v", b, got, tp)
		}
		if err == nil && isTraceParentShaped(b) && !found {
			t.Fatalf("FindTraceParent missed %q", b)
		}
		// The search by IndexByte finds what a byte-by-byte scan finds.
		rtp, rfound, rinvalid := findTraceParentBytewise(b)
		if got2, found2, invalid2 := FindTraceParent(b); got2 != rtp || found2 != rfound || invalid2 != rinvalid {
			t.Fatalf("FindTraceParent(%q) = %+v %v %v, byte-by-byte %+v %v %v", b, got2, found2, invalid2, rtp, rfound, rinvalid)
		}
	})
}

// findTraceParentBytewise is FindTraceParent as a plain scan of every
// offset, the reference the fuzz target compares it with.
func findTraceParentBytewise(b []byte) (tp TraceParent, found, invalid bool) {
	for i := 0; i+traceParentLen <= len(b); i++ {
		if i > 0 && isTokenByte(b[i-1]) {
			continue
		}
		ok := true
		for j := 0; j < traceParentLen; j++ {
			c := b[i+j]
			if j == 2 || j == 35 || j == 52 {
				ok = ok && c == '-'
			} else {
				ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
			}
		}
		if !ok {
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
		i = end - 1
	}
	return TraceParent{}, false, invalid
}
