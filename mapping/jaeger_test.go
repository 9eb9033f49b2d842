package mapping

import (
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const (
	jTID = "4bf92f3577b34da6a3ce929d0e0e4736"
	jSID = "00f067aa0ba902b7"
)

func TestParseJaeger(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		ok       bool
		tid, sid string
		flags    trace.TraceFlags
	}{
		{"full ids sampled", jTID + ":" + jSID + ":0:1", true, jTID, jSID, 0x01},
		{"not sampled", jTID + ":" + jSID + ":0:0", true, jTID, jSID, 0x00},
		{"debug implies sampled", jTID + ":" + jSID + ":0:2", true, jTID, jSID, 0x01},
		{"two-digit flags", jTID + ":" + jSID + ":0:03", true, jTID, jSID, 0x01},
		{"other bits only: not sampled", jTID + ":" + jSID + ":0:fc", true, jTID, jSID, 0x00},
		{"with parent", jTID + ":" + jSID + ":" + b3PSID + ":1", true, jTID, jSID, 0x01},
		{"64-bit trace id padded", "a3ce929d0e0e4736:" + jSID + ":0:1", true, "0000000000000000a3ce929d0e0e4736", jSID, 0x01},
		{"leading zeros left out", "3ce929d0e0e4736:f067aa0ba902b7:0:1", true, "00000000000000000" + "3ce929d0e0e4736", jSID, 0x01},
		{"one-digit ids", "1:2:0:1", true, "00000000000000000000000000000001", "0000000000000002", 0x01},
		{"URL-encoded", jTID + "%3A" + jSID + "%3A0%3A1", true, jTID, jSID, 0x01},
		{"URL-encoded lowercase", jTID + "%3a" + jSID + "%3a0%3a1", true, jTID, jSID, 0x01},
		{"mixed separators", jTID + "%3A" + jSID + ":0%3a1", true, jTID, jSID, 0x01},
		{"uppercase hex", "4BF92F3577B34DA6A3CE929D0E0E4736:" + jSID + ":0:1", false, "", "", 0},
		{"trace id of 33 digits", "0" + jTID + ":" + jSID + ":0:1", false, "", "", 0},
		{"span id of 17 digits", jTID + ":0" + jSID + ":0:1", false, "", "", 0},
		{"zero trace id", "0:" + jSID + ":0:1", false, "", "", 0},
		{"zero span id", jTID + ":0000:0:1", false, "", "", 0},
		{"three parts", jTID + ":" + jSID + ":1", false, "", "", 0},
		{"five parts", jTID + ":" + jSID + ":0:1:1", false, "", "", 0},
		{"empty part", jTID + "::0:1", false, "", "", 0},
		{"three-digit flags", jTID + ":" + jSID + ":0:001", false, "", "", 0},
		{"trailing text", jTID + ":" + jSID + ":0:1 ", false, "", "", 0},
		{"bad escape", jTID + "%3B" + jSID + ":0:1", false, "", "", 0},
		{"empty", "", false, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := ParseJaeger([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseJaeger(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if tc.TraceID != mustTraceID(t, tt.tid) || tc.SpanID != mustSpanID(t, tt.sid) || tc.Flags != tt.flags {
				t.Errorf("context %s/%s/%s, want %s/%s/%s", tc.TraceID, tc.SpanID, tc.Flags, tt.tid, tt.sid, tt.flags)
			}
		})
	}
}

func TestFindJaeger(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		found, invalid bool
	}{
		{"alone", jTID + ":" + jSID + ":0:1", true, false},
		{"in a capture block", "{h:8080|" + jTID + ":" + jSID + ":0:1|x}", true, false},
		{"in a query string, encoded", "/a?uber-trace-id=" + jTID + "%3A" + jSID + "%3A0%3A1&b=2", true, false},
		{"Apache time: not a context", "[10/Oct/2000:13:55:36 -0700]", false, false},
		{"time with hundredths alone: too short to search for", "12:14:14:65", false, false},
		{"HAProxy date: not a context", "06/Feb/2026:12:14:14.655", false, false},
		{"IPv6 address", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", false, false},
		{"IPv6 with long groups", "aaaaaaaaaa:bbbbbbbbbb:1:1:1", false, false},
		{"MAC address", "00:1a:2b:3c:4d:5e", false, false},
		{"zero trace id: invalid", "{00000000:" + jSID + ":0:1}", false, true},
		{"uppercase: invalid", "{4BF92F3577B34DA6:" + jSID + ":0:1}", false, true},
		{"invalid then valid", "0000000000:" + jSID + ":0:1 " + jTID + ":" + jSID + ":0:1", true, true},
		{"glued to a word", "id" + jTID + ":" + jSID + ":0:1", false, false},
		{"followed by a dot", jTID + ":" + jSID + ":0:1.5", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, found, invalid := findJaeger([]byte(tt.in))
			if found != tt.found || invalid != tt.invalid {
				t.Fatalf("findJaeger(%q) = found %v invalid %v, want %v %v", tt.in, found, invalid, tt.found, tt.invalid)
			}
			if found && (tc.TraceID != mustTraceID(t, jTID) || tc.SpanID != mustSpanID(t, jSID) || !tc.Flags.IsSampled()) {
				t.Errorf("context %s/%s/%s", tc.TraceID, tc.SpanID, tc.Flags)
			}
		})
	}
}

// FuzzJaeger checks that the Jaeger parsers never panic, that what
// ParseJaeger accepts has non-zero ids and re-formats (without leading
// zeros, as Jaeger's clients write it) to a header that parses to the same
// context, and that findJaeger agrees with ParseJaeger on a value that is
// one header with ids long enough to be searched for.
func FuzzJaeger(f *testing.F) {
	f.Add([]byte(jTID + ":" + jSID + ":0:1"))
	f.Add([]byte(jTID + "%3A" + jSID + "%3a0%3A3"))
	f.Add([]byte("1:2:0:1"))
	f.Add([]byte("[10/Oct/2000:13:55:36 -0700]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		tc, err := ParseJaeger(b)
		got, found, _ := findJaeger(b)
		if err != nil {
			return
		}
		if !tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
			t.Fatalf("%q: zero ids accepted", b)
		}
		hi := strconv.FormatUint(beUint64(tc.TraceID[:8]), 16)
		lo := strconv.FormatUint(beUint64(tc.TraceID[8:]), 16)
		tid := lo
		if hi != "0" {
			tid = hi + ("0000000000000000" + lo)[len(lo):]
		}
		sid := strconv.FormatUint(beUint64(tc.SpanID[:]), 16)
		flags := "0"
		if tc.Flags.IsSampled() {
			flags = "1"
		}
		again, err := ParseJaeger([]byte(tid + ":" + sid + ":0:" + flags))
		if err != nil || again != tc {
			t.Fatalf("%q: re-formatted %s:%s parses to %+v, %v; want %+v", b, tid, sid, again, err, tc)
		}
		if found && got != tc {
			t.Fatalf("findJaeger(%q) = %+v, ParseJaeger = %+v", b, got, tc)
		}
	})
}

func beUint64(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}
