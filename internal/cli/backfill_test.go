package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/otlptest"
)

// run runs logspan in-process with args and returns its exit code, stdout
// and stderr.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errb.String()
}

// repoRoot makes the test run from the repository root, where rules.yaml
// and testdata/ are.
func repoRoot(t *testing.T) {
	t.Helper()
	t.Chdir("../..")
}

func collector(t *testing.T) *otlptest.Receiver {
	r := otlptest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", r.Endpoint())
	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	return r
}

// TestBackfillIntoCollector imports the documentation's example lines into a
// real OTLP/gRPC receiver and checks the spans a user would look at.
func TestBackfillIntoCollector(t *testing.T) {
	repoRoot(t)
	rcv := collector(t)
	rules := writeRules(t, "UTC")
	code, _, stderr := run(t, nil, "", "backfill", "--config", rules, "testdata/haproxy/docs-examples.log")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	spans := rcv.Spans()
	if len(spans) != 5 {
		t.Fatalf("collector received %d spans, want 5 (one per line); stderr:\n%s", len(spans), stderr)
	}
	byName := map[string]otlptest.Span{}
	for _, s := range spans {
		byName[s.Name+" "+s.Start.UTC().Format("15:04:05.000")] = s
	}
	// 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 ...
	s, ok := byName["GET static 12:14:14.655"]
	if !ok {
		t.Fatalf("no span GET static starting 12:14:14.655; got %v", keys(byName))
	}
	wantStart := time.Date(2009, 2, 6, 12, 14, 14, 655e6, time.UTC)
	if !s.Start.Equal(wantStart) || !s.End.Equal(wantStart.Add(109*time.Millisecond)) {
		t.Errorf("GET static: start %v end %v, want %v + 109ms", s.Start, s.End, wantStart)
	}
	if s.Kind != "SERVER" || s.Service != "haproxy" || s.StatusCode != "UNSET" {
		t.Errorf("GET static: kind %s service %s status %s", s.Kind, s.Service, s.StatusCode)
	}
	for k, v := range map[string]any{
		"http.request.method": "GET", "url.path": "/index.html", "http.response.status_code": int64(200),
		"http.response.size": int64(2750), "client.address": "10.0.1.2", "client.port": int64(33317),
		"haproxy.backend": "static", "haproxy.server": "srv1", "haproxy.timer.Tc_ms": int64(30),
		"http.request.header.host": "1wt.eu",
	} {
		if s.Attributes[k] != v {
			t.Errorf("GET static: attribute %s = %v (%T), want %v (%T)", k, s.Attributes[k], s.Attributes[k], v, v)
		}
	}
	wantEvents := []string{"request received@10ms", "dequeued@10ms", "connected@40ms", "response headers@109ms"}
	var gotEvents []string
	for _, e := range s.Events {
		gotEvents = append(gotEvents, e.Name+"@"+e.Time.Sub(wantStart).String())
	}
	if strings.Join(gotEvents, ",") != strings.Join(wantEvents, ",") {
		t.Errorf("events = %v, want %v", gotEvents, wantEvents)
	}
	// 127.0.0.1:33320 [15/Oct/2003:08:32:17.654] px-http px-http/srv1 9/0/7/14/+30 200 +243 ...
	s = byName["GET px-http 08:32:17.654"]
	if s.Attributes["haproxy.logasap"] != true || s.End.Sub(s.Start) != 30*time.Millisecond || s.Attributes["http.response.size"] != int64(243) {
		t.Errorf("logasap line: logasap=%v duration=%v size=%v", s.Attributes["haproxy.logasap"], s.End.Sub(s.Start), s.Attributes["http.response.size"])
	}
	// A TCP session: 0/0/5007 212 --
	s = byName["TCP bck 12:12:51.443"]
	if s.End.Sub(s.Start) != 5007*time.Millisecond || s.Attributes["haproxy.bytes_read"] != int64(212) {
		t.Errorf("TCP span: duration %v bytes %v", s.End.Sub(s.Start), s.Attributes["haproxy.bytes_read"])
	}
	for _, s := range spans {
		if s.ParentSpanID != "" {
			t.Errorf("%s has parent %s; the examples carry no trace context", s.Name, s.ParentSpanID)
		}
	}
	if !strings.Contains(stderr, "spans exported                 5") {
		t.Errorf("summary does not report 5 spans exported:\n%s", stderr)
	}
}

// TestBackfillParentsAndDeterministicIDs imports http.log twice (once
// gzipped, once from stdin): the spans carry the callers' trace and parent
// ids, and the second import produces exactly the same ids.
func TestBackfillParentsAndDeterministicIDs(t *testing.T) {
	repoRoot(t)
	rcv := collector(t)
	data, err := os.ReadFile("testdata/haproxy/http.log")
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(t.TempDir(), "http.log.2.gz")
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(data)
	zw.Close()
	os.WriteFile(gz, zb.Bytes(), 0o644)

	code, _, stderr := run(t, nil, "", "backfill", gz)
	if code != 0 {
		t.Fatalf("first import: exit %d\n%s", code, stderr)
	}
	first := rcv.Spans()
	code, _, stderr = run(t, nil, string(data), "backfill", "-")
	if code != 0 {
		t.Fatalf("second import: exit %d\n%s", code, stderr)
	}
	all := rcv.Spans()
	second := all[len(first):]
	if len(first) == 0 || len(second) != len(first) {
		t.Fatalf("imports gave %d and %d spans", len(first), len(second))
	}
	ids := func(ss []otlptest.Span) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.TraceID+"/"+s.SpanID+"/"+s.ParentSpanID)
		}
		sort.Strings(out)
		return out
	}
	if a, b := ids(first), ids(second); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("ids differ between two imports of the same log:\n%v\n%v", a, b)
	}
	// The line with {example.com|00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}
	// becomes a child of that span in that trace.
	found := false
	for _, s := range first {
		if s.ParentSpanID == "00f067aa0ba902b7" {
			found = true
			if s.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
				t.Errorf("span with parent 00f067aa0ba902b7 is in trace %s", s.TraceID)
			}
			if s.SpanID == "00f067aa0ba902b7" {
				t.Errorf("span reuses its parent's id")
			}
		}
	}
	if !found {
		t.Errorf("no span is parented on 00f067aa0ba902b7")
	}
}

// TestBackfillCollectorDown: with no collector listening, backfill gives up
// after the configured time, exits 1 and says how many spans were lost.
func TestBackfillCollectorDown(t *testing.T) {
	repoRoot(t)
	rcv := otlptest.Start(t)
	addr := rcv.Addr()
	rcv.Stop()
	rules := writeRulesWith(t, "UTC", "exporter:\n  endpoint: http://"+addr+"\n  retry: {initial: 10ms, max: 50ms, max_elapsed: 300ms}\n")
	code, _, stderr := run(t, nil, "", "backfill", "--config", rules, "testdata/haproxy/docs-examples.log")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "5 spans were NOT delivered") || !strings.Contains(stderr, addr) {
		t.Errorf("stderr does not name the undelivered spans and the collector:\n%s", stderr)
	}
}

// TestBackfillUnreadableFileOthersImported: a missing file is reported and
// the other files are still imported; the exit code says something failed.
func TestBackfillUnreadableFileOthersImported(t *testing.T) {
	repoRoot(t)
	rcv := collector(t)
	code, _, stderr := run(t, nil, "", "backfill", "testdata/haproxy/no-such.log", "testdata/haproxy/docs-examples.log")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "no-such.log") {
		t.Errorf("stderr does not name the missing file:\n%s", stderr)
	}
	if n := len(rcv.Spans()); n != 5 {
		t.Errorf("collector received %d spans from the readable file, want 5", n)
	}
}

// TestFirstRunPrintsOTLPJSON: with no collector configured, spans go to
// stdout as OTLP/JSON and stderr says how to send them to a collector.
func TestFirstRunPrintsOTLPJSON(t *testing.T) {
	repoRoot(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	code, stdout, stderr := run(t, nil, "", "backfill", "testdata/haproxy/docs-examples.log")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, `"resourceSpans"`) || !strings.Contains(stdout, `"name":"GET static"`) {
		t.Errorf("stdout is not OTLP/JSON with the spans:\n%.500s", stdout)
	}
	if !strings.Contains(stderr, "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Errorf("stderr does not say how to reach a collector:\n%s", stderr)
	}
}

// TestCheckListsAllProblems: check reports every problem with its place.
func TestCheckListsAllProblems(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "rules.yaml")
	os.WriteFile(bad, []byte(`rules:
  - name: a
    grok: '%{NOSUCHPATTERN:x}'
  - name: b
    grok: '%{INT:n}'
    colour: blue
    start: {field: n, epoch: s}
  - name: b
    grok: '%{INT:n}'
    start: {field: m, epoch: s}
`), 0o644)
	code, _, stderr := run(t, nil, "", "check", "--config", bad)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		bad + ":3:11: ", // the grok expression of rule a
		bad + ":6:5: ",  // the unknown key
		`unknown key "colour"`,
		bad + ":8:11: ", // the duplicate name
		"used twice",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeRules writes the shipped rules with every "timezone: Local" set to
// zone, into a temporary file.
func writeRules(t *testing.T, zone string) string {
	return writeRulesWith(t, zone, "")
}

func writeRulesWith(t *testing.T, zone, exporter string) string {
	t.Helper()
	data, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(data), "timezone: Local", "timezone: "+zone)
	if exporter != "" {
		i := strings.Index(s, "\nexporter:")
		j := strings.Index(s, "\nrules:")
		s = s[:i+1] + exporter + s[j:]
	}
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
