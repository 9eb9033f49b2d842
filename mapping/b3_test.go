package mapping

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const (
	b3TID   = "80f198ee56343ba864fe8b2a57d3eff7"
	b3SID   = "e457b5a2e4d86bd1"
	b3PSID  = "05e3ac9a4f6e3b90"
	b3Short = "a3ce929d0e0e4736"
)

func TestParseB3(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		ok       bool
		tid, sid string // "" tid: no ids
		flags    trace.TraceFlags
	}{
		{"ids only: sampled", b3TID + "-" + b3SID, true, b3TID, b3SID, 0x01},
		{"sampled", b3TID + "-" + b3SID + "-1", true, b3TID, b3SID, 0x01},
		{"not sampled", b3TID + "-" + b3SID + "-0", true, b3TID, b3SID, 0x00},
		{"debug is sampled", b3TID + "-" + b3SID + "-d", true, b3TID, b3SID, 0x01},
		{"with parent", b3TID + "-" + b3SID + "-1-" + b3PSID, true, b3TID, b3SID, 0x01},
		{"16-digit trace id left-padded", b3Short + "-" + b3SID + "-1", true, "0000000000000000" + b3Short, b3SID, 0x01},
		{"sampling only 0", "0", true, "", "", 0x00},
		{"sampling only 1", "1", true, "", "", 0x01},
		{"sampling only d", "d", true, "", "", 0x01},
		{"sampling only other", "x", false, "", "", 0},
		{"empty", "", false, "", "", 0},
		{"uppercase", "80F198EE56343BA864FE8B2A57D3EFF7-" + b3SID, false, "", "", 0},
		{"trace id of 20 digits", b3TID[:20] + "-" + b3SID, false, "", "", 0},
		{"span id of 15 digits", b3TID + "-" + b3SID[:15], false, "", "", 0},
		{"zero trace id", "00000000000000000000000000000000-" + b3SID, false, "", "", 0},
		{"zero span id", b3TID + "-0000000000000000-1", false, "", "", 0},
		{"bad sampling", b3TID + "-" + b3SID + "-2", false, "", "", 0},
		{"long sampling", b3TID + "-" + b3SID + "-01", false, "", "", 0},
		{"empty sampling", b3TID + "-" + b3SID + "-", false, "", "", 0},
		{"short parent", b3TID + "-" + b3SID + "-1-05e3", false, "", "", 0},
		{"non-hex", b3TID[:31] + "g-" + b3SID, false, "", "", 0},
		{"too many parts", b3TID + "-" + b3SID + "-1-" + b3PSID + "-x", false, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := ParseB3([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseB3(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if tt.tid == "" {
				if tc.TraceID.IsValid() || tc.SpanID.IsValid() {
					t.Errorf("ids %s/%s, want none", tc.TraceID, tc.SpanID)
				}
			} else if tc.TraceID != mustTraceID(t, tt.tid) || tc.SpanID != mustSpanID(t, tt.sid) {
				t.Errorf("ids %s/%s, want %s/%s", tc.TraceID, tc.SpanID, tt.tid, tt.sid)
			}
			if tc.Flags != tt.flags {
				t.Errorf("flags %s, want %s", tc.Flags, tt.flags)
			}
		})
	}
}

func TestFindB3(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		found, invalid bool
		flags          trace.TraceFlags
	}{
		{"alone", b3TID + "-" + b3SID + "-1-" + b3PSID, true, false, 0x01},
		{"in a capture block", "{example.com|" + b3TID + "-" + b3SID + "-0|}", true, false, 0x00},
		{"after b3=", "b3=" + b3TID + "-" + b3SID + "&x=1", true, false, 0x01},
		{"inside a W3C traceparent: not b3", validTP, false, false, 0},
		{"uppercase: invalid", "{h|80F198EE56343BA864FE8B2A57D3EFF7-E457B5A2E4D86BD1}", false, true, 0},
		{"bad sampling: invalid", "{h|" + b3TID + "-" + b3SID + "-x}", false, true, 0},
		{"invalid then valid", "{" + b3TID + "-" + b3SID + "-7|" + b3TID + "-" + b3SID + "-d}", true, true, 0x01},
		{"glued to a word", "x" + b3TID + "-" + b3SID, false, false, 0},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", false, false, 0},
		{"17 hex before the dash", "f" + b3Short + "-" + b3SID, false, false, 0},
		{"sampling-only value is not searched for", "{h|1|0}", false, false, 0},
		{"span id cut short", b3TID + "-e457b5a2", false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, found, invalid := findB3([]byte(tt.in))
			if found != tt.found || invalid != tt.invalid {
				t.Fatalf("findB3(%q) = found %v invalid %v, want %v %v", tt.in, found, invalid, tt.found, tt.invalid)
			}
			if found && (tc.TraceID != mustTraceID(t, b3TID) || tc.SpanID != mustSpanID(t, b3SID) || tc.Flags != tt.flags) {
				t.Errorf("context %s/%s/%s", tc.TraceID, tc.SpanID, tc.Flags)
			}
		})
	}
}

// FuzzB3 checks that the b3 parsers never panic, that what ParseB3
// accepts has non-zero ids (or none at all) and re-formats to a header
// that parses to the same context, and that findB3 finds a valid header
// standing alone.
func FuzzB3(f *testing.F) {
	f.Add([]byte(b3TID + "-" + b3SID + "-1-" + b3PSID))
	f.Add([]byte(b3Short + "-" + b3SID))
	f.Add([]byte("d"))
	f.Add([]byte("{h|" + b3TID + "-" + b3SID + "-0|}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		tc, err := ParseB3(b)
		_, _, _ = findB3(b)
		if err != nil {
			return
		}
		if !tc.TraceID.IsValid() {
			if tc.SpanID.IsValid() || len(b) != 1 {
				t.Fatalf("%q: ids %s/%s", b, tc.TraceID, tc.SpanID)
			}
			return
		}
		if !tc.SpanID.IsValid() {
			t.Fatalf("%q: zero span id accepted", b)
		}
		s := "0"
		if tc.Flags.IsSampled() {
			s = "1"
		}
		again, err := ParseB3([]byte(tc.TraceID.String() + "-" + tc.SpanID.String() + "-" + s))
		if err != nil || again != tc {
			t.Fatalf("%q: re-formatted parses to %+v, %v; want %+v", b, again, err, tc)
		}
		if got, found, _ := findB3(b); !found || got != tc {
			t.Fatalf("findB3(%q) = %+v %v, ParseB3 = %+v", b, got, found, tc)
		}
	})
}
