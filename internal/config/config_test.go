package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/mapping"
)

func parse(t *testing.T, yaml string) (*Config, error) {
	t.Helper()
	return Parse("rules.yaml", []byte(yaml), Options{Local: time.UTC, Getenv: func(string) string { return "" }})
}

// A minimal valid rule, to which the table adds mistakes.
const okRule = `
  - name: kv
    grok: 'at=%{NUMBER:at} took=%{INT:took}ms status=%{INT:status}'
    start: {field: at, epoch: s}
    duration: {field: took, unit: ms}
`

func TestProblemsArePositioned(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each "LINE:COL: text" must appear
	}{
		{"not yaml", "rules: [\n", []string{"rules.yaml:1:1: not valid YAML"}},
		{"empty", "", []string{"rules.yaml: the file is empty"}},
		{"unknown top-level key", "rulez: []\n", []string{`1:1: unknown key "rulez" in the file (expected one of: exporter, rules, inputs, daemon, sampling, redact)`, "no rules: list"}},
		{"unknown rule key", "rules:" + okRule + "    colour: blue\n", []string{`6:5: unknown key "colour" in rule (expected one of: name, description,`}},
		{"wrong type", "rules:" + okRule + "    emit: maybe\n", []string{`6:11: rule "kv".emit: expected true or false, got "maybe"`}},
		{"duplicate name", "rules:" + okRule + okRule, []string{`7:11: rule name "kv" is used twice (first at line 2)`}},
		{"grok does not compile", "rules:\n  - name: a\n    grok: '%{NOPE:x}'\n    emit: false\n",
			[]string{`3:11: rule "a": grok expression does not compile:`, "NOPE"}},
		{"extra pattern does not compile", "rules:\n  - name: a\n    grok: '%{MINE:x}'\n    patterns:\n      MINE: '(unclosed'\n    emit: false\n",
			[]string{`5:7: rule "a": pattern MINE does not compile:`}},
		{"unknown field in mapping", strings.Replace("rules:"+okRule, "{field: took,", "{field: tokk,", 1),
			[]string{`5:23: rule "kv": duration.field:`, `tokk`}},
		{"unknown field in the older end.duration form", strings.Replace("rules:"+okRule, "duration: {field: took,", "end: {duration: tokk,", 1),
			[]string{`5:21: rule "kv": duration.field:`, `tokk`}},
		{"duration given twice", "rules:" + okRule + "    end: {duration: took}\n",
			[]string{`5:15: rule "kv".duration: the duration is given by end.duration already`}},
		{"bad layout", strings.Replace("rules:"+okRule, "epoch: s", "layout: 'not a layout'", 1),
			[]string{`4:32: rule "kv": start.layout:`}},
		{"unknown zone", strings.Replace("rules:"+okRule, "epoch: s}", "epoch: s, timezone: Mars/Olympus}", 1),
			[]string{`4:44: rule "kv".start.timezone: unknown time zone "Mars/Olympus"`}},
		{"bad unit", strings.Replace("rules:"+okRule, "unit: ms", "unit: fortnights", 1),
			[]string{`5:35: rule "kv": duration.unit: unknown unit "fortnights"`}},
		{"attribute type", "rules:" + okRule + "    attributes:\n      - {name: x, field: status, type: integer}\n",
			[]string{`7:40: rule "kv": attributes[0].type:`}},
		{"attribute field", "rules:" + okRule + "    attributes:\n      - {name: x, field: stat}\n",
			[]string{`7:26: rule "kv": attributes[0].field:`, `stat`}},
		{"status regexp", "rules:" + okRule + "    status:\n      - {field: status, match: '(', error_type: x}\n",
			[]string{`7:32: rule "kv": status[0].match:`}},
		{"exporter types", "exporter:\n  batch_size: lots\n  timeout: soon\n  compression: brotli\nrules:" + okRule,
			[]string{`2:15: exporter.batch_size: expected a whole number, got "lots"`,
				`3:12: exporter.timeout: expected a duration such as 500ms, 10s or 5m, got "soon"`,
				`4:16: exporter.compression: unknown compression "brotli" (expected gzip or none)`}},
		{"exporter protocol and tls", "exporter:\n  protocol: thrift\n  tls:\n    ca_file: /nonexistent/ca.pem\n    cert_file: /nonexistent/client.pem\n    insecure_skip_verify: maybe\n    colour: red\nrules:" + okRule,
			[]string{`2:13: exporter.protocol: unknown protocol "thrift" (expected one of: grpc, http/protobuf, http/json)`,
				`4:14: exporter.tls.ca_file: stat /nonexistent/ca.pem: no such file or directory`,
				`5:16: exporter.tls.cert_file: stat /nonexistent/client.pem: no such file or directory`,
				`4:5: exporter.tls: cert_file and key_file go together`,
				`6:27: exporter.tls.insecure_skip_verify: expected true or false, got "maybe"`,
				`7:5: unknown key "colour" in exporter.tls (expected one of: ca_file, cert_file, key_file, server_name, insecure_skip_verify)`}},
		{"no name", "rules:\n  - grok: 'x'\n", []string{`2:5: rules[0] has no name`}},
		{"no start", "rules:\n  - name: a\n    grok: '%{INT:n}'\n", []string{`2:5: rule "a": start`}},
		{"input problems", "rules:" + okRule + "inputs:\n  - paths: [relative.log, '/var/log/[x']\n    rules: [kv, nope]\n    start: middle\n    timezone: Mars/Olympus\n  - exclude: ['*.gz']\n",
			[]string{`7:13: inputs[0].paths[0]: "relative.log" is not an absolute path`,
				`7:27: inputs[0].paths[1]: bad glob "/var/log/[x"`,
				`8:17: inputs[0].rules[1]: no rule is named "nope"`,
				`9:12: inputs[0].start: expected end or beginning, got "middle"`,
				`10:15: inputs[0].timezone: unknown time zone "Mars/Olympus"`,
				`11:5: inputs[1] has no paths:`}},
		{"daemon problems", "rules:" + okRule + "daemon:\n  memory_limit: lots\n  poll_interval: often\n  max_open_files: 0\n  colour: red\n",
			[]string{`7:17: daemon.memory_limit: expected a size such as 256MiB`,
				`8:18: daemon.poll_interval: expected a duration`,
				`9:19: daemon.max_open_files: expected a number of at least 1, got 0`,
				`10:3: unknown key "colour" in daemon`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.yaml)
			if err == nil {
				t.Fatalf("no error for:\n%s", tt.yaml)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want Problems: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q; got:\n%v", w, err)
				}
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := parse(t, "exporter:\n  batch_size: x\nrules:"+okRule+"    colour: blue\n  - name: b\n    grok: '%{NOPE}'\n    emit: false\n")
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("got %d problems, want 3: %v", len(ps), err)
	}
}

func TestValidRulesCompile(t *testing.T) {
	cfg, err := parse(t, "exporter:\n  endpoint: collector:4317\n  insecure: true\n  headers: {x-key: secret}\n  retry: {max_elapsed: -1s}\nrules:"+okRule+
		"    service_name: kv-app\n  - name: counted\n    grok: 'noise %{GREEDYDATA:rest}'\n    emit: false\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 2 || cfg.Rules[0].Name != "kv" || cfg.Rules[0].Mapper == nil || cfg.Rules[1].Mapper != nil {
		t.Fatalf("rules = %+v", cfg.Rules)
	}
	if cfg.Rules[0].Service != "kv-app" || cfg.Rules[1].Service != "counted" {
		t.Errorf("services = %q, %q", cfg.Rules[0].Service, cfg.Rules[1].Service)
	}
	e := cfg.Exporter
	if e.Endpoint != "collector:4317" || !e.Insecure || e.Headers["x-key"] != "secret" || e.Retry.MaxElapsed != -time.Second {
		t.Errorf("exporter = %+v", e)
	}
}

func TestExporterProtocolAndTLS(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"ca.pem", "client.pem", "client.key"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := parse(t, "exporter:\n  protocol: http/protobuf\n  endpoint: https://otlp.example\n  tls:\n"+
		"    ca_file: "+dir+"/ca.pem\n    cert_file: "+dir+"/client.pem\n    key_file: "+dir+"/client.key\n"+
		"    server_name: collector.internal\n    insecure_skip_verify: true\nrules:"+okRule)
	if err != nil {
		t.Fatal(err)
	}
	want := emit.TLSConfig{CAFile: dir + "/ca.pem", CertFile: dir + "/client.pem", KeyFile: dir + "/client.key",
		ServerName: "collector.internal", InsecureSkipVerify: true}
	if e := cfg.Exporter; e.Protocol != "http/protobuf" || e.Endpoint != "https://otlp.example" || e.TLS != want {
		t.Errorf("exporter = %+v, want TLS %+v", e, want)
	}
}

func TestServiceNameFromEnvironmentWins(t *testing.T) {
	cfg, err := Parse("rules.yaml", []byte("rules:"+okRule+"    service_name: kv-app\n"), Options{
		Getenv: func(k string) string {
			if k == "OTEL_SERVICE_NAME" {
				return "edge-proxy"
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules[0].Service != "edge-proxy" {
		t.Errorf("service = %q, want edge-proxy from OTEL_SERVICE_NAME", cfg.Rules[0].Service)
	}
}

func TestShippedRulesCompile(t *testing.T) {
	cfg, err := Load("../../rules.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range cfg.Rules {
		names = append(names, r.Name)
	}
	// HAProxy's rules come first (tried first, kept fast), then Caddy's,
	// nginx's and PostgreSQL's; rules for other programs may follow.
	want := "haproxy_http,haproxy_tcp,haproxy_ssl_error,haproxy_server_down,haproxy_server_up,haproxy_backend_down,haproxy_health_check,haproxy_proxy_state,haproxy_connect,haproxy_ocsp_update,haproxy_log_dropped," +
		"caddy,nginx_json,nginx_text," +
		"postgresql_jsonlog,postgresql_jsonlog_error,postgresql_jsonlog_other," +
		"postgresql_stderr,postgresql_stderr_error,postgresql_stderr_other"
	got := strings.Join(names, ",")
	if !strings.HasPrefix(got+",", want+",") {
		t.Errorf("shipped rules = %v, want them to begin with %s", names, want)
	}
	// The proxies' block (ALB, Envoy, Traefik) closes the file.
	if !strings.HasSuffix(got, ",aws_alb,envoy_json_partial,envoy_json,envoy_tcp,envoy,traefik") {
		t.Errorf("shipped rules = %v, want them to end with ALB's, Envoy's and Traefik's", names)
	}
}

func TestFind(t *testing.T) {
	t.Chdir(t.TempDir())
	if p, _ := Find("mine.yaml"); p != "mine.yaml" {
		t.Errorf("explicit path ignored: %q", p)
	}
	os.WriteFile(filepath.Join(".", "rules.yaml"), []byte("rules: []"), 0o644)
	if p, err := Find(""); err != nil || p != "rules.yaml" {
		t.Errorf("Find = %q, %v; want rules.yaml in the working directory", p, err)
	}
}

// TestCaptureDefaults: a capture without prefix: names request headers.
func TestCaptureDefaults(t *testing.T) {
	cfg, err := parse(t, "rules:"+strings.Replace(okRule, "status=%{INT:status}", "status=%{INT:status} \\{%{DATA:hdrs}\\}", 1)+
		"    captures:\n      - {field: hdrs, names: [host]}\n")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Rules[0]
	line := []byte("at=1700000000 took=5ms status=200 {example.com}")
	m := r.Parser.NewMatch()
	if !r.Parser.Parse(line, m) {
		t.Fatalf("no match for %q with %s", line, r.Parser.Expanded())
	}
	var s mapping.Span
	if _, err := r.Mapper.Map(m, &s); err != nil {
		t.Fatal(err)
	}
	for _, kv := range s.Attributes {
		if kv.Key == "http.request.header.host" && kv.Value.AsString() == "example.com" {
			return
		}
	}
	t.Errorf("no http.request.header.host attribute in %v", s.Attributes)
}

func TestInputsPickRulesAndZone(t *testing.T) {
	const rules = `
rules:
  - name: local
    grok: 'at=%{NOTSPACE:at} took=%{INT:took}ms'
    start: {field: at, layout: '2006-01-02T15:04:05'}
    end: {duration: took, unit: ms}
  - name: other
    grok: 'other %{INT:n}'
    emit: false
inputs:
  - paths: [/var/log/paris/*.log]
    rules: [local]
    timezone: Europe/Paris
    start: beginning
  - paths: [/var/log/*.log]
    exclude: ['*.gz']
`
	cfg, err := parse(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Inputs) != 2 {
		t.Fatalf("got %d inputs, want 2", len(cfg.Inputs))
	}
	paris, plain := cfg.Inputs[0], cfg.Inputs[1]
	if len(paris.Rules) != 1 || paris.Rules[0].Name != "local" || !paris.StartAtBeginning {
		t.Errorf("paris input: rules %v, start at beginning %v; want [local], true", ruleNames(paris.Rules), paris.StartAtBeginning)
	}
	if len(plain.Rules) != 2 || plain.StartAtBeginning || !plain.Matches("/var/log/haproxy.log") || plain.Matches("/var/log/haproxy.log.gz") {
		t.Errorf("plain input: rules %v, start at beginning %v", ruleNames(plain.Rules), plain.StartAtBeginning)
	}
	line := []byte("at=2026-11-21T10:00:00 took=5ms")
	start := func(r *Rule) time.Time {
		m := r.Parser.NewMatch()
		if !r.Parser.Parse(line, m) {
			t.Fatalf("rule %s does not match %q", r.Name, line)
		}
		var s mapping.Span
		if _, err := r.Mapper.Map(m, &s); err != nil {
			t.Fatal(err)
		}
		return s.Start
	}
	// "Local" is UTC in these tests; the Paris input reads the same wall
	// clock time one hour earlier in UTC (CET in November).
	if got, want := start(paris.Rules[0]), time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("paris input: start %v, want %v", got, want)
	}
	if got, want := start(plain.Rules[0]), time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("default input: start %v, want %v", got, want)
	}
}

func ruleNames(rs []*Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// TestEveryProblemOfEveryRule is what `logspan check` promises: one run lists
// every mapping mistake of every rule, each at its own line and column, not
// just the first of each rule.
func TestEveryProblemOfEveryRule(t *testing.T) {
	_, err := parse(t, `rules:
  - name: a
    grok: 'at=%{NUMBER:at} took=%{INT:took}ms status=%{INT:status}'
    start: {field: at, epoch: fortnights}
    duration: {field: tokk}
    kind: sideways
    attributes:
      - {name: x, field: stat}
      - {name: y, field: status, type: integer}
    status:
      - {field: status, match: '('}
    trace_context:
      formats: [w3c, b4]
  - name: b
    grok: 'x=%{INT:x}'
    start: {field: y, epoch: s}
    events:
      - {name: e, duration: z}
`)
	want := []string{
		`4:31: rule "a": start.epoch: unknown epoch unit "fortnights"`,
		`5:23: rule "a": duration.field: unknown field "tokk"`,
		`6:11: rule "a": kind: unknown kind "sideways"`,
		`8:26: rule "a": attributes[0].field: unknown field "stat"`,
		`9:40: rule "a": attributes[1].type: unknown type "integer"`,
		`11:32: rule "a": status[0].match: not a Go regular expression`,
		`13:22: rule "a": trace_context.formats[1]: unknown format "b4"`,
		`16:20: rule "b": start.field: unknown field "y"`,
		`18:29: rule "b": events[0].duration: unknown field "z"`,
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T, want Problems: %v", err, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q", w)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MiB", 256 << 20, true},
		{"1 GiB", 1 << 30, true},
		{"500MB", 500e6, true},
		{"42", 42, true},
		{"8589934591GiB", 8589934591 << 30, true}, // the largest that fits
		{"8589934592GiB", 0, false},               // would overflow int64
		{"10000000000GiB", 0, false},              // used to wrap to a negative size
		{"-1MiB", 0, false},
		{"lots", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
