package pipeline

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/mapping"
)

// The tests in this file read the logs scripts/record-testdata.sh recorded
// from the real nginx, Caddy and PostgreSQL with the shipped rules.yaml, and
// check what a user looks for in their tracing backend: the rule and service,
// the caller's trace id and span id as the parent, no span for a caller that
// did not sample, Error exactly on failures, and start and end to the log's
// own resolution. The expected times are computed here from the line's own
// values with exact decimal arithmetic (math/big), independently of the
// rules' readers; the trace ids are the ones the script sends.

// callerWant is what one recorded request should become.
type callerWant struct {
	trace, parent string // "" for a root span
	noSpan        bool   // the caller did not sample
	errorType     string // "" for status Unset
}

// The requests send_http_requests in scripts/record-testdata.sh makes, by
// request URI (both proxies get the same ones).
var httpCallers = map[string]callerWant{
	"/api/orders?id=7":   {trace: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7"},
	"/api/orders":        {trace: "0af7651916cd43dd8448eb211c80319c", parent: "b7ad6b7169203331"},
	"/api/items":         {noSpan: true},
	"/api/items?page=2":  {trace: "80f198ee56343ba864fe8b2a57d3eff7", parent: "e457b5a2e4d86bd1"},
	"/api/items?page=3":  {noSpan: true},
	"/down":              {trace: "11111111111111111111111111111111", parent: "2222222222222222", errorType: "502"},
	"/slow":              {trace: "33333333333333333333333333333333", parent: "4444444444444444", errorType: "504"},
	"/api/fail":          {trace: "55555555555555555555555555555555", parent: "6666666666666666", errorType: "500"},
	"/static/logo.png":   {},
	"/api/orders/7":      {trace: "77777777777777777777777777777777", parent: "8888888888888888"},
	"/api/retry":         {trace: "99999999999999999999999999999999", parent: "aaaaaaaaaaaaaaaa"},
	"/api/retry?again=1": {trace: "99999999999999999999999999999999", parent: "bbbbbbbbbbbbbbbb"},
}

// epochNanos reads a decimal number of seconds exactly and returns it in
// nanoseconds, cut (not rounded) below one, as the rules' readers do.
func epochNanos(t *testing.T, s string, unit int64) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("not a decimal number: %q", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(unit))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	return q.Int64()
}

// readLines returns the lines of a recorded log.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// attr returns the span's attribute key, or an invalid value.
func attr(s *mapping.Span, key string) attribute.Value {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// checkCaller checks the span a line gave (or its absence) against w, and
// its start and end against the nanoseconds computed from the line.
func checkCaller(t *testing.T, where string, res Result, w callerWant, start, end int64) {
	t.Helper()
	if w.noSpan {
		if res.Span != nil {
			t.Errorf("%s: a span for a caller that did not sample", where)
		}
		return
	}
	s := res.Span
	if s == nil {
		t.Errorf("%s: no span (%+v, %v)", where, res.Outcome, res.Err)
		return
	}
	if w.trace == "" {
		if s.HasParent() {
			t.Errorf("%s: parent %s, want a root span", where, s.Parent)
		}
	} else if s.TraceID.String() != w.trace || s.Parent.String() != w.parent {
		t.Errorf("%s: trace %s parent %s, want %s %s", where, s.TraceID, s.Parent, w.trace, w.parent)
	}
	if got, want := s.Start.UnixNano(), start; got != want {
		t.Errorf("%s: start %s, want %s", where, s.Start.Format(time.RFC3339Nano), time.Unix(0, want).UTC().Format(time.RFC3339Nano))
	}
	if got, want := s.End.UnixNano(), end; got != want {
		t.Errorf("%s: end %s, want %s", where, s.End.Format(time.RFC3339Nano), time.Unix(0, want).UTC().Format(time.RFC3339Nano))
	}
	wantStatus := "Unset"
	if w.errorType != "" {
		wantStatus = "Error"
	}
	if s.Status.String() != wantStatus {
		t.Errorf("%s: status %s, want %s", where, s.Status, wantStatus)
	}
	if got := attr(s, "error.type").String(); w.errorType != "" && got != w.errorType {
		t.Errorf("%s: error.type %q, want %q", where, got, w.errorType)
	}
}

// TestRecordedCaddy: Caddy 2.6's access log, as a plain `log { output file }`
// writes it. ts is the end and duration float seconds, so start = ts −
// duration to the nanosecond; Caddy's own http.log.error entries (which
// also hold a request, a duration and a status) are not taken.
func TestRecordedCaddy(t *testing.T) {
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	p := NewProcessor(cfg.Rules)
	seen := map[string]bool{}
	for i, line := range readLines(t, "testdata/caddy/access.log") {
		where := fmt.Sprintf("caddy/access.log:%d", i+1)
		var rec struct {
			TS       json.Number `json:"ts"`
			Duration json.Number `json:"duration"`
			Request  struct{ URI string }
		}
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		w, ok := httpCallers[rec.Request.URI]
		if !ok {
			t.Fatalf("%s: a request the script does not send: %s", where, rec.Request.URI)
		}
		seen[rec.Request.URI] = true
		res := p.Process([]byte(line))
		if res.Rule < 0 || cfg.Rules[res.Rule].Name != "caddy" {
			t.Errorf("%s: not read by rule caddy", where)
			continue
		}
		end := epochNanos(t, rec.TS.String(), 1e9)
		checkCaller(t, where, res, w, end-epochNanos(t, rec.Duration.String(), 1e9), end)
		if res.Span != nil && res.Span.Service != "caddy" {
			t.Errorf("%s: service %q", where, res.Span.Service)
		}
	}
	if len(seen) != len(httpCallers) {
		t.Errorf("%d of the %d requests recorded", len(seen), len(httpCallers))
	}
	for _, line := range readLines(t, "testdata/caddy/stderr.log") {
		if res := p.Process([]byte(line)); res.Rule >= 0 {
			t.Errorf("Caddy's error entry read by rule %s: %s", cfg.Rules[res.Rule].Name, line)
		}
	}
}

// nginxLine holds what the test reads from an nginx line by itself: the
// request URI, $msec, $request_time and the traceparent nginx forwarded.
type nginxLine struct {
	URI         string      `json:"request_uri"`
	Msec        json.Number `json:"msec"`
	RequestTime json.Number `json:"request_time"`
	Forwarded   string      `json:"forwarded_traceparent"`
}

var nginxText = regexp.MustCompile(`"[A-Z]+ (\S+) HTTP/[0-9.]+" .* msec=(\S+) request_time=(\S+) `)

// readNginxLine reads line in either recommended format, with a JSON
// decoder or a regular expression of the test's own.
func readNginxLine(t *testing.T, line string) nginxLine {
	t.Helper()
	var l nginxLine
	if strings.HasPrefix(line, "{") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	m := nginxText.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("not the recommended text format: %s", line)
	}
	return nginxLine{URI: m[1], Msec: json.Number(m[2]), RequestTime: json.Number(m[3])}
}

// TestRecordedNginx: nginx 1.22 with the README's text and JSON formats.
// end = $msec, start = $msec − $request_time, both to the millisecond; 5xx
// (a closed upstream, an upstream timeout, an upstream 500) are errors;
// upstream lists of a retried request are read.
func TestRecordedNginx(t *testing.T) {
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	p := NewProcessor(cfg.Rules)
	for file, rule := range map[string]string{"access.log": "nginx_text", "access.json.log": "nginx_json"} {
		seen := map[string]bool{}
		for i, line := range readLines(t, "testdata/nginx/"+file) {
			where := fmt.Sprintf("nginx/%s:%d", file, i+1)
			l := readNginxLine(t, line)
			w, ok := httpCallers[l.URI]
			if !ok {
				t.Fatalf("%s: a request the script does not send: %s", where, l.URI)
			}
			seen[l.URI] = true
			res := p.Process([]byte(line))
			if res.Rule < 0 || cfg.Rules[res.Rule].Name != rule {
				t.Errorf("%s: not read by rule %s", where, rule)
				continue
			}
			end := epochNanos(t, l.Msec.String(), 1e9)
			checkCaller(t, where, res, w, end-epochNanos(t, l.RequestTime.String(), 1e9), end)
			if res.Span != nil && res.Span.Service != "nginx" {
				t.Errorf("%s: service %q", where, res.Span.Service)
			}
			if l.URI == "/api/retry" {
				if got := attr(res.Span, "nginx.upstream.status").String(); !strings.Contains(got, ", ") {
					t.Errorf("%s: nginx.upstream.status %q, want the list of both tries", where, got)
				}
			}
		}
		if len(seen) != len(httpCallers) {
			t.Errorf("%s: %d of the %d requests recorded", file, len(seen), len(httpCallers))
		}
	}
}

// TestRecordedNginxForwarded: nginx with the README's forwarding recipe. The
// nginx span takes the id nginx put in the traceparent it sent upstream, so
// the upstream's span is its child, and keeps the caller's span as parent; a
// caller that sent only B3 is not continued by the recipe (it reads
// traceparent alone): nginx started a new trace, and the span links to the
// caller's.
func TestRecordedNginxForwarded(t *testing.T) {
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	p := NewProcessor(cfg.Rules)
	for i, line := range readLines(t, "testdata/nginx/forwarded.json.log") {
		where := fmt.Sprintf("nginx/forwarded.json.log:%d", i+1)
		l := readNginxLine(t, line)
		w := httpCallers[l.URI]
		fwd := strings.Split(l.Forwarded, "-")
		if len(fwd) != 4 {
			t.Fatalf("%s: forwarded traceparent %q", where, l.Forwarded)
		}
		res := p.Process([]byte(line))
		if res.Rule < 0 || cfg.Rules[res.Rule].Name != "nginx_json" {
			t.Fatalf("%s: not read by rule nginx_json", where)
		}
		if w.noSpan && fwd[3] == "00" {
			if res.Span != nil {
				t.Errorf("%s: a span for a caller that did not sample", where)
			}
			continue
		}
		s := res.Span
		if s == nil {
			t.Fatalf("%s: no span", where)
		}
		if s.TraceID.String() != fwd[1] || s.SpanID.String() != fwd[2] {
			t.Errorf("%s: span %s/%s, want the forwarded %s/%s", where, s.TraceID, s.SpanID, fwd[1], fwd[2])
		}
		switch {
		case strings.Contains(line, `"http_b3":"8`): // a B3 caller
			if s.HasParent() || len(s.Links) != 1 || s.Links[0].TraceID.String() != "80f198ee56343ba864fe8b2a57d3eff7" {
				t.Errorf("%s: parent %s links %v, want a root linked to the B3 caller", where, s.Parent, s.Links)
			}
		case w.trace == "":
			if s.HasParent() {
				t.Errorf("%s: parent %s, want a root", where, s.Parent)
			}
		default:
			if s.TraceID.String() != w.trace || s.Parent.String() != w.parent {
				t.Errorf("%s: trace %s parent %s, want %s %s", where, s.TraceID, s.Parent, w.trace, w.parent)
			}
		}
	}
}

// The statements record_postgresql in scripts/record-testdata.sh runs, by the
// start of their text. A multi-line statement keeps its parent only in
// jsonlog: in the stderr log its comment is on a continuation line.
var sqlCallers = []struct {
	prefix    string
	want      callerWant
	operation string
}{
	{"CREATE DATABASE", callerWant{}, "CREATE"},
	{"CREATE ROLE", callerWant{}, "CREATE"},
	{"CREATE TABLE", callerWant{}, "CREATE"},
	{"GRANT", callerWant{}, "GRANT"},
	{"INSERT INTO orders", callerWant{trace: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7"}, "INSERT"},
	{"SELECT id, item", callerWant{trace: "0af7651916cd43dd8448eb211c80319c", parent: "b7ad6b7169203331"}, "SELECT"},
	{"SELECT count(*)", callerWant{noSpan: true}, "SELECT"},
	{"SELECT o.id,", callerWant{trace: "11111111111111111111111111111111", parent: "2222222222222222"}, "SELECT"},
	{"SELECT * FROM missing_table", callerWant{trace: "33333333333333333333333333333333", parent: "4444444444444444", errorType: "42P01"}, "SELECT"},
	{"UPDATE orders", callerWant{trace: "55555555555555555555555555555555", parent: "6666666666666666"}, "UPDATE"},
	{"select now()", callerWant{}, "select"},
	{"SELECT item FROM orders", callerWant{trace: "77777777777777777777777777777777", parent: "8888888888888888"}, "SELECT"},
}

var (
	pgDuration  = regexp.MustCompile(`^duration: ([0-9.]+) ms  [^:]*: `)
	pgStderr    = regexp.MustCompile(`^(\S+ \S+) UTC \[\d+\] \S*@\S* (LOG:  duration: ([0-9.]+) ms  [^:]*|STATEMENT): +(.*)$`)
	pgTimestamp = "2006-01-02 15:04:05.000"
)

// checkStatement checks the span of one statement line: its caller by the
// statement's text, end = the line's time, start = end − the logged
// duration (µs), or a point at the line's time for a failed statement.
func checkStatement(t *testing.T, where string, res Result, got, rule, stamp, durationMs, text string, stderr bool) {
	t.Helper()
	tm, err := time.ParseInLocation(pgTimestamp, strings.TrimSuffix(stamp, " UTC"), time.UTC)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	end, start := tm.UnixNano(), tm.UnixNano()
	if durationMs != "" {
		start = end - epochNanos(t, durationMs, 1e6)
	}
	for _, c := range sqlCallers {
		if !strings.HasPrefix(text, c.prefix) {
			continue
		}
		w := c.want
		if stderr && c.prefix == "SELECT o.id," {
			w = callerWant{} // its comment is on a continuation line, not read
		}
		if stderr && w.errorType != "" {
			w.errorType = "_OTHER" // Debian's prefix has no SQLSTATE
		}
		if got != rule {
			t.Errorf("%s: rule %q, want %s", where, got, rule)
			return
		}
		checkCaller(t, where, res, w, start, end)
		if s := res.Span; s != nil {
			if got := attr(s, "db.operation.name").String(); got != c.operation {
				t.Errorf("%s: db.operation.name %q, want %q", where, got, c.operation)
			}
			if got := attr(s, "db.system.name").String(); got != "postgresql" || s.Service != "postgresql" {
				t.Errorf("%s: db.system.name %q, service %q", where, got, s.Service)
			}
			if got, want := attr(s, "db.query.text").String(), sanitizedByHand(text); !stderr && got != want {
				t.Errorf("%s: db.query.text %q, want the statement without its comment and literals %q", where, got, want)
			}
		}
		return
	}
	t.Errorf("%s: a statement the script does not run: %s", where, text)
}

// TestRecordedPostgreSQL: PostgreSQL 15's jsonlog and stderr logs with
// log_min_duration_statement = 0 and Debian's log_line_prefix. Each
// statement is a span parented by its sqlcommenter traceparent, exact to
// the microsecond of its duration; a failed statement is an Error point;
// every other line is counted by an _other rule, never unmatched.
func TestRecordedPostgreSQL(t *testing.T) {
	t.Chdir("../..")
	c := loadShippedRules(t)
	p := NewProcessor(c.Rules)
	ruleName := func(res Result) string {
		if res.Rule < 0 {
			return ""
		}
		return c.Rules[res.Rule].Name
	}
	spans := 0
	for i, line := range readLines(t, "testdata/postgresql/jsonlog.log") {
		where := fmt.Sprintf("postgresql/jsonlog.log:%d", i+1)
		var rec struct {
			Timestamp, Message, Statement, StateCode string
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		res := p.Process([]byte(line))
		if res.Span != nil && attr(res.Span, "db.namespace").String() != "shop" && !strings.HasPrefix(attr(res.Span, "db.query.text").String(), "CREATE ") {
			t.Errorf("%s: db.namespace %q", where, attr(res.Span, "db.namespace").String())
		}
		switch m := pgDuration.FindStringSubmatch(rec.Message); {
		case m != nil:
			checkStatement(t, where, res, ruleName(res), "postgresql_jsonlog", rec.Timestamp, m[1], rec.Message[len(m[0]):], false)
			spans++
		case rec.Statement != "":
			checkStatement(t, where, res, ruleName(res), "postgresql_jsonlog_error", rec.Timestamp, "", rec.Statement, false)
			spans++
		case ruleName(res) != "postgresql_jsonlog_other":
			t.Errorf("%s: rule %q, want postgresql_jsonlog_other", where, ruleName(res))
		}
	}
	if spans != len(sqlCallers)+2 { // pgbench: parse, bind and execute
		t.Errorf("jsonlog: %d statement lines, want %d", spans, len(sqlCallers)+2)
	}
	spans = 0
	for i, line := range readLines(t, "testdata/postgresql/stderr.log") {
		where := fmt.Sprintf("postgresql/stderr.log:%d", i+1)
		res := p.Process([]byte(line))
		switch m := pgStderr.FindStringSubmatch(line); {
		case m != nil && m[3] != "":
			checkStatement(t, where, res, ruleName(res), "postgresql_stderr", m[1], m[3], m[4], true)
			spans++
		case m != nil:
			checkStatement(t, where, res, ruleName(res), "postgresql_stderr_error", m[1], "", m[4], true)
			spans++
		case ruleName(res) != "postgresql_stderr_other":
			t.Errorf("%s: rule %q, want postgresql_stderr_other", where, ruleName(res))
		}
	}
	if spans != len(sqlCallers)+2 {
		t.Errorf("stderr: %d statement lines, want %d", spans, len(sqlCallers)+2)
	}
}

// sanitizedByHand is what db.query.text holds for the recorded statements,
// which are simple enough for three regexps: the sqlcommenter comment goes,
// strings and numbers become "?".
func sanitizedByHand(stmt string) string {
	stmt = regexp.MustCompile(`\s*/\*.*?\*/`).ReplaceAllString(stmt, "")
	stmt = regexp.MustCompile(`'[^']*'`).ReplaceAllString(stmt, "?")
	return regexp.MustCompile(`\b[0-9]+\b`).ReplaceAllString(stmt, "?")
}
