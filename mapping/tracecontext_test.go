package mapping

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/parsers"
)

// ctxParser reads test lines that log every format in a field of its own,
// as a proxy configured to log all the trace headers would:
//
//	date "traceparent" "b3" "uber-trace-id" "x-amzn-trace-id" "sql" x-b3-traceid x-b3-spanid x-b3-sampled x-b3-flags forwarded
func ctxParser(t testing.TB) *parsers.Parser {
	t.Helper()
	p, err := ctxParserOnce()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ctxParserOnce builds ctxParser's parser once: compiling grok is slow
// under the race detector, and a Parser is safe to share.
var ctxParserOnce = sync.OnceValues(func() (*parsers.Parser, error) {
	return parsers.New(parsers.Spec{Expression: `%{NOTSPACE:date} "%{DATA:tp}" "%{DATA:b3}" "%{DATA:uber}" "%{DATA:xray}" "%{DATA:sql}" ` +
		`%{NOTSPACE:xb3_tid} %{NOTSPACE:xb3_sid} %{NOTSPACE:xb3_sampled} %{NOTSPACE:xb3_flags} %{NOTSPACE:fwd}`})
})

// ctxLine holds the values of a ctxParser line; empty ones are logged "-".
type ctxLine struct {
	tp, b3, uber, xray, sql, xb3TID, xb3SID, xb3Sampled, xb3Flags, fwd string
}

func (l ctxLine) String() string {
	d := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return `2026-01-02T03:04:05Z "` + d(l.tp) + `" "` + d(l.b3) + `" "` + d(l.uber) + `" "` + d(l.xray) + `" "` + d(l.sql) + `" ` +
		d(l.xb3TID) + " " + d(l.xb3SID) + " " + d(l.xb3Sampled) + " " + d(l.xb3Flags) + " " + d(l.fwd)
}

func ctxSpec(tc TraceContextSpec) Spec {
	if tc.Fields == nil {
		tc.Fields = []string{"tp", "b3", "uber", "xray", "sql"}
	}
	return Spec{Rule: "ctx", Start: &TimeSpec{Field: "date", Layout: time.RFC3339}, Name: "op", TraceContext: tc}
}

// mapCtx maps one ctxLine under tc.
func mapCtx(t *testing.T, tc TraceContextSpec, l ctxLine) (Span, Outcome, *parsers.Parser) {
	t.Helper()
	p := ctxParser(t)
	m, err := New(ctxSpec(tc), p.FieldNames())
	if err != nil {
		t.Fatal(err)
	}
	match := p.NewMatch()
	if !p.Parse([]byte(l.String()), match) {
		t.Fatalf("line does not parse: %s", l)
	}
	var s Span
	out, err := m.Map(match, &s)
	if err != nil {
		t.Fatal(err)
	}
	return s, out, p
}

// Ids of other traces than validTID's, in every format.
const (
	otherTID = "5759e988bd862e3fe1be46a994272793" // X-Ray's example
	otherSID = "53995c3f42cd8ad8"
	thirdTID = "80f198ee56343ba864fe8b2a57d3eff7"
)

func TestMapFormats(t *testing.T) {
	const encTS = "congo%3Dt61rcWkgMzE"
	sqlWith := func(tp string) string {
		return "SELECT 1 /*traceparent='" + tp + "',tracestate='" + encTS + "'*/"
	}
	type link struct {
		traceID, spanID, format, field string
	}
	tests := []struct {
		name    string
		formats []string
		keep    bool
		line    ctxLine
		out     Outcome // Context, Links set from ctx and links below
		traceID string  // "" the line's own
		parent  string  // "" none
		flags   trace.TraceFlags
		ts      string
		ctx     [2]string // format, field
		links   []link
	}{
		{name: "w3c", line: ctxLine{tp: validTP}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"}},
		{name: "b3 single, sampled", line: ctxLine{b3: b3TID + "-" + b3SID + "-1-" + b3PSID}, out: Outcome{Emit: true},
			traceID: b3TID, parent: b3SID, flags: 0x01, ctx: [2]string{"b3", "b3"}},
		{name: "b3 single, 64-bit trace id padded", line: ctxLine{b3: b3Short + "-" + b3SID}, out: Outcome{Emit: true},
			traceID: "0000000000000000" + b3Short, parent: b3SID, flags: 0x01, ctx: [2]string{"b3", "b3"}},
		{name: "b3 debug", line: ctxLine{b3: b3TID + "-" + b3SID + "-d"}, out: Outcome{Emit: true},
			traceID: b3TID, parent: b3SID, flags: 0x01, ctx: [2]string{"b3", "b3"}},
		{name: "b3 unsampled: no span", line: ctxLine{b3: b3TID + "-" + b3SID + "-0"}, out: Outcome{Unsampled: true},
			traceID: b3TID, parent: b3SID, flags: 0x00, ctx: [2]string{"b3", "b3"}},
		{name: "b3 sampling state alone: a root", line: ctxLine{b3: "0"}, out: Outcome{Emit: true}, flags: 0x01},
		{name: "jaeger", line: ctxLine{uber: jTID + ":" + jSID + ":0:1"}, out: Outcome{Emit: true},
			traceID: jTID, parent: jSID, flags: 0x01, ctx: [2]string{"jaeger", "uber"}},
		{name: "jaeger URL-encoded, unsampled, kept", keep: true, line: ctxLine{uber: jTID + "%3A" + jSID + "%3A0%3A0"}, out: Outcome{Emit: true, Unsampled: true},
			traceID: jTID, parent: jSID, flags: 0x00, ctx: [2]string{"jaeger", "uber"}},
		{name: "xray with Parent", line: ctxLine{xray: "Root=" + xRoot + ";Parent=" + xParent + ";Sampled=1"}, out: Outcome{Emit: true},
			traceID: xTID, parent: xParent, flags: 0x01, ctx: [2]string{"xray", "xray"}},
		{name: "xray Root alone: a root in that trace", line: ctxLine{xray: "Self=1-67891234-12456789abcdef012345678;Root=" + xRoot}, out: Outcome{Emit: true},
			traceID: xTID, flags: 0x01, ctx: [2]string{"xray", "xray"}},
		{name: "xray Sampled=0", line: ctxLine{xray: "Root=" + xRoot + ";Parent=" + xParent + ";Sampled=0"}, out: Outcome{Unsampled: true},
			traceID: xTID, parent: xParent, flags: 0x00, ctx: [2]string{"xray", "xray"}},
		{name: "sqlcommenter, found as w3c with the comment's tracestate", line: ctxLine{sql: sqlWith(validTP)}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ts: "congo=t61rcWkgMzE", ctx: [2]string{"w3c", "sql"}},
		{name: "sqlcommenter alone", formats: []string{"sqlcommenter"}, line: ctxLine{sql: sqlWith(validTP)}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ts: "congo=t61rcWkgMzE", ctx: [2]string{"sqlcommenter", "sql"}},
		{name: "sqlcommenter with encoded dashes", line: ctxLine{sql: sqlWith(strings.ReplaceAll(validTP, "-", "%2D"))}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ts: "congo=t61rcWkgMzE", ctx: [2]string{"sqlcommenter", "sql"}},
		{name: "invalid only: a root, counted", line: ctxLine{uber: "0000000000:" + jSID + ":0:1", xray: "Root=1-xyz"}, out: Outcome{Emit: true, InvalidTraceContext: true}, flags: 0x01},
		{name: "invalid after a valid one: counted too", line: ctxLine{tp: validTP, uber: "0000000000:" + jSID + ":0:1"}, out: Outcome{Emit: true, InvalidTraceContext: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"}},
		{name: "w3c and xray of another trace: parent and link", line: ctxLine{xray: "Root=" + xRoot + ";Parent=" + xParent, tp: validTP}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"},
			links: []link{{xTID, xParent, "xray", "xray"}}},
		{name: "formats reordered: xray first", formats: []string{"xray", "w3c"}, line: ctxLine{xray: "Root=" + xRoot + ";Parent=" + xParent, tp: validTP}, out: Outcome{Emit: true},
			traceID: xTID, parent: xParent, flags: 0x01, ctx: [2]string{"xray", "xray"},
			links: []link{{validTID, validSID, "w3c", "tp"}}},
		{name: "formats narrowed: xray ignored", formats: []string{"w3c"}, line: ctxLine{xray: "Root=" + xRoot + ";Parent=" + xParent, tp: validTP}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"}},
		{name: "same trace twice: no link", line: ctxLine{tp: validTP, uber: validTID + ":" + validSID + ":0:1"}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"}},
		{name: "xray Root alone completed by b3 of the same trace", formats: []string{"xray", "b3"}, line: ctxLine{xray: "Root=" + xRoot, b3: xTID + "-" + b3SID + "-1"}, out: Outcome{Emit: true},
			traceID: xTID, parent: b3SID, flags: 0x01, ctx: [2]string{"b3", "b3"}},
		{name: "xray Root alone is no link", line: ctxLine{tp: validTP, xray: "Root=" + xRoot}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"}},
		{name: "unsampled link, sampled parent", line: ctxLine{tp: validTP, b3: b3TID + "-" + b3SID + "-0"}, out: Outcome{Emit: true},
			traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"},
			links: []link{{b3TID, b3SID, "b3", "b3"}}},
		{name: "links bounded by MaxLinks: the sixth trace is left out", line: ctxLine{
			tp:   validTP,
			b3:   b3TID + "-" + b3SID + " " + "1111111111111111:2222222222222222:0:1",
			uber: jTID[:31] + "1:" + jSID + ":0:1",
			xray: "Root=" + xRoot + ";Parent=" + xParent,
			sql:  "SELECT 1 /*traceparent='00-" + thirdTID[:31] + "1-" + validSID + "-01'*/",
		}, out: Outcome{Emit: true}, traceID: validTID, parent: validSID, flags: 0x01, ctx: [2]string{"w3c", "tp"},
			links: []link{
				{thirdTID[:31] + "1", validSID, "w3c", "sql"},
				{b3TID, b3SID, "b3", "b3"},
				{"00000000000000001111111111111111", "2222222222222222", "jaeger", "b3"},
				{jTID[:31] + "1", jSID, "jaeger", "uber"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, out, p := mapCtx(t, TraceContextSpec{Formats: tt.formats, KeepUnsampled: tt.keep}, tt.line)
			want := tt.out
			if tt.ctx[0] != "" {
				want.Context = ContextInfo{Format: tt.ctx[0], Field: p.FieldIndex(tt.ctx[1])}
			}
			var wantLinks []Link
			for i, l := range tt.links {
				want.Links[i] = ContextInfo{Format: l.format, Field: p.FieldIndex(l.field)}
				flags := trace.FlagsSampled
				if l.format == "b3" && strings.HasSuffix(tt.line.b3, "-0") {
					flags = 0
				}
				wantLinks = append(wantLinks, Link{TraceID: mustTraceID(t, l.traceID), SpanID: mustSpanID(t, l.spanID), Flags: flags, Format: l.format})
			}
			if out != want {
				t.Errorf("outcome %+v\nwant    %+v", out, want)
			}
			tid, sid := IDs("ctx", []byte(tt.line.String()))
			if tt.traceID != "" {
				tid = mustTraceID(t, tt.traceID)
			}
			if s.TraceID != tid || s.SpanID != sid {
				t.Errorf("ids %s/%s, want %s/%s", s.TraceID, s.SpanID, tid, sid)
			}
			if tt.parent == "" && s.HasParent() || tt.parent != "" && s.Parent != mustSpanID(t, tt.parent) {
				t.Errorf("parent %s, want %q", s.Parent, tt.parent)
			}
			if s.Flags != tt.flags {
				t.Errorf("flags %s, want %s", s.Flags, tt.flags)
			}
			if !out.Emit {
				return
			}
			if s.TraceState != tt.ts {
				t.Errorf("tracestate %q, want %q", s.TraceState, tt.ts)
			}
			if len(s.Links)+len(wantLinks) > 0 && !reflect.DeepEqual(s.Links, wantLinks) {
				t.Errorf("links\n got  %+v\n want %+v", s.Links, wantLinks)
			}
		})
	}
}

func TestMapB3MultiHeaders(t *testing.T) {
	b3 := B3FieldsSpec{TraceID: "xb3_tid", SpanID: "xb3_sid", Sampled: "xb3_sampled", Flags: "xb3_flags"}
	tests := []struct {
		name          string
		line          ctxLine
		found         bool
		tid           string
		flags         trace.TraceFlags
		emit, invalid bool
	}{
		{"sampled", ctxLine{xb3TID: b3TID, xb3SID: b3SID, xb3Sampled: "1"}, true, b3TID, 0x01, true, false},
		{"sampling absent: kept", ctxLine{xb3TID: b3TID, xb3SID: b3SID}, true, b3TID, 0x01, true, false},
		{"not sampled", ctxLine{xb3TID: b3TID, xb3SID: b3SID, xb3Sampled: "0"}, true, b3TID, 0x00, false, false},
		{"true, leniently", ctxLine{xb3TID: b3TID, xb3SID: b3SID, xb3Sampled: "true"}, true, b3TID, 0x01, true, false},
		{"debug overrides not sampled", ctxLine{xb3TID: b3TID, xb3SID: b3SID, xb3Sampled: "0", xb3Flags: "1"}, true, b3TID, 0x01, true, false},
		{"64-bit trace id padded", ctxLine{xb3TID: b3Short, xb3SID: b3SID}, true, "0000000000000000" + b3Short, 0x01, true, false},
		{"span id missing: invalid", ctxLine{xb3TID: b3TID}, false, "", 0x01, true, true},
		{"bad sampled: invalid", ctxLine{xb3TID: b3TID, xb3SID: b3SID, xb3Sampled: "yes"}, false, "", 0x01, true, true},
		{"uppercase: invalid", ctxLine{xb3TID: strings.ToUpper(b3TID), xb3SID: b3SID}, false, "", 0x01, true, true},
		{"none", ctxLine{xb3Sampled: "1"}, false, "", 0x01, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, out, p := mapCtx(t, TraceContextSpec{B3: b3}, tt.line)
			want := Outcome{Emit: tt.emit, Unsampled: !tt.emit, InvalidTraceContext: tt.invalid}
			if tt.found {
				want.Context = ContextInfo{Format: FormatB3, Field: p.FieldIndex("xb3_tid")}
			}
			if out != want {
				t.Errorf("outcome %+v, want %+v", out, want)
			}
			if tt.found != s.HasParent() || tt.found && (s.TraceID != mustTraceID(t, tt.tid) || s.Parent != mustSpanID(t, b3SID)) {
				t.Errorf("trace %s parent %s, want %q %v", s.TraceID, s.Parent, tt.tid, tt.found)
			}
			if s.Flags != tt.flags {
				t.Errorf("flags %s, want %s", s.Flags, tt.flags)
			}
		})
	}
}

// TestMapForwardedFormats: the forwarded context may be in any format,
// whatever the caller's is.
func TestMapForwardedFormats(t *testing.T) {
	const fwdSID = "b7ad6b7169203331"
	tests := []struct {
		name, fwd, format string
	}{
		{"b3", validTID + "-" + fwdSID + "-1", "b3"},
		{"jaeger", validTID + ":" + fwdSID + ":" + validSID + ":1", "jaeger"},
		{"jaeger with short ids", "4bf92f3577b34da6a3ce929d0e0e4736:7ad6b7169203331:0:1", "jaeger"},
		{"w3c", "00-" + validTID + "-" + fwdSID + "-01", "w3c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, out, p := mapCtx(t, TraceContextSpec{Forwarded: "fwd"}, ctxLine{tp: validTP, fwd: tt.fwd})
			want := Outcome{Emit: true,
				Context:   ContextInfo{Format: FormatW3C, Field: p.FieldIndex("tp")},
				Forwarded: ContextInfo{Format: tt.format, Field: p.FieldIndex("fwd")}}
			if out != want {
				t.Errorf("outcome %+v, want %+v", out, want)
			}
			wantSID := mustSpanID(t, fwdSID)
			if tt.name == "jaeger with short ids" {
				wantSID = mustSpanID(t, "07ad6b7169203331")
			}
			if s.TraceID != mustTraceID(t, validTID) || s.SpanID != wantSID || s.Parent != mustSpanID(t, validSID) {
				t.Errorf("span %s/%s parent %s", s.TraceID, s.SpanID, s.Parent)
			}
		})
	}
	// A forwarded X-Ray header without Parent names no span: ignored.
	s, out, _ := mapCtx(t, TraceContextSpec{Forwarded: "fwd"}, ctxLine{tp: validTP, fwd: "Root=" + xRoot})
	if out.Forwarded.Found() || out.InvalidTraceContext || s.Parent != mustSpanID(t, validSID) {
		t.Errorf("X-Ray Root alone forwarded: outcome %+v parent %s", out, s.Parent)
	}
	// One no format reads: counted.
	_, out, _ = mapCtx(t, TraceContextSpec{Forwarded: "fwd", Formats: []string{"b3"}}, ctxLine{tp: validTP, fwd: validTP})
	if out.Forwarded.Found() || !out.InvalidTraceContext {
		t.Errorf("w3c forwarded to a b3-only rule: outcome %+v", out)
	}
}

// TestMapLinksReuse checks that links reuse the Span's capacity: mapping
// a line with a link into a used Span allocates nothing, and a line
// without links leaves none from the line before.
func TestMapLinksReuse(t *testing.T) {
	p := ctxParser(t)
	m, err := New(ctxSpec(TraceContextSpec{}), p.FieldNames())
	if err != nil {
		t.Fatal(err)
	}
	linked, plain := p.NewMatch(), p.NewMatch()
	if !p.Parse([]byte(ctxLine{tp: validTP, xray: "Root=" + xRoot + ";Parent=" + xParent}.String()), linked) ||
		!p.Parse([]byte(ctxLine{tp: validTP}.String()), plain) {
		t.Fatal("test lines do not parse")
	}
	var s Span
	if _, err := m.Map(linked, &s); err != nil || len(s.Links) != 1 {
		t.Fatalf("links %v, err %v", s.Links, err)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = m.Map(linked, &s) }); allocs != 0 {
		t.Errorf("%.1f allocations per line with a link", allocs)
	}
	if _, _ = m.Map(plain, &s); len(s.Links) != 0 {
		t.Errorf("links left from the line before: %v", s.Links)
	}
}

func TestTraceContextSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		tc   TraceContextSpec
		path string
		msg  string
	}{
		{"unknown format", TraceContextSpec{Formats: []string{"w3c", "zipkin"}}, "trace_context.formats[1]", `unknown format "zipkin" (expected w3c, b3, jaeger, xray, sqlcommenter)`},
		{"typo", TraceContextSpec{Formats: []string{"x-ray"}}, "trace_context.formats[0]", `did you mean "xray"?`},
		{"twice", TraceContextSpec{Formats: []string{"b3", "B3"}}, "trace_context.formats[1]", "listed twice"},
		{"b3 fields without b3", TraceContextSpec{Formats: []string{"w3c"}, B3: B3FieldsSpec{TraceID: "xb3_tid", SpanID: "xb3_sid"}}, "trace_context.b3", `"b3" is not in trace_context.formats`},
		{"b3 span id missing", TraceContextSpec{B3: B3FieldsSpec{TraceID: "xb3_tid"}}, "trace_context.b3.span_id", "required"},
		{"b3 trace id missing", TraceContextSpec{B3: B3FieldsSpec{Sampled: "xb3_sampled"}}, "trace_context.b3.trace_id", "required"},
		{"b3 unknown field", TraceContextSpec{B3: B3FieldsSpec{TraceID: "xb3_tid", SpanID: "xb3_sid", Flags: "xb3_flag"}}, "trace_context.b3.flags", `did you mean "xb3_flags"?`},
	}
	fields := ctxParser(t).FieldNames()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(ctxSpec(tt.tc), fields)
			var se *SpecError
			if !errors.As(err, &se) || se.Path != tt.path || !strings.Contains(se.Error(), tt.msg) {
				t.Fatalf("error %v, want a SpecError at %s saying %q", err, tt.path, tt.msg)
			}
		})
	}
	if _, err := New(ctxSpec(TraceContextSpec{Formats: []string{" XRay ", "w3c"}}), fields); err != nil {
		t.Errorf("names are read ignoring case and spaces: %v", err)
	}
}
