package mapping

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const (
	xRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	xTID    = "5759e988bd862e3fe1be46a994272793"
	xParent = "53995c3f42cd8ad8"
)

func TestParseXRay(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		ok    bool
		sid   string // "" for no parent
		flags trace.TraceFlags
	}{
		{"root, parent, sampled", "Root=" + xRoot + ";Parent=" + xParent + ";Sampled=1", true, xParent, 0x01},
		{"keys in another order", "Sampled=1;Parent=" + xParent + ";Root=" + xRoot, true, xParent, 0x01},
		{"spaces after ;", "Root=" + xRoot + "; Parent=" + xParent + ";  Sampled=0", true, xParent, 0x00},
		{"not sampled", "Root=" + xRoot + ";Parent=" + xParent + ";Sampled=0", true, xParent, 0x00},
		{"sampling deferred", "Root=" + xRoot + ";Parent=" + xParent + ";Sampled=?", true, xParent, 0x01},
		{"root only: a root in that trace", "Root=" + xRoot, true, "", 0x01},
		{"load balancer's Self and Lineage ignored", "Self=1-67891234-12456789abcdef012345678;Root=" + xRoot + ";Lineage=a87bd80c:1|68fd508a:5", true, "", 0x01},
		{"custom keys ignored", "Root=" + xRoot + ";Parent=" + xParent + ";CalledFrom=app;Sampled=1", true, xParent, 0x01},
		{"trailing ;", "Root=" + xRoot + ";", true, "", 0x01},
		{"first of a key given twice", "Root=" + xRoot + ";Root=garbage", true, "", 0x01},
		{"no Root", "Parent=" + xParent + ";Sampled=1", false, "", 0},
		{"bad version", "Root=2-5759e988-bd862e3fe1be46a994272793", false, "", 0},
		{"short epoch", "Root=1-5759e98-bd862e3fe1be46a994272793", false, "", 0},
		{"short unique id", "Root=1-5759e988-bd862e3fe1be46a99427279", false, "", 0},
		{"uppercase", "Root=1-5759E988-BD862E3FE1BE46A994272793", false, "", 0},
		{"zero trace id", "Root=1-00000000-000000000000000000000000", false, "", 0},
		{"zero parent", "Root=" + xRoot + ";Parent=0000000000000000", false, "", 0},
		{"short parent", "Root=" + xRoot + ";Parent=53995c3f", false, "", 0},
		{"bad sampled", "Root=" + xRoot + ";Sampled=yes", false, "", 0},
		{"lowercase key", "root=" + xRoot, false, "", 0},
		{"empty", "", false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := ParseXRay([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseXRay(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if tc.TraceID != mustTraceID(t, xTID) || tc.Flags != tt.flags {
				t.Errorf("trace %s flags %s, want %s %s", tc.TraceID, tc.Flags, xTID, tt.flags)
			}
			if tt.sid == "" && tc.SpanID.IsValid() || tt.sid != "" && tc.SpanID != mustSpanID(t, tt.sid) {
				t.Errorf("span %s, want %q", tc.SpanID, tt.sid)
			}
		})
	}
}

func TestFindXRay(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		found, invalid bool
		sid            string
	}{
		{"ALB trace_id field", `"Root=` + xRoot + `"`, true, false, ""},
		{"ALB with Self before Root", `"Self=1-67891234-12456789abcdef012345678;Root=` + xRoot + `;Parent=` + xParent + `" "next"`, true, false, xParent},
		{"in a capture block", "{example.com|Root=" + xRoot + ";Parent=" + xParent + ";Sampled=1|text/html}", true, false, xParent},
		{"spaces after ; inside a longer value", "X-Amzn-Trace-Id: Root=" + xRoot + "; Parent=" + xParent + "; Sampled=1 next", true, false, xParent},
		{"header name glued before", "x-amzn-trace-id=Root=" + xRoot + ";Parent=" + xParent, true, false, xParent},
		{"escaped Lineage in a capture", "{Root=" + xRoot + ";Lineage=a87bd80c:1#7C68fd508a:5|h}", true, false, ""},
		{"invalid root", "{h|Root=1-5759e988-bd86|}", false, true, ""},
		{"invalid then valid", "{Root=1-xyz|Root=" + xRoot + "}", true, true, ""},
		{"no Root", "Parent=" + xParent, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, found, invalid := findXRay([]byte(tt.in))
			if found != tt.found || invalid != tt.invalid {
				t.Fatalf("findXRay(%q) = found %v invalid %v, want %v %v", tt.in, found, invalid, tt.found, tt.invalid)
			}
			if !found {
				return
			}
			if tc.TraceID != mustTraceID(t, xTID) {
				t.Errorf("trace %s", tc.TraceID)
			}
			if tt.sid == "" && tc.SpanID.IsValid() || tt.sid != "" && tc.SpanID != mustSpanID(t, tt.sid) {
				t.Errorf("span %s, want %q", tc.SpanID, tt.sid)
			}
		})
	}
}

// FuzzXRay checks that the X-Ray parsers never panic, that what ParseXRay
// accepts has a non-zero trace id and re-formats to a header that parses to
// the same context, and that findXRay finds that re-formatted header
// inside a longer value.
func FuzzXRay(f *testing.F) {
	f.Add([]byte("Root=" + xRoot + ";Parent=" + xParent + ";Sampled=1"))
	f.Add([]byte("Self=1-67891234-12456789abcdef012345678; Root=" + xRoot))
	f.Add([]byte("{h|Root=" + xRoot + ";Sampled=?|}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		tc, err := ParseXRay(b)
		_, _, _ = findXRay(b)
		if err != nil {
			return
		}
		if !tc.TraceID.IsValid() {
			t.Fatalf("%q: zero trace id accepted", b)
		}
		tid := tc.TraceID.String()
		h := "Root=1-" + tid[:8] + "-" + tid[8:]
		if tc.SpanID.IsValid() {
			h += ";Parent=" + tc.SpanID.String()
		}
		if !tc.Flags.IsSampled() {
			h += ";Sampled=0"
		}
		again, err := ParseXRay([]byte(h))
		if err != nil || again != tc {
			t.Fatalf("%q: re-formatted %q parses to %+v, %v; want %+v", b, h, again, err, tc)
		}
		if got, found, _ := findXRay([]byte(`{x|` + h + `|y}`)); !found || got != tc {
			t.Fatalf("findXRay missed %q: %+v %v", h, got, found)
		}
	})
}
