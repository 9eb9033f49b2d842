package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/parsers"
)

// haproxyRE stands in for the HAProxy parser: an httplog line (HAProxy 1.7+)
// with optional capture blocks, fields named as the parser names them.
var haproxyRE = regexp.MustCompile(`^(?:\S+ +\d+ [\d:]+ \S+ )?\S+\[\d+\]: ` +
	`(?P<client_ip>[^:\s]+):(?P<client_port>\d+) \[(?P<request_date>[^\]]+)\] ` +
	`(?P<frontend>[^\s~]+)(?P<frontend_tls>~)? (?P<backend>[^/\s]+)/(?P<server>\S+) ` +
	`(?P<request_time_ms>-?\d+)/(?P<queue_time_ms>-?\d+)/(?P<connect_time_ms>-?\d+)/(?P<response_time_ms>-?\d+)/(?P<active_time_ms>[+-]?\d+) ` +
	`(?P<status_code>-?\d+) (?P<bytes_read>[+-]?\d+) (?P<captured_request_cookie>\S+) (?P<captured_response_cookie>\S+) ` +
	`(?P<termination_state>\S+) (?P<actconn>\d+)/(?P<feconn>\d+)/(?P<beconn>\d+)/(?P<srv_conn>\d+)/(?P<retries>\+?\d+) ` +
	`(?P<srv_queue>\d+)/(?P<backend_queue>\d+)` +
	`(?: \{(?P<captured_request_headers>[^}]*)\})?(?: \{(?P<captured_response_headers>[^}]*)\})? ` +
	`"(?P<request_line>(?P<http_method>[A-Z]+) (?P<url_path>[^?\s]*)(?:\?(?P<url_query>\S*))? HTTP/(?P<http_version>[\d.]+)|[^"]*)"$`)

// haproxyFields are the parser's field names, index = field number (the
// regexp's group number minus one, since group 0 is the whole match).
var haproxyFields = haproxyRE.SubexpNames()[1:]

// haproxyField is the number of a field of haproxyFields.
func haproxyField(t testing.TB, name string) int {
	t.Helper()
	for i, f := range haproxyFields {
		if f == name {
			return i
		}
	}
	t.Fatalf("no field %q", name)
	return -1
}

// matchLine parses a line as the parser would.
func matchLine(t testing.TB, line string) *parsers.Match {
	t.Helper()
	m, ok := tryMatch([]byte(line))
	if !ok {
		t.Fatalf("test line does not match the HAProxy regexp: %s", line)
	}
	return m
}

func tryMatch(line []byte) (*parsers.Match, bool) {
	idx := haproxyRE.FindSubmatchIndex(line)
	if idx == nil {
		return nil, false
	}
	return &parsers.Match{Line: line, Data: line, Index: idx[2:]}, true
}

// haproxySpec is a rule like the one logspan ships for HAProxy's httplog.
func haproxySpec(loc *time.Location) Spec {
	return Spec{
		Rule:     "haproxy_http",
		Service:  "haproxy",
		Start:    &TimeSpec{Field: "request_date", Layout: "02/Jan/2006:15:04:05.000", Location: loc},
		Duration: &DurationSpec{Field: "active_time_ms", Unit: "ms", LowerBoundAttribute: "haproxy.logasap"},
		Name:     "{http_method|HTTP} {backend}",
		Kind:     "server",
		Attributes: []AttributeSpec{
			{Name: "http.request.method", Field: "http_method"},
			{Name: "url.path", Field: "url_path"},
			{Name: "url.query", Field: "url_query"},
			{Name: "url.scheme", Field: "frontend_tls", Value: "https"},
			{Name: "url.scheme", Value: "http"},
			{Name: "network.protocol.version", Field: "http_version"},
			{Name: "http.response.status_code", Field: "status_code", Type: "int"},
			{Name: "http.response.size", Field: "bytes_read", Type: "int"},
			{Name: "client.address", Field: "client_ip"},
			{Name: "client.port", Field: "client_port", Type: "int"},
			{Name: "haproxy.frontend", Field: "frontend"},
			{Name: "haproxy.backend", Field: "backend"},
			{Name: "haproxy.server", Field: "server"},
			{Name: "haproxy.termination_state", Field: "termination_state"},
		},
		Events: []EventSpec{
			{Name: "haproxy.request", Duration: "request_time_ms"},
			{Name: "haproxy.queue", Duration: "queue_time_ms"},
			{Name: "haproxy.connect", Duration: "connect_time_ms"},
			{Name: "haproxy.response", Duration: "response_time_ms"},
		},
		Status: []StatusSpec{
			{Field: "status_code", Min: 500, Max: 599, ErrorType: "{status_code}"},
			{Field: "termination_state", Match: "^[CSPRIDUKcs]", ErrorType: "{termination_state}", Message: "terminated {termination_state}"},
		},
		Captures: []CaptureSpec{
			{Field: "captured_request_headers", Names: []string{"Host", "traceparent", "tracestate"}, Prefix: "http.request.header."},
			{Field: "captured_response_headers", Names: []string{"Content-Type"}, Prefix: "http.response.header."},
		},
		TraceContext: TraceContextSpec{Fields: []string{"captured_request_headers"}},
	}
}

func newMapper(t testing.TB, spec Spec) *Mapper {
	t.Helper()
	m, err := New(spec, haproxyFields)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// commonAttrs builds the attributes every test line has, in Spec order.
func commonAttrs(method, path, query, scheme, version string, status, size int64, ip string, port int64, fe, be, srv, ts string) []attribute.KeyValue {
	var a []attribute.KeyValue
	if method != "" {
		a = append(a, attribute.String("http.request.method", method))
	}
	if path != "" {
		a = append(a, attribute.String("url.path", path))
	}
	if query != "" {
		a = append(a, attribute.String("url.query", query))
	}
	a = append(a, attribute.String("url.scheme", scheme))
	if version != "" {
		a = append(a, attribute.String("network.protocol.version", version))
	}
	return append(a,
		attribute.Int64("http.response.status_code", status),
		attribute.Int64("http.response.size", size),
		attribute.String("client.address", ip),
		attribute.Int64("client.port", port),
		attribute.String("haproxy.frontend", fe),
		attribute.String("haproxy.backend", be),
		attribute.String("haproxy.server", srv),
		attribute.String("haproxy.termination_state", ts),
	)
}

const (
	lineOK = `haproxy[14389]: 10.0.1.2:33317 [06/Feb/2026:12:14:14.655] http-in~ be_web/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 ` +
		`{example.com|` + validTP + `|congo=t61rcWkgMzE} {text/html} "GET /index.html?x=1 HTTP/1.1"`
	line503 = `haproxy[14389]: 10.0.1.3:40000 [06/Feb/2026:12:15:00.001] http-in be_web/srv2 5/0/-1/-1/3007 503 217 - - SC-- 2/2/0/0/3 0/0 ` +
		`{api.example.com||} {} "POST /api/v1/orders HTTP/1.1"`
	line404 = `haproxy[14389]: 10.0.1.4:40001 [06/Feb/2026:12:16:00.500] http-in be_web/srv1 1/0/1/2/4 404 150 - - ---- 1/1/1/1/0 0/0 ` +
		`{example.com||} {} "GET /missing HTTP/1.1"`
	lineLogasap = `haproxy[674]: 127.0.0.1:33320 [15/Oct/2003:08:32:17.654] px-http be_web/srv1 9/0/7/14/+30 200 +243 - - ---- 3/3/3/1/0 0/0 "GET /image.iso HTTP/1.0"`
	lineBadreq  = `haproxy[18113]: 127.0.0.1:34548 [15/Oct/2003:15:18:55.798] px-http px-http/<NOSRV> -1/-1/-1/-1/8490 -1 0 - - CR-- 2/2/2/0/0 0/0 ""`
)

func TestMapHAProxy(t *testing.T) {
	m := newMapper(t, haproxySpec(time.UTC))
	t0 := time.Date(2026, 2, 6, 12, 14, 14, 655e6, time.UTC)
	t503 := time.Date(2026, 2, 6, 12, 15, 0, 1e6, time.UTC)
	t404 := time.Date(2026, 2, 6, 12, 16, 0, 500e6, time.UTC)
	tLA := time.Date(2003, 10, 15, 8, 32, 17, 654e6, time.UTC)
	tBad := time.Date(2003, 10, 15, 15, 18, 55, 798e6, time.UTC)
	id := func(line string) (trace.TraceID, trace.SpanID) { return IDs("haproxy_http", []byte(line)) }
	_, okSpan := id(lineOK)
	tid503, sid503 := id(line503)
	tid404, sid404 := id(line404)
	tidLA, sidLA := id(lineLogasap)
	tidBad, sidBad := id(lineBadreq)

	tests := []struct {
		name string
		line string
		want Span
	}{
		{
			name: "200 with a captured traceparent",
			line: lineOK,
			want: Span{
				TraceID: mustTraceID(t, validTID), SpanID: okSpan, Parent: mustSpanID(t, validSID),
				Flags: trace.FlagsSampled, TraceState: "congo=t61rcWkgMzE",
				Name: "GET be_web", Start: t0, End: t0.Add(ms(109)),
				Attributes: append(commonAttrs("GET", "/index.html", "x=1", "https", "1.1", 200, 2750, "10.0.1.2", 33317, "http-in", "be_web", "srv1", "----"),
					attribute.String("http.request.header.host", "example.com"),
					attribute.String("http.response.header.content-type", "text/html")),
				Events: []Event{
					{"haproxy.request", t0.Add(ms(10))},
					{"haproxy.queue", t0.Add(ms(10))},
					{"haproxy.connect", t0.Add(ms(40))},
					{"haproxy.response", t0.Add(ms(109))},
				},
			},
		},
		{
			name: "503 connection refused",
			line: line503,
			want: Span{
				TraceID: tid503, SpanID: sid503, Flags: trace.FlagsSampled,
				Name: "POST be_web", Start: t503, End: t503.Add(ms(3007)),
				Attributes: append(commonAttrs("POST", "/api/v1/orders", "", "http", "1.1", 503, 217, "10.0.1.3", 40000, "http-in", "be_web", "srv2", "SC--"),
					attribute.String("http.request.header.host", "api.example.com"),
					attribute.String("error.type", "503")),
				Events: []Event{
					{"haproxy.request", t503.Add(ms(5))},
					{"haproxy.queue", t503.Add(ms(5))},
				},
				Status: codes.Error,
			},
		},
		{
			name: "404 is not an error on a server span",
			line: line404,
			want: Span{
				TraceID: tid404, SpanID: sid404, Flags: trace.FlagsSampled,
				Name: "GET be_web", Start: t404, End: t404.Add(ms(4)),
				Attributes: append(commonAttrs("GET", "/missing", "", "http", "1.1", 404, 150, "10.0.1.4", 40001, "http-in", "be_web", "srv1", "----"),
					attribute.String("http.request.header.host", "example.com")),
				Events: []Event{
					{"haproxy.request", t404.Add(ms(1))},
					{"haproxy.queue", t404.Add(ms(1))},
					{"haproxy.connect", t404.Add(ms(2))},
					{"haproxy.response", t404.Add(ms(4))},
				},
			},
		},
		{
			name: "logasap: + values are lower bounds",
			line: lineLogasap,
			want: Span{
				TraceID: tidLA, SpanID: sidLA, Flags: trace.FlagsSampled,
				Name: "GET be_web", Start: tLA, End: tLA.Add(ms(30)),
				Attributes: append(commonAttrs("GET", "/image.iso", "", "http", "1.0", 200, 243, "127.0.0.1", 33320, "px-http", "be_web", "srv1", "----"),
					attribute.Bool("haproxy.logasap", true)),
				Events: []Event{
					{"haproxy.request", tLA.Add(ms(9))},
					{"haproxy.queue", tLA.Add(ms(9))},
					{"haproxy.connect", tLA.Add(ms(16))},
					{"haproxy.response", tLA.Add(ms(30))},
				},
			},
		},
		{
			name: "bad request: -1 timers, no method",
			line: lineBadreq,
			want: Span{
				TraceID: tidBad, SpanID: sidBad, Flags: trace.FlagsSampled,
				Name: "HTTP px-http", Start: tBad, End: tBad.Add(ms(8490)),
				Attributes: append(commonAttrs("", "", "", "http", "", -1, 0, "127.0.0.1", 34548, "px-http", "px-http", "<NOSRV>", "CR--"),
					attribute.String("error.type", "CR--")),
				Status:        codes.Error,
				StatusMessage: "terminated CR--",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Rule, tt.want.Service, tt.want.Kind = "haproxy_http", "haproxy", trace.SpanKindServer
			var s Span
			out, err := m.Map(matchLine(t, tt.line), &s)
			if err != nil {
				t.Fatal(err)
			}
			wantOut := Outcome{Emit: true}
			if tt.want.HasParent() {
				wantOut.Context = ContextInfo{Format: FormatW3C, Field: haproxyField(t, "captured_request_headers")}
			}
			if out != wantOut {
				t.Errorf("outcome %+v, want %+v", out, wantOut)
			}
			assertSpan(t, &s, &tt.want)
			// The same line again, into a used Span: identical, ids included.
			var s2 Span
			if _, err := m.Map(matchLine(t, tt.line), &s2); err != nil {
				t.Fatal(err)
			}
			assertSpan(t, &s2, &s)
		})
	}
}

// assertSpan compares spans field by field so that a failure says which
// part differs.
func assertSpan(t *testing.T, got, want *Span) {
	t.Helper()
	if got.TraceID != want.TraceID || got.SpanID != want.SpanID || got.Parent != want.Parent || got.Flags != want.Flags {
		t.Errorf("ids: got %s/%s parent %s flags %s, want %s/%s parent %s flags %s",
			got.TraceID, got.SpanID, got.Parent, got.Flags, want.TraceID, want.SpanID, want.Parent, want.Flags)
	}
	if got.TraceState != want.TraceState {
		t.Errorf("tracestate %q, want %q", got.TraceState, want.TraceState)
	}
	if got.Rule != want.Rule || got.Service != want.Service || got.Name != want.Name || got.Kind != want.Kind {
		t.Errorf("rule/service/name/kind: got %q %q %q %s, want %q %q %q %s",
			got.Rule, got.Service, got.Name, got.Kind, want.Rule, want.Service, want.Name, want.Kind)
	}
	if !got.Start.Equal(want.Start) || !got.End.Equal(want.End) {
		t.Errorf("start/end: got %s .. %s, want %s .. %s", got.Start, got.End, want.Start, want.End)
	}
	if !reflect.DeepEqual(got.Attributes, want.Attributes) && !(len(got.Attributes) == 0 && len(want.Attributes) == 0) {
		t.Errorf("attributes:\n got  %v\n want %v", got.Attributes, want.Attributes)
	}
	if len(got.Events) != len(want.Events) {
		t.Errorf("events: got %v, want %v", got.Events, want.Events)
	} else {
		for i := range got.Events {
			if got.Events[i].Name != want.Events[i].Name || !got.Events[i].Time.Equal(want.Events[i].Time) {
				t.Errorf("event %d: got %v, want %v", i, got.Events[i], want.Events[i])
			}
		}
	}
	if got.Status != want.Status || got.StatusMessage != want.StatusMessage {
		t.Errorf("status: got %s %q, want %s %q", got.Status, got.StatusMessage, want.Status, want.StatusMessage)
	}
}

func TestMapIDs(t *testing.T) {
	m := newMapper(t, haproxySpec(time.UTC))
	spec2 := haproxySpec(time.UTC)
	spec2.Rule = "haproxy_other"
	m2 := newMapper(t, spec2)
	var a, b, c, d Span
	mustMap(t, m, line404, &a)
	mustMap(t, m, line404, &b)
	mustMap(t, m, strings.Replace(line404, "40001", "40002", 1), &c)
	mustMap(t, m2, line404, &d)
	if a.TraceID != b.TraceID || a.SpanID != b.SpanID {
		t.Error("the same line gave different ids")
	}
	if c.TraceID == a.TraceID || c.SpanID == a.SpanID {
		t.Error("different lines gave the same ids")
	}
	if d.TraceID == a.TraceID || d.SpanID == a.SpanID {
		t.Error("different rules gave the same ids")
	}
	// With a parent: the trace id is the parent's, the span id still the line's.
	var p1, p2 Span
	mustMap(t, m, lineOK, &p1)
	mustMap(t, m, strings.Replace(lineOK, "33317", "33318", 1), &p2)
	if p1.TraceID != p2.TraceID || p1.SpanID == p2.SpanID || p1.Parent != p2.Parent {
		t.Errorf("children of one parent: %s/%s and %s/%s", p1.TraceID, p1.SpanID, p2.TraceID, p2.SpanID)
	}
}

func mustMap(t *testing.T, m *Mapper, line string, s *Span) Outcome {
	t.Helper()
	out, err := m.Map(matchLine(t, line), s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMapTraceContext(t *testing.T) {
	unsampled := "00-" + validTID + "-" + validSID + "-00"
	upper := "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"
	withTP := func(tp, ts string) string {
		return strings.Replace(lineOK, validTP+"|congo=t61rcWkgMzE", tp+"|"+ts, 1)
	}
	tests := []struct {
		name       string
		line       string
		keep       bool
		allFields  bool
		out        Outcome
		parent     bool
		flags      trace.TraceFlags
		traceState string
		hostAttr   bool
	}{
		{"sampled parent", lineOK, false, false, Outcome{Emit: true}, true, 0x01, "congo=t61rcWkgMzE", true},
		{"unsampled parent dropped", withTP(unsampled, ""), false, false, Outcome{Emit: false, Unsampled: true}, true, 0x00, "", false},
		{"unsampled parent kept", withTP(unsampled, "a=1"), true, false, Outcome{Emit: true, Unsampled: true}, true, 0x00, "a=1", true},
		{"random flag kept, unknown bits dropped", withTP("00-"+validTID+"-"+validSID+"-ff", ""), false, false, Outcome{Emit: true}, true, 0x03, "", true},
		{"invalid traceparent counts as absent", withTP(upper, "a=1"), false, false, Outcome{Emit: true, InvalidTraceContext: true}, false, 0x01, "", true},
		{"bad tracestate dropped", withTP(validTP, "no member"), false, false, Outcome{Emit: true}, true, 0x01, "", true},
		{"no traceparent: root", line404, false, false, Outcome{Emit: true}, false, 0x01, "", true},
		{"all fields searched", lineOK, false, true, Outcome{Emit: true}, true, 0x01, "congo=t61rcWkgMzE", true},
		{"traceparent in the url query", strings.Replace(line404, "/missing", "/missing?tp="+validTP, 1), false, true, Outcome{Emit: true}, true, 0x01, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := haproxySpec(time.UTC)
			spec.TraceContext.KeepUnsampled = tt.keep
			if tt.allFields {
				spec.TraceContext.Fields = nil
			}
			m := newMapper(t, spec)
			var s Span
			out := mustMap(t, m, tt.line, &s)
			if tt.parent {
				in := "captured_request_headers"
				if strings.Contains(tt.name, "url query") {
					in = "request_line" // the first field holding it
				}
				tt.out.Context = ContextInfo{Format: FormatW3C, Field: haproxyField(t, in)}
			}
			if out != tt.out {
				t.Errorf("outcome %+v, want %+v", out, tt.out)
			}
			if s.HasParent() != tt.parent {
				t.Fatalf("HasParent = %v", s.HasParent())
			}
			wantTID, wantSID := IDs("haproxy_http", []byte(tt.line))
			if tt.parent {
				wantTID = mustTraceID(t, validTID)
				if s.Parent != mustSpanID(t, validSID) {
					t.Errorf("parent %s", s.Parent)
				}
			}
			if s.TraceID != wantTID || s.SpanID != wantSID {
				t.Errorf("ids %s/%s, want %s/%s", s.TraceID, s.SpanID, wantTID, wantSID)
			}
			if s.Flags != tt.flags {
				t.Errorf("flags %s, want %s", s.Flags, tt.flags)
			}
			if !out.Emit {
				return
			}
			if s.TraceState != tt.traceState {
				t.Errorf("tracestate %q, want %q", s.TraceState, tt.traceState)
			}
			for _, kv := range s.Attributes {
				if kv.Key == "url.query" {
					continue // the query is the query, traceparent or not
				}
				if strings.Contains(kv.Value.String(), "4bf92f35") || strings.Contains(kv.Value.String(), "4BF92F35") ||
					kv.Key == "http.request.header.traceparent" || kv.Key == "http.request.header.tracestate" {
					t.Errorf("trace context leaked into attribute %s=%s", kv.Key, kv.Value.String())
				}
			}
			if hasKey(s.Attributes, "http.request.header.host") != tt.hostAttr {
				t.Errorf("host attribute missing: %v", s.Attributes)
			}
		})
	}
}

func TestMapCaptures(t *testing.T) {
	fields := []string{"date", "req"}
	re := regexp.MustCompile(`^\[(?P<date>[^\]]*)\] (?:\{(?P<req>[^}]*)\})?`)
	tests := []struct {
		name  string
		names []string
		block string
		want  []attribute.KeyValue
	}{
		{"named, escaped", []string{"Host", "X-Forwarded-For"}, "{a#7Cb.example#23com|10.0.0.1#2C 10.0.0.2}",
			[]attribute.KeyValue{attribute.String("h.host", "a|b.example#com"), attribute.String("h.x-forwarded-for", "10.0.0.1, 10.0.0.2")}},
		{"empty values skipped", []string{"Host", "User-Agent", "Referer"}, "{||curl/8}",
			[]attribute.KeyValue{attribute.String("h.referer", "curl/8")}},
		{"more values than names", []string{"Host"}, "{h|x|y}",
			[]attribute.KeyValue{attribute.String("h.host", "h"), attribute.String("h.1", "x"), attribute.String("h.2", "y")}},
		{"unnamed traceparent-shaped skipped", nil, "{h|" + validTP + "|00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01|z}",
			[]attribute.KeyValue{attribute.String("h.0", "h"), attribute.String("h.3", "z")}},
		{"named traceparent and tracestate skipped", []string{"TraceParent", "TRACESTATE", "Host"}, "{x|y|h}",
			[]attribute.KeyValue{attribute.String("h.host", "h")}},
		{"lone hash kept", []string{"A"}, "{50#|#zz}", []attribute.KeyValue{attribute.String("h.a", "50#"), attribute.String("h.1", "#zz")}},
		{"invalid UTF-8 replaced", []string{"A"}, "{caf\xe9}", []attribute.KeyValue{attribute.String("h.a", "caf\uFFFD")}},
		{"many unnamed", nil, "{a|b|c|d|e|f|g|h|i|j|k}", func() []attribute.KeyValue {
			var a []attribute.KeyValue
			for i, v := range "abcdefghijk" {
				a = append(a, attribute.String("h."+strconv.Itoa(i), string(v)))
			}
			return a
		}()},
		{"no block", []string{"Host"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(Spec{
				Rule:     "r",
				Start:    &TimeSpec{Field: "date", Epoch: "s"},
				Captures: []CaptureSpec{{Field: "req", Names: tt.names, Prefix: "h."}},
			}, fields)
			if err != nil {
				t.Fatal(err)
			}
			line := []byte("[1770380054] " + tt.block)
			idx := re.FindSubmatchIndex(line)
			var s Span
			if _, err := m.Map(&parsers.Match{Line: line, Data: line, Index: idx[2:]}, &s); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Attributes, tt.want) && len(s.Attributes)+len(tt.want) > 0 {
				t.Errorf("attributes\n got  %v\n want %v", s.Attributes, tt.want)
			}
		})
	}
}

// genericRE is a small parser for tests of single features.
var genericRE = regexp.MustCompile(`^(?P<date>\S+) (?P<a>\S*) (?P<b>\S*) (?P<c>\S*) (?P<d>\S*)$`)
var genericFields = genericRE.SubexpNames()[1:]

func mapGeneric(t *testing.T, spec Spec, line string) (Span, Outcome, error) {
	t.Helper()
	if spec.Rule == "" {
		spec.Rule = "generic"
	}
	if spec.Start == nil && spec.End == nil {
		spec.Start = &TimeSpec{Field: "date", Epoch: "ms", Location: time.UTC}
	}
	m, err := New(spec, genericFields)
	if err != nil {
		t.Fatal(err)
	}
	idx := genericRE.FindSubmatchIndex([]byte(line))
	if idx == nil {
		t.Fatalf("generic line %q does not match", line)
	}
	var s Span
	out, err := m.Map(&parsers.Match{Line: []byte(line), Data: []byte(line), Index: idx[2:]}, &s)
	return s, out, err
}

func TestMapValues(t *testing.T) {
	base := time.UnixMilli(1770380054655).UTC()
	tests := []struct {
		name     string
		spec     Spec
		line     string
		attrs    []attribute.KeyValue
		bad      int
		end      time.Duration
		events   int
		spanName string
	}{
		{"int with plus and minus", Spec{Attributes: []AttributeSpec{{Name: "p", Field: "a", Type: "int"}, {Name: "m", Field: "b", Type: "int"}}},
			"1770380054655 +243 -1 - -", []attribute.KeyValue{attribute.Int64("p", 243), attribute.Int64("m", -1)}, 0, 0, 0, ""},
		{"bad values counted and left out", Spec{Attributes: []AttributeSpec{{Name: "i", Field: "a", Type: "int"}, {Name: "f", Field: "b", Type: "float"}, {Name: "b", Field: "c", Type: "bool"}, {Name: "i2", Field: "d", Type: "int"}}},
			"1770380054655 12x 1.5.1 yes 99999999999999999999", nil, 4, 0, 0, ""},
		{"float and bool", Spec{Attributes: []AttributeSpec{{Name: "f", Field: "a", Type: "float"}, {Name: "t", Field: "b", Type: "bool"}, {Name: "z", Field: "c", Type: "bool"}, {Name: "F", Field: "d", Type: "bool"}}},
			"1770380054655 +0.25 true 0 FALSE", []attribute.KeyValue{attribute.Float64("f", 0.25), attribute.Bool("t", true), attribute.Bool("z", false), attribute.Bool("F", false)}, 0, 0, 0, ""},
		{"absent values: dash, empty, custom", Spec{Absent: []string{"-", "n/a"}, Attributes: []AttributeSpec{{Name: "a", Field: "a"}, {Name: "b", Field: "b"}, {Name: "c", Field: "c"}, {Name: "d", Field: "d"}}},
			"1770380054655 - n/a  x", []attribute.KeyValue{attribute.String("d", "x")}, 0, 0, 0, ""},
		{"first value for a name wins", Spec{Attributes: []AttributeSpec{{Name: "x", Field: "a"}, {Name: "x", Field: "b"}, {Name: "x", Value: "const"}}},
			"1770380054655 - second - -", []attribute.KeyValue{attribute.String("x", "second")}, 0, 0, 0, ""},
		{"constant when present", Spec{Attributes: []AttributeSpec{{Name: "x", Field: "a", Value: "yes", Type: "string"}, {Name: "y", Field: "b", Value: "7", Type: "int"}}},
			"1770380054655 - on - -", []attribute.KeyValue{attribute.Int64("y", 7)}, 0, 0, 0, ""},
		{"duration lower bound", Spec{Duration: &DurationSpec{Field: "a", LowerBoundAttribute: "lb"}},
			"1770380054655 +30 - - -", []attribute.KeyValue{attribute.Bool("lb", true)}, 0, ms(30), 0, ""},
		{"duration -1: end = start", Spec{Duration: &DurationSpec{Field: "a", LowerBoundAttribute: "lb"}},
			"1770380054655 -1 - - -", nil, 0, 0, 0, ""},
		{"duration absent", Spec{Duration: &DurationSpec{Field: "a"}},
			"1770380054655 - - - -", nil, 0, 0, 0, ""},
		{"duration garbage counted", Spec{Duration: &DurationSpec{Field: "a"}},
			"1770380054655 soon - - -", nil, 1, 0, 0, ""},
		{"duration in seconds with fraction", Spec{Duration: &DurationSpec{Field: "a", Unit: "s"}},
			"1770380054655 0.123 - - -", nil, 0, ms(123), 0, ""},
		{"end time field", Spec{Start: &TimeSpec{Field: "date", Epoch: "ms", Location: time.UTC}, End: &TimeSpec{Field: "a", Epoch: "ms"}},
			"1770380054655 1770380055000 - - -", nil, 0, ms(345), 0, ""},
		{"end time before start: end = start", Spec{Start: &TimeSpec{Field: "date", Epoch: "ms", Location: time.UTC}, End: &TimeSpec{Field: "a", Epoch: "ms"}},
			"1770380054655 1770380054000 - - -", nil, 0, 0, 0, ""},
		{"end time garbage counted", Spec{Start: &TimeSpec{Field: "date", Epoch: "ms", Location: time.UTC}, End: &TimeSpec{Field: "a", Epoch: "ms"}},
			"1770380054655 later - - -", nil, 1, 0, 0, ""},
		{"events stop at -1", Spec{Events: []EventSpec{{"one", "a"}, {"two", "b"}, {"three", "c"}}},
			"1770380054655 1 -1 5 -", nil, 0, 0, 1, ""},
		{"events stop at absent", Spec{Events: []EventSpec{{"one", "a"}, {"two", "b"}, {"three", "c"}}},
			"1770380054655 1 2 - -", nil, 0, 0, 2, ""},
		{"events stop at +", Spec{Events: []EventSpec{{"one", "a"}, {"two", "b"}, {"three", "c"}}},
			"1770380054655 1 +2 3 -", nil, 0, 0, 1, ""},
		{"events stop at garbage, counted", Spec{Events: []EventSpec{{"one", "a"}, {"two", "b"}}},
			"1770380054655 1 x - -", nil, 1, 0, 1, ""},
		{"events in seconds", Spec{EventUnit: time.Second, Events: []EventSpec{{"one", "a"}}},
			"1770380054655 2 - - -", nil, 0, 0, 1, ""},
		{"name literal and defaults", Spec{Name: "  {a|none} {{x}} {b}  "},
			"1770380054655 - B - -", nil, 0, 0, 0, "none {x} B"},
		{"empty name: the rule's", Spec{Name: "{a}"},
			"1770380054655 - - - -", nil, 0, 0, 0, "generic"},
		{"no name template: the rule's", Spec{},
			"1770380054655 - - - -", nil, 0, 0, 0, "generic"},
		{"literal name", Spec{Name: " fixed "},
			"1770380054655 - - - -", nil, 0, 0, 0, "fixed"},
		{"name made valid UTF-8", Spec{Name: "{a}"},
			"1770380054655 caf\xe9 - - -", nil, 0, 0, 0, "caf\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, out, err := mapGeneric(t, tt.spec, tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Attributes, tt.attrs) && len(s.Attributes)+len(tt.attrs) > 0 {
				t.Errorf("attributes\n got  %v\n want %v", s.Attributes, tt.attrs)
			}
			if out.BadValues != tt.bad {
				t.Errorf("BadValues = %d, want %d", out.BadValues, tt.bad)
			}
			if !s.Start.Equal(base) || s.End.Sub(s.Start) != tt.end {
				t.Errorf("start %s, duration %s, want %s, %s", s.Start, s.End.Sub(s.Start), base, tt.end)
			}
			if len(s.Events) != tt.events {
				t.Errorf("events %v, want %d", s.Events, tt.events)
			}
			if tt.spanName != "" && s.Name != tt.spanName {
				t.Errorf("name %q, want %q", s.Name, tt.spanName)
			}
		})
	}
	t.Run("events in seconds are placed in seconds", func(t *testing.T) {
		s, _, _ := mapGeneric(t, Spec{Duration: &DurationSpec{Field: "d", Unit: "s"}, EventUnit: time.Second, Events: []EventSpec{{"one", "a"}, {"two", "b"}}}, "1770380054655 2 3 - 6")
		if len(s.Events) != 2 || s.Events[0].Time.Sub(base) != 2*time.Second || s.Events[1].Time.Sub(base) != 5*time.Second {
			t.Errorf("events %v", s.Events)
		}
	})
	// HAProxy truncates each timer to the millisecond, so TR+Tw+Tc+Tr can
	// exceed Ta by a millisecond or two: 4+5+3 = 12 ms in a 10 ms span.
	t.Run("events never after the end", func(t *testing.T) {
		s, _, _ := mapGeneric(t, Spec{Duration: &DurationSpec{Field: "a"}, Events: []EventSpec{{"one", "b"}, {"two", "c"}, {"three", "d"}}}, "1770380054655 10 4 5 3")
		want := []time.Duration{ms(4), ms(9), ms(10)}
		if len(s.Events) != len(want) {
			t.Fatalf("events %v, want %d", s.Events, len(want))
		}
		for i, w := range want {
			if got := s.Events[i].Time.Sub(base); got != w {
				t.Errorf("event %q at start+%s, want +%s", s.Events[i].Name, got, w)
			}
		}
		if !s.End.Equal(base.Add(ms(10))) {
			t.Errorf("end %s, want start+10ms", s.End)
		}
	})
}

func TestMapStartErrors(t *testing.T) {
	m := newMapper(t, haproxySpec(time.UTC))
	var s Span
	_, err := m.Map(matchLine(t, strings.Replace(line404, "06/Feb/2026", "32/Feb/2026", 1)), &s)
	want := `field request_date: "32/Feb/2026:12:16:00.500" is not a time in layout "02/Jan/2006:15:04:05.000"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	_, _, err = mapGeneric(t, Spec{}, "- a b c d")
	if err == nil || !strings.Contains(err.Error(), "date") || !strings.Contains(err.Error(), "absent") {
		t.Errorf("absent start: error %v", err)
	}
	if _, err := m.Map(nil, &s); err == nil {
		t.Error("nil match: no error")
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name   string
		status []StatusSpec
		line   string
		code   codes.Code
		etype  string
		msg    string
	}{
		{"range holds", []StatusSpec{{Field: "a", Min: 500, Max: 599, ErrorType: "{a}"}}, "1 503 - - -", codes.Error, "503", ""},
		{"range does not hold", []StatusSpec{{Field: "a", Min: 500, Max: 599, ErrorType: "{a}"}}, "1 404 - - -", codes.Unset, "", ""},
		{"range on non-number", []StatusSpec{{Field: "a", Min: 500, Max: 599}}, "1 5xx - - -", codes.Unset, "", ""},
		{"regexp, first holds wins", []StatusSpec{{Field: "b", Match: "^S", ErrorType: "server_{b}"}, {Field: "b", Match: "C", ErrorType: "other"}},
			"1 200 SC-- - -", codes.Error, "server_SC--", ""},
		{"second condition", []StatusSpec{{Field: "b", Match: "^S", ErrorType: "server"}, {Field: "b", Match: "C", ErrorType: "other", Message: "msg {a}"}},
			"1 200 -C-- - -", codes.Error, "other", "msg 200"},
		{"regexp on the raw dash", []StatusSpec{{Field: "a", Match: `^-$`, ErrorType: "no_status"}}, "1 - - - -", codes.Error, "no_status", ""},
		{"range and regexp together", []StatusSpec{{Field: "a", Match: "^5", Min: 500, Max: 502, ErrorType: "x"}}, "1 503 - - -", codes.Unset, "", ""},
		{"error without type", []StatusSpec{{Field: "a", Match: "^5"}}, "1 503 - - -", codes.Error, "", ""},
		{"error type from absent field is empty", []StatusSpec{{Field: "a", Match: "^5", ErrorType: "{b}"}}, "1 503 - - -", codes.Error, "", ""},
		{"and: both fields hold", []StatusSpec{{Field: "b", Match: "^C", And: []StatusTest{{Field: "a", Match: "^-1$"}}, ErrorType: "client_aborted"}},
			"1 -1 CH-- - -", codes.Error, "client_aborted", ""},
		{"and: the other field does not", []StatusSpec{{Field: "b", Match: "^C", And: []StatusTest{{Field: "a", Match: "^-1$"}}, ErrorType: "client_aborted"}},
			"1 200 CD-- - -", codes.Unset, "", ""},
		{"and: a range, all tests", []StatusSpec{{Field: "b", Match: "^C", And: []StatusTest{{Field: "a", Min: 400, Max: 499}, {Field: "c", Match: "x"}}, ErrorType: "e"}},
			"1 408 CR-- x -", codes.Error, "e", ""},
		{"and: one test of two fails", []StatusSpec{{Field: "b", Match: "^C", And: []StatusTest{{Field: "a", Min: 400, Max: 499}, {Field: "c", Match: "^x"}}, ErrorType: "e"}},
			"1 408 CR-- y -", codes.Unset, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := mapGeneric(t, Spec{Status: tt.status, Attributes: []AttributeSpec{{Name: "error.type", Value: "ignored"}}}, tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != tt.code || s.StatusMessage != tt.msg {
				t.Errorf("status %s %q, want %s %q", s.Status, s.StatusMessage, tt.code, tt.msg)
			}
			et := ""
			for _, kv := range s.Attributes {
				if kv.Key == errorTypeKey {
					et = kv.Value.AsString()
				}
			}
			if tt.etype != "" && et != tt.etype {
				t.Errorf("error.type %q, want %q", et, tt.etype)
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	tests := []struct {
		path   string
		edit   func(*Spec)
		substr string
	}{
		{"start.field", func(s *Spec) { s.Start.Field = "reqeust_date" }, `unknown field "reqeust_date", did you mean "request_date"? (the rule's fields are: client_ip, client_port, request_date,`},
		{"start.field", func(s *Spec) { s.Start.Field = "" }, "required"},
		{"start.layout", func(s *Spec) { s.Start.Layout = "02/Jan 15:04:05" }, "loses part of the date"},
		{"start.layout", func(s *Spec) { s.Start.Layout = "02/Jan/2006:03:04:05" }, "loses part of the date"},
		{"start.layout", func(s *Spec) { s.Start.Layout = "" }, "layout"},
		{"start.epoch", func(s *Spec) { s.Start.Epoch = "ms" }, "not both"},
		{"start.epoch", func(s *Spec) { s.Start.Layout, s.Start.Epoch = "", "sec" }, `unknown epoch unit "sec" (expected s, ms, us or ns)`},
		{"duration.field", func(s *Spec) { s.Duration.Field = "active_time" }, `unknown field "active_time"`},
		{"duration.field", func(s *Spec) { s.Duration.Field = "" }, "required"},
		{"duration.field", func(s *Spec) { s.Duration.Field = "request_date" }, "holds a time"},
		{"duration.unit", func(s *Spec) { s.Duration.Unit = "sec" }, `unknown unit "sec" (expected s, ms, us, ns or go`},
		{"duration.unit", func(s *Spec) { s.Duration.Unit = "1ms" }, `unknown unit "1ms"`},
		{"start", func(s *Spec) { s.Start = nil }, "a duration alone cannot place a span"},
		{"start", func(s *Spec) { s.Start, s.Duration = nil, nil }, "give start"},
		{"end.field", func(s *Spec) { s.End = &TimeSpec{Field: "nope", Epoch: "s"} }, `unknown field "nope"`},
		{"end.field", func(s *Spec) { s.End = &TimeSpec{Field: "request_date", Epoch: "s"} }, "the start's field too"},
		{"end.field", func(s *Spec) { s.Start, s.End = nil, &TimeSpec{Epoch: "s"} }, "required"},
		{"end.layout", func(s *Spec) { s.End = &TimeSpec{Field: "frontend", Layout: "Jan 2"} }, "loses part"},
		{"end.layout", func(s *Spec) { s.End = &TimeSpec{Field: "frontend"} }, "rfc3339"},
		{"end.epoch", func(s *Spec) { s.End = &TimeSpec{Field: "frontend", Epoch: "h"} }, "unknown epoch unit"},
		{"end.epoch", func(s *Spec) { s.Start, s.End = nil, &TimeSpec{Field: "frontend", Epoch: "s", Layout: RFC3339Layout} }, "not both"},
		{"name", func(s *Spec) { s.Name = "{http_methd} {backend}" }, `unknown field "http_methd", did you mean "http_method"?`},
		{"name", func(s *Spec) { s.Name = "{http_method" }, "unclosed"},
		{"name", func(s *Spec) { s.Name = "{} x" }, "empty field reference"},
		{"kind", func(s *Spec) { s.Kind = "serveur" }, `unknown kind "serveur" (expected server, client, internal, producer or consumer)`},
		{"attributes[2].field", func(s *Spec) { s.Attributes[2].Field = "query" }, `unknown field "query"`},
		{"attributes[2].type", func(s *Spec) { s.Attributes[2].Type = "integer" }, `unknown type "integer" (expected string, int, float or bool)`},
		{"attributes[2].value", func(s *Spec) { s.Attributes[2] = AttributeSpec{Name: "x", Value: "12a", Type: "int"} }, `"12a" is not a valid int`},
		{"attributes[2].value", func(s *Spec) { s.Attributes[2] = AttributeSpec{Name: "x", Value: "maybe", Type: "bool"} }, "not a valid bool"},
		{"attributes[2].name", func(s *Spec) { s.Attributes[2].Name = " " }, "needs a name"},
		{"attributes[2].field", func(s *Spec) { s.Attributes[2] = AttributeSpec{Name: "x"} }, "needs a field, a value"},
		{"events[0].duration", func(s *Spec) { s.Events[0].Duration = "Tr" }, `unknown field "Tr"`},
		{"events[1].name", func(s *Spec) { s.Events[1].Name = "" }, "needs a name"},
		{"events[1].name", func(s *Spec) { s.Events[1].Name = "queued\xff" }, "not valid UTF-8"},
		{"event_unit", func(s *Spec) { s.EventUnit = -1 }, "positive"},
		{"event_unit", func(s *Spec) { s.EventUnit = time.Minute }, "power of ten"},
		{"status[1].field", func(s *Spec) { s.Status[1].Field = "termination" }, `unknown field "termination"`},
		{"status[1].match", func(s *Spec) { s.Status[1].Match = "^[CS" }, "not a Go regular expression"},
		{"status[1].match", func(s *Spec) { s.Status[1].Match = "" }, "a condition is required"},
		{"status[0].range", func(s *Spec) { s.Status[0].Min = 600 }, "greater than max"},
		{"status[1].and[1].field", func(s *Spec) {
			s.Status[1].And = []StatusTest{{Field: "status_code", Match: "^-1$"}, {Field: "nope", Match: "x"}}
		}, `unknown field "nope"`},
		{"status[1].and[0].match", func(s *Spec) { s.Status[1].And = []StatusTest{{Field: "status_code"}} }, "a condition is required"},
		{"status[1].error_type", func(s *Spec) { s.Status[1].ErrorType = "{termination}" }, `unknown field "termination"`},
		{"status[1].message", func(s *Spec) { s.Status[1].Message = "{x" }, "unclosed"},
		{"captures[0].field", func(s *Spec) { s.Captures[0].Field = "captured_headers" }, `unknown field "captured_headers"`},
		{"trace_context.fields[1]", func(s *Spec) { s.TraceContext.Fields = append(s.TraceContext.Fields, "traceparent") }, `unknown field "traceparent"`},
		{"trace_context.tracestate", func(s *Spec) { s.TraceContext.TraceState = "tracestate" }, `unknown field "tracestate"`},
		{"absent[1]", func(s *Spec) { s.Absent = []string{"-", "\xff"} }, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			spec := haproxySpec(time.UTC)
			tt.edit(&spec)
			m, err := New(spec, haproxyFields)
			if err == nil {
				t.Fatalf("no error (mapper %v)", m != nil)
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.Path != tt.path {
				t.Errorf("path %q, want %q (%v)", se.Path, tt.path, err)
			}
			if !strings.Contains(se.Err.Error(), tt.substr) {
				t.Errorf("error %q does not say %q", se.Err, tt.substr)
			}
			if !strings.HasPrefix(err.Error(), tt.path+": ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

// TestSpecDefaults checks what a minimal Spec means.
func TestSpecDefaults(t *testing.T) {
	s, out, err := mapGeneric(t, Spec{Rule: "min"}, "1770380054655 x - - -")
	if err != nil || !out.Emit {
		t.Fatal(err, out)
	}
	if s.Kind != trace.SpanKindServer || s.Name != "min" || !s.End.Equal(s.Start) || s.Flags != trace.FlagsSampled || s.HasParent() {
		t.Errorf("defaults: %+v", s)
	}
	for kind, want := range map[string]trace.SpanKind{"client": trace.SpanKindClient, "Internal": trace.SpanKindInternal, "producer": trace.SpanKindProducer, "consumer": trace.SpanKindConsumer} {
		s, _, _ := mapGeneric(t, Spec{Kind: kind}, "1770380054655 x - - -")
		if s.Kind != want {
			t.Errorf("kind %q: %s", kind, s.Kind)
		}
	}
}

// TestMapReusesSpan maps different lines into one Span: nothing from an
// earlier line may remain, and the slices keep their capacity.
func TestMapReusesSpan(t *testing.T) {
	m := newMapper(t, haproxySpec(time.UTC))
	var s Span
	mustMap(t, m, lineOK, &s)
	attrs := &s.Attributes[:1][0]
	mustMap(t, m, lineBadreq, &s)
	var fresh Span
	mustMap(t, m, lineBadreq, &fresh)
	assertSpan(t, &s, &fresh)
	if &s.Attributes[:1][0] != attrs {
		t.Error("attributes were reallocated")
	}
	mustMap(t, m, lineOK, &s)
	fresh = Span{}
	mustMap(t, m, lineOK, &fresh)
	assertSpan(t, &s, &fresh)
}

func TestMapConcurrent(t *testing.T) {
	m := newMapper(t, haproxySpec(time.UTC))
	lines := []string{lineOK, line503, line404, lineLogasap, lineBadreq}
	want := make([]Span, len(lines))
	for i, l := range lines {
		mustMap(t, m, l, &want[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s Span
			for i := range 200 {
				k := (i + g) % len(lines)
				match, _ := tryMatch([]byte(lines[k]))
				if _, err := m.Map(match, &s); err != nil {
					t.Error(err)
					return
				}
				if s.SpanID != want[k].SpanID || s.Name != want[k].Name || len(s.Attributes) != len(want[k].Attributes) {
					t.Errorf("line %d: got a different span", k)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzMap maps arbitrary lines, through the HAProxy regexp when they match
// it and through a Match with arbitrary offsets otherwise: Map must never
// panic, and must be deterministic.
func FuzzMap(f *testing.F) {
	for _, l := range []string{lineOK, line503, line404, lineLogasap, lineBadreq} {
		f.Add([]byte(l), []byte{})
	}
	f.Add([]byte("garbage"), []byte{0, 5, 3, 2, 255, 7})
	spec := haproxySpec(time.UTC)
	spec.TraceContext.Fields = nil
	spec.TraceContext.KeepUnsampled = true
	spec.TraceContext.TraceState = "captured_response_headers"
	m, err := New(spec, haproxyFields)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line, offsets []byte) {
		match, ok := tryMatch(line)
		if !ok {
			match = &parsers.Match{Line: line, Data: line}
			for _, o := range offsets {
				match.Index = append(match.Index, int(int8(o)))
			}
		}
		var s1, s2 Span
		out1, err1 := m.Map(match, &s1)
		out2, err2 := m.Map(match, &s2)
		if out1 != out2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("not deterministic: %+v %v / %+v %v", out1, err1, out2, err2)
		}
		if err1 == nil && out1.Emit {
			if s1.TraceID != s2.TraceID || s1.SpanID != s2.SpanID || s1.Name != s2.Name || !reflect.DeepEqual(s1.Attributes, s2.Attributes) {
				t.Fatal("not deterministic")
			}
			if !s1.TraceID.IsValid() || !s1.SpanID.IsValid() || s1.End.Before(s1.Start) {
				t.Fatalf("bad span %+v", s1)
			}
		}
	})
}

func BenchmarkMap(b *testing.B) {
	m := newMapper(b, haproxySpec(time.UTC))
	for _, bc := range []struct{ name, line string }{{"traceparent", lineOK}, {"root-503", line503}, {"logasap", lineLogasap}} {
		b.Run(bc.name, func(b *testing.B) {
			match := matchLine(b, bc.line)
			var s Span
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.line)))
			for b.Loop() {
				if _, err := m.Map(match, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Lines that differ from one call to the next, as in a real log: the
	// values that change (ports, paths, sizes) cost an allocation each.
	b.Run("mixed", func(b *testing.B) {
		var matches []*parsers.Match
		for _, l := range []string{lineOK, line503, line404, lineLogasap, lineBadreq} {
			matches = append(matches, matchLine(b, l))
		}
		var s Span
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := m.Map(matches[i%len(matches)], &s); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("all-fields-searched", func(b *testing.B) {
		spec := haproxySpec(time.UTC)
		spec.TraceContext.Fields = nil
		m := newMapper(b, spec)
		match := matchLine(b, lineOK)
		var s Span
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Map(match, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestTraceStateField(t *testing.T) {
	spec := Spec{TraceContext: TraceContextSpec{Fields: []string{"a"}, TraceState: "b"}}
	tests := []struct {
		line, want string
	}{
		{"1770380054655 " + validTP + " rojo=00f067aa0ba902b7,congo=t61rcWkgMzE - -", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
		{"1770380054655 " + validTP + " garbage - -", ""},
		{"1770380054655 - rojo=1 - -", ""}, // read only with a traceparent
	}
	for _, tt := range tests {
		s, _, err := mapGeneric(t, spec, tt.line)
		if err != nil {
			t.Fatal(err)
		}
		if s.TraceState != tt.want {
			t.Errorf("%q: tracestate %q, want %q", tt.line, s.TraceState, tt.want)
		}
	}
}

func TestCaptureFieldWithBraces(t *testing.T) {
	spec := Spec{Captures: []CaptureSpec{{Field: "a", Names: []string{"Host", "tracestate"}, Prefix: "h."}}}
	s, _, err := mapGeneric(t, spec, "1770380054655 {example.com|k=v} - - -")
	if err != nil {
		t.Fatal(err)
	}
	want := []attribute.KeyValue{attribute.String("h.host", "example.com")}
	if !reflect.DeepEqual(s.Attributes, want) {
		t.Errorf("attributes %v, want %v", s.Attributes, want)
	}
}

func TestSpecErrorUnwrap(t *testing.T) {
	spec := haproxySpec(time.UTC)
	spec.Status[1].Match = "^[CS"
	_, err := New(spec, haproxyFields)
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Errorf("the regexp's own error is not reachable from %v", err)
	}
	_, _, err = mapGeneric(t, Spec{Start: &TimeSpec{Field: "date", Epoch: "us"}}, "17703800546551.5x - - - -")
	if want := `field date: "17703800546551.5x" is not an epoch time in us`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestCaptureKeyCollisions: an attribute from the Spec wins over a capture
// of the same name, and an earlier capture over a later one.
func TestCaptureKeyCollisions(t *testing.T) {
	spec := Spec{
		Attributes: []AttributeSpec{{Name: "h.host", Field: "c"}},
		Captures: []CaptureSpec{
			{Field: "a", Names: []string{"Host", "Via"}, Prefix: "h."},
			{Field: "b", Names: []string{"via"}, Prefix: "h."},
		},
	}
	s, _, err := mapGeneric(t, spec, "1770380054655 {cap-host|v1} {v2} attr-host -")
	if err != nil {
		t.Fatal(err)
	}
	want := []attribute.KeyValue{attribute.String("h.host", "attr-host"), attribute.String("h.via", "v1")}
	if !reflect.DeepEqual(s.Attributes, want) {
		t.Errorf("attributes %v, want %v", s.Attributes, want)
	}
	// Without the attribute's value, the capture fills in.
	s, _, _ = mapGeneric(t, spec, "1770380054655 {cap-host|v1} {v2} - -")
	want = []attribute.KeyValue{attribute.String("h.host", "cap-host"), attribute.String("h.via", "v1")}
	if !reflect.DeepEqual(s.Attributes, want) {
		t.Errorf("attributes %v, want %v", s.Attributes, want)
	}
}

// TestAlternativesPastSixtyFourKeys checks that "the first entry for a key
// wins" holds for keys before and after the 64th distinct key (which Map
// tracks in a bit mask up to 64 and by looking at the attributes past it).
func TestAlternativesPastSixtyFourKeys(t *testing.T) {
	var attrs []AttributeSpec
	for i := range 70 {
		attrs = append(attrs, AttributeSpec{Name: fmt.Sprintf("k%02d", i), Value: "x"})
	}
	attrs = append(attrs,
		AttributeSpec{Name: "k03", Field: "a"},  // an alternative of a masked key: k03 already set
		AttributeSpec{Name: "k68", Field: "a"},  // of a key past the mask: k68 already set
		AttributeSpec{Name: "late", Field: "b"}, // b absent: no value
		AttributeSpec{Name: "late", Field: "a"}, // the alternative takes it
	)
	s, _, err := mapGeneric(t, Spec{Attributes: attrs}, "1000 A - - -")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range s.Attributes {
		if _, dup := got[string(kv.Key)]; dup {
			t.Errorf("key %s set twice", kv.Key)
		}
		got[string(kv.Key)] = kv.Value.String()
	}
	if got["k03"] != "x" || got["k68"] != "x" || got["late"] != "A" || len(got) != 71 {
		t.Errorf("k03=%q k68=%q late=%q, %d keys", got["k03"], got["k68"], got["late"], len(got))
	}
}
