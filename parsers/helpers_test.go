package parsers

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The lead's rules, tried in this order.
var ruleExprs = []struct{ name, expr string }{
	{"HTTP", "%{HAPROXY_HEADER}%{HAPROXY_HTTP}"},
	{"TCP", "%{HAPROXY_HEADER}%{HAPROXY_TCP}"},
	{"SSL_ERROR", "%{HAPROXY_HEADER}%{HAPROXY_SSL_ERROR}"},
}

const testdataDir = "../testdata/haproxy"

// fileRule says which rule each testdata file is meant for: "" for none.
// docs-examples.log and the real HAProxy 2.6 logs mix rules and are listed
// line by line in mixedRules.
var fileRule = map[string]string{
	"http.log":           "HTTP",
	"https.log":          "HTTP",
	"syslog-local.log":   "HTTP",
	"syslog-rfc3164.log": "HTTP",
	"syslog-rfc5424.log": "HTTP",
	"pre17.log":          "HTTP",
	"tcp.log":            "TCP",
	"ssl-errors.log":     "SSL_ERROR",
	"unmatched.log":      "",
}

var mixedRules = map[string][]string{
	"docs-examples.log": {"HTTP", "TCP", "HTTP", "HTTP", "TCP"},
	// Written by Debian's HAProxy 2.6 (see testdata/haproxy/haproxy26.cfg).
	"haproxy26-raw.log":     {"HTTP", "HTTP", "HTTP", "HTTP", "TCP", "SSL_ERROR", "SSL_ERROR"},
	"haproxy26-rfc5424.log": {"HTTP", "HTTP", "HTTP", "HTTP", "TCP", "SSL_ERROR", "SSL_ERROR"},
	// Written by Debian's HAProxy 2.6 (see testdata/haproxy/haproxy26-cut.cfg):
	// HAProxy's own messages, lines cut at 1024 bytes, proxy requests.
	"haproxy26-cut.log":         {"", "", "", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "", "", "HTTP", "", ""},
	"haproxy26-cut-rfc5424.log": {"", "", "", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "", "HTTP", ""},
	// Crafted from HAProxy's documentation for issue #14: its own messages,
	// TLS fields, client aborts, cut lines, structured data, redispatch.
	"issue14.log": {"", "", "", "", "", "", "", "", "", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "TCP"},
}

// intendedRule returns the rule meant to match line n (0-based) of file.
func intendedRule(t testing.TB, file string, n int) string {
	if rules, ok := mixedRules[file]; ok {
		if n >= len(rules) {
			t.Fatalf("%s has more lines than expected", file)
		}
		return rules[n]
	}
	r, ok := fileRule[file]
	if !ok {
		t.Fatalf("testdata file %s has no expectation: add it to fileRule", file)
	}
	return r
}

// testFiles lists the testdata files.
func testFiles(t testing.TB) []string {
	paths, err := filepath.Glob(filepath.Join(testdataDir, "*.log"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata files in %s (%v)", testdataDir, err)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}

// readLines returns a testdata file's lines, without their newlines.
func readLines(t testing.TB, file string) []string {
	b, err := os.ReadFile(filepath.Join(testdataDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

var (
	rulesOnce    sync.Once
	rulesParsers []*Parser
	rulesErr     error
)

// ruleParsers compiles the three rules once for all tests.
func ruleParsers(t testing.TB) []*Parser {
	rulesOnce.Do(func() {
		for _, r := range ruleExprs {
			p, err := New(Spec{Expression: r.expr})
			if err != nil {
				rulesErr = err
				return
			}
			rulesParsers = append(rulesParsers, p)
		}
	})
	if rulesErr != nil {
		t.Fatal(rulesErr)
	}
	return rulesParsers
}

// fieldMap returns the fields that took part in m, by name.
func fieldMap(p *Parser, m *Match) map[string]string {
	out := map[string]string{}
	for i, name := range p.FieldNames() {
		if m.Present(i) {
			out[name] = string(m.Field(i))
		}
	}
	return out
}

// parseString parses s with p and returns whether it matched and its fields.
func parseString(p *Parser, s string) (bool, map[string]string) {
	m := p.NewMatch()
	if !p.Parse([]byte(s), m) {
		return false, nil
	}
	return true, fieldMap(p, m)
}
