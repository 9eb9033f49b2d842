package mapping

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// TestMapForwarded covers trace_context.forwarded: a proxy logs the
// caller's traceparent and the one it forwarded, whose parent-id is the
// proxy's own span id, in one captured-header block {host|incoming|forwarded}.
func TestMapForwarded(t *testing.T) {
	const (
		fwdSID = "b7ad6b7169203331"
		fwdTP  = "00-" + validTID + "-" + fwdSID + "-01"
		// A proxy that started a new trace because none came in.
		newTID   = "0af7651916cd43dd8448eb211c80319c"
		newTP    = "00-" + newTID + "-" + fwdSID + "-01"
		otherTID = "11111111111111111111111111111111"
	)
	block := func(incoming, forwarded string) string {
		return strings.Replace(lineOK, validTP+"|congo=t61rcWkgMzE", incoming+"|"+forwarded, 1)
	}
	tests := []struct {
		name            string
		line            string
		out             Outcome
		traceID, spanID string // "" spanID: the line's own id
		parent          string // "" for a root
		flags           trace.TraceFlags
		link            string // the trace id of the caller's context, when it is a link
	}{
		{"incoming and forwarded: the proxy span between them", block(validTP, fwdTP), Outcome{Emit: true}, validTID, fwdSID, validSID, 0x01, ""},
		{"no incoming: root of the proxy's new trace", block("", newTP), Outcome{Emit: true}, newTID, fwdSID, "", 0x01, ""},
		{"plain frontend, nothing forwarded: child of the caller", block(validTP, ""), Outcome{Emit: true}, validTID, "", validSID, 0x01, ""},
		{"forwarded marked absent", block(validTP, "-"), Outcome{Emit: true}, validTID, "", validSID, 0x01, ""},
		{"invalid forwarded: counted, plain behaviour", block(validTP, "00-xyz"), Outcome{Emit: true, InvalidTraceContext: true}, validTID, "", validSID, 0x01, ""},
		{"forwarded in another trace: no parent, a link", block("00-"+otherTID+"-"+validSID+"-01", newTP), Outcome{Emit: true, InvalidTraceContext: true}, newTID, fwdSID, "", 0x01, otherTID},
		{"forwarded unsampled: no span", block(validTP, "00-"+validTID+"-"+fwdSID+"-00"), Outcome{Unsampled: true}, validTID, fwdSID, validSID, 0x00, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := haproxySpec(time.UTC)
			spec.Captures[0].Names = []string{"Host", "traceparent", "forwarded_traceparent"}
			spec.TraceContext.Forwarded = "forwarded_traceparent"
			m := newMapper(t, spec)
			var s Span
			out := mustMap(t, m, tt.line, &s)
			headers := ContextInfo{Format: FormatW3C, Field: haproxyField(t, "captured_request_headers")}
			if tt.parent != "" {
				tt.out.Context = headers
			}
			if tt.spanID != "" {
				tt.out.Forwarded = headers
			}
			if tt.link != "" {
				tt.out.Links[0] = headers
				want := []Link{{TraceID: mustTraceID(t, tt.link), SpanID: mustSpanID(t, validSID), Flags: trace.FlagsSampled, Format: FormatW3C}}
				if !reflect.DeepEqual(s.Links, want) {
					t.Errorf("links %+v, want %+v", s.Links, want)
				}
			} else if len(s.Links) > 0 {
				t.Errorf("links %+v, want none", s.Links)
			}
			if out != tt.out {
				t.Errorf("outcome %+v, want %+v", out, tt.out)
			}
			_, wantSID := IDs("haproxy_http", []byte(tt.line))
			if tt.spanID != "" {
				wantSID = mustSpanID(t, tt.spanID)
			}
			if s.TraceID != mustTraceID(t, tt.traceID) || s.SpanID != wantSID {
				t.Errorf("ids %s/%s, want %s/%s", s.TraceID, s.SpanID, tt.traceID, wantSID)
			}
			if tt.parent == "" && s.HasParent() {
				t.Errorf("parent %s, want a root", s.Parent)
			}
			if tt.parent != "" && s.Parent != mustSpanID(t, tt.parent) {
				t.Errorf("parent %s, want %s", s.Parent, tt.parent)
			}
			if s.Flags != tt.flags {
				t.Errorf("flags %s, want %s", s.Flags, tt.flags)
			}
			for _, kv := range s.Attributes {
				if strings.HasSuffix(string(kv.Key), "traceparent") {
					t.Errorf("trace context leaked into attribute %s=%s", kv.Key, kv.Value.String())
				}
			}
		})
	}
}

// TestMapForwardedField covers forwarded naming a field of its own rather
// than a capture: that field is the span, and is not searched for a parent
// even when every field is.
func TestMapForwardedField(t *testing.T) {
	spec := Spec{
		Rule:  "kv",
		Start: &TimeSpec{Field: "date", Layout: time.RFC3339},
		Name:  "op",
		TraceContext: TraceContextSpec{
			Forwarded: "b", // Fields nil: search every other field
		},
	}
	const fwd = "00-" + validTID + "-b7ad6b7169203331-01"
	s, out, err := mapGeneric(t, spec, "2026-01-02T03:04:05Z "+validTP+" "+fwd+" x y")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Emit || s.SpanID != mustSpanID(t, "b7ad6b7169203331") || s.Parent != mustSpanID(t, validSID) {
		t.Fatalf("span %s parent %s (outcome %+v), want span b7ad6b7169203331 parent %s", s.SpanID, s.Parent, out, validSID)
	}
	s, _, err = mapGeneric(t, spec, "2026-01-02T03:04:05Z - "+fwd+" x y")
	if err != nil {
		t.Fatal(err)
	}
	if s.HasParent() || s.SpanID != mustSpanID(t, "b7ad6b7169203331") {
		t.Fatalf("without an incoming traceparent: span %s parent %s, want span b7ad6b7169203331 as a root", s.SpanID, s.Parent)
	}
}

// TestForwardedUnknownName checks the error for a name that is neither a
// capture name nor a field.
func TestForwardedUnknownName(t *testing.T) {
	spec := haproxySpec(time.UTC)
	spec.TraceContext.Forwarded = "fwd_tp"
	_, err := New(spec, haproxyFields)
	if err == nil || !strings.Contains(err.Error(), "trace_context.forwarded") || !strings.Contains(err.Error(), "captures") {
		t.Fatalf("err = %v, want one naming trace_context.forwarded and captures", err)
	}
}
