package parsers

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/json from the current output")

// caddyFields are 25 paths a Caddy access-log rule reads, nested objects and
// header arrays included; the golden test and BenchmarkParseJSON share them.
var caddyFields = []string{
	"level", "ts", "logger", "msg",
	"request.remote_ip", "request.remote_port", "request.client_ip", "request.proto",
	"request.method", "request.host", "request.uri",
	"request.headers.User-Agent[0]", "request.headers.Traceparent[0]",
	"request.headers.Tracestate[0]", "request.headers.X-Forwarded-For[0]",
	"request.tls.resumed", "request.tls.version", "request.tls.server_name",
	"bytes_read", "duration", "size", "status",
	"resp_headers.Content-Type[0]", "traceID", "spanID",
}

// jsonGolden is the rule each file under testdata/json is read with.
var jsonGolden = map[string]Spec{
	"caddy.jsonl": {JSON: &JSONSpec{
		Fields:  append(append([]string(nil), caddyFields...), "request.tls"),
		Require: []string{"request"},
	}},
	"traefik.jsonl": {JSON: &JSONSpec{
		Fields: []string{"StartUTC", "Duration", "RequestMethod", "RequestPath", "RequestProtocol",
			"DownstreamStatus", "OriginStatus", "RouterName", "ServiceURL", "ClientHost",
			"request_Traceparent", "request_User-Agent"},
		Require: []string{"StartUTC"},
	}},
	"envoy.jsonl": {JSON: &JSONSpec{
		Fields: []string{"start_time", "method", "path", "response_code", "response_flags",
			"bytes_sent", "duration", "upstream_host", "traceparent", "metadata",
			`metadata["envoy.lb"].canary`},
	}},
	"postgres.jsonl": {
		Patterns: map[string]string{"SQL": `(?s:.*)`},
		JSON: &JSONSpec{
			Fields: []string{"timestamp", "pid", "session_id", "line_num", "error_severity",
				"duration_ms", "statement", `["statement"]`, "query_id"},
			Require: []string{"error_severity"},
			Grok: &FieldGrok{
				Field:      "message",
				Expression: `duration: %{NUMBER:duration_ms} ms  (?:statement|(?:parse|bind|execute(?: fetch from)?) %{NOTSPACE:prepared}): %{SQL:statement}`,
			},
		},
	},
	"nginx.jsonl": {JSON: &JSONSpec{
		Fields: []string{"time", "request_time", "status", "request", "remote_addr",
			"upstream_response_time", "ua", "traceparent"},
	}},
}

// TestJSONGolden reads each file under testdata/json with its rule and
// compares, line by line, the verdict and every field that took part with
// the file's .golden twin. Run with -update to rewrite them after a change
// that is meant, then read the diff.
func TestJSONGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "json", "*.jsonl"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs under testdata/json (%v)", err)
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			spec, ok := jsonGolden[name]
			if !ok {
				t.Fatalf("%s has no rule in jsonGolden", name)
			}
			p, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpJSONLines(p, bytes.Split(bytes.TrimSuffix(text, []byte("\n")), []byte("\n")))
			golden := strings.TrimSuffix(in, ".jsonl") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./parsers -run TestJSONGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rerun with -update and read the diff):\n%s", golden, got)
			}
		})
	}
}

// dumpJSONLines parses each line with one reused Match, as the daemon does,
// and writes the verdict and the fields that took part.
func dumpJSONLines(p *Parser, lines [][]byte) string {
	var b strings.Builder
	m := p.NewMatch()
	names := p.FieldNames()
	for n, line := range lines {
		fmt.Fprintf(&b, "line %d: ", n+1)
		if !p.Parse(line, m) {
			if m.Malformed != nil {
				b.WriteString(m.Malformed.Error() + "\n")
			} else {
				b.WriteString("not matched\n")
			}
			continue
		}
		b.WriteString("matched\n")
		for i, name := range names {
			if m.Present(i) {
				fmt.Fprintf(&b, "  %s = %s\n", name, strconv.Quote(string(m.Field(i))))
			}
		}
	}
	return b.String()
}
