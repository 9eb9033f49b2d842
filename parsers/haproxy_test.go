package parsers

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestHAProxyRuleSelection checks that every testdata line is matched by
// exactly the rule meant for it, and unmatched.log by none.
func TestHAProxyRuleSelection(t *testing.T) {
	ps := ruleParsers(t)
	seen := map[string]bool{}
	for _, file := range testFiles(t) {
		lines := readLines(t, file)
		if len(lines) < 5 || len(lines) > 20 {
			t.Errorf("%s has %d lines; keep testdata files small but covering", file, len(lines))
		}
		for n, line := range lines {
			want := intendedRule(t, file, n)
			var got []string
			for i, p := range ps {
				if ok, _ := parseString(p, line); ok {
					got = append(got, ruleExprs[i].name)
				}
			}
			switch {
			case want == "" && len(got) != 0:
				t.Errorf("%s:%d: matched by %v, want no rule:\n%s", file, n+1, got, line)
			case want != "" && !slices.Equal(got, []string{want}):
				t.Errorf("%s:%d: matched by %v, want only %s:\n%s", file, n+1, got, want, line)
			}
		}
		seen[file] = true
	}
	for file := range fileRule {
		if !seen[file] {
			t.Errorf("testdata file %s is missing", file)
		}
	}
}

// TestDocsExamplesVerbatim checks that docs-examples.log holds exactly the
// example lines of the shared reference, so that the doc's own lines are
// known to parse.
func TestDocsExamplesVerbatim(t *testing.T) {
	lines := readLines(t, "docs-examples.log")
	if len(lines) != 5 {
		t.Fatalf("docs-examples.log has %d lines, want the reference's 5", len(lines))
	}
	for _, want := range []string{
		"haproxy[674]: 127.0.0.1:33320 [15/Oct/2003:08:32:17.654] px-http px-http/srv1 9/0/7/14/+30 200 +243 - - ---- 3/3/3/1/0 0/0 \"GET /image.iso HTTP/1.0\"",
		"haproxy[18989]: 127.0.0.1:34550 [15/Oct/2003:15:24:28.312] px-tcp px-tcp/srv1 0/0/5007 0 cD 0/0/0/0/0 0/0",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("docs-examples.log lacks the reference line %q", want)
		}
	}
}

// line returns line n (1-based) of a testdata file.
func line(t *testing.T, file string, n int) string {
	t.Helper()
	lines := readLines(t, file)
	if n < 1 || n > len(lines) {
		t.Fatalf("%s has no line %d", file, n)
	}
	return lines[n-1]
}

func TestHAProxyFields(t *testing.T) {
	ps := ruleParsers(t)
	byName := map[string]*Parser{}
	for i, r := range ruleExprs {
		byName[r.name] = ps[i]
	}
	tests := []struct {
		name   string
		file   string
		line   int
		rule   string
		want   map[string]string // fields that must be present with these values
		absent []string          // fields that must not take part
	}{
		{
			name: "raw GET with traceparent", file: "http.log", line: 1, rule: "HTTP",
			want: map[string]string{
				"client_ip": "10.0.1.2", "client_port": "33317", "request_date": "21/Aug/2026:18:01:40.123",
				"frontend": "www", "backend": "web", "server": "web1",
				"request_time_ms": "0", "queue_time_ms": "0", "connect_time_ms": "1", "response_time_ms": "12", "active_time_ms": "14",
				"status_code": "200", "bytes_read": "5120", "captured_request_cookie": "-", "captured_response_cookie": "-",
				"termination_state": "----", "actconn": "12", "feconn": "10", "beconn": "3", "srvconn": "1", "retries": "0",
				"srv_queue": "0", "backend_queue": "0",
				"captured_request_headers": "example.com|00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
				"request_line":             "GET /index.html HTTP/1.1", "http_method": "GET", "url_path": "/index.html", "http_version": "1.1",
			},
			absent: []string{"syslog_pri", "syslog_timestamp", "syslog_host", "program", "pid", "frontend_tls",
				"captured_response_headers", "uri_scheme", "uri_host", "url_query", "fc_err", "ssl_sni", "ssl_version", "ssl_cipher"},
		},
		{
			name: "query string", file: "http.log", line: 6, rule: "HTTP",
			want: map[string]string{"url_path": "/search", "url_query": "q=haproxy+tracing&page=2", "http_method": "GET"},
		},
		{
			name: "NOSRV with -1 timers", file: "http.log", line: 8, rule: "HTTP",
			want: map[string]string{"server": "<NOSRV>", "backend": "api", "queue_time_ms": "-1", "connect_time_ms": "-1",
				"response_time_ms": "-1", "active_time_ms": "0", "status_code": "503", "termination_state": "SC--",
				"captured_request_headers": "api.example.com|"},
		},
		{
			name: "BADREQ", file: "http.log", line: 12, rule: "HTTP",
			want:   map[string]string{"request_line": "<BADREQ>", "request_time_ms": "-1", "status_code": "400", "termination_state": "PR--", "captured_request_headers": "|"},
			absent: []string{"http_method", "url_path", "url_query", "http_version", "uri_scheme", "uri_host"},
		},
		{
			name: "empty request", file: "http.log", line: 13, rule: "HTTP",
			want:   map[string]string{"request_line": "", "status_code": "-1", "bytes_read": "0", "termination_state": "CR--", "active_time_ms": "8490"},
			absent: []string{"http_method", "url_path", "captured_request_headers", "captured_response_headers"},
		},
		{
			name: "logasap", file: "http.log", line: 14, rule: "HTTP",
			want: map[string]string{"active_time_ms": "+9", "bytes_read": "+524288", "url_path": "/releases/logspan-1.0.0.tar.gz"},
		},
		{
			name: "IPv6 client", file: "http.log", line: 15, rule: "HTTP",
			want: map[string]string{"client_ip": "2001:db8::1", "client_port": "51234"},
		},
		{
			name: "HTTP/2 absolute URI", file: "http.log", line: 16, rule: "HTTP",
			want: map[string]string{"request_line": "GET https://example.com/api/search?q=otel&lang=en HTTP/2.0",
				"http_method": "GET", "uri_scheme": "https", "uri_host": "example.com", "url_path": "/api/search",
				"url_query": "q=otel&lang=en", "http_version": "2.0"},
		},
		{
			name: "redispatch retries", file: "http.log", line: 17, rule: "HTTP",
			want: map[string]string{"retries": "1", "redispatched": "+", "connect_time_ms": "3001"},
		},
		{
			name: "two capture blocks", file: "http.log", line: 18, rule: "HTTP",
			want: map[string]string{"captured_request_headers": "shop.example.com|00-c3d4e5f60718293a4b5c6d7e8f90a1b2-33445566778899aa-01",
				"captured_response_headers": "application/json|req-7f3a", "http_method": "DELETE", "status_code": "204"},
		},
		{
			name: "sampled flag off", file: "http.log", line: 3, rule: "HTTP",
			want: map[string]string{"captured_request_headers": "api.example.com|00-5e2a1f0c9b8d4e7fa6b3c2d1e0f9a8b7-1a2b3c4d5e6f7081-00", "http_method": "PUT"},
		},
		{
			name: "syslog local", file: "syslog-local.log", line: 1, rule: "HTTP",
			want:   map[string]string{"syslog_pri": "134", "syslog_timestamp": "Feb  6 12:14:14", "program": "haproxy", "pid": "14389", "client_ip": "10.0.1.2"},
			absent: []string{"syslog_host"},
		},
		{
			name: "syslog local, long IPv6", file: "syslog-local.log", line: 4, rule: "HTTP",
			want: map[string]string{"client_ip": "2001:db8:85a3::8a2e:370:7334", "client_port": "50112", "url_query": "ref=home"},
		},
		{
			name: "syslog local, 2-digit day", file: "syslog-local.log", line: 6, rule: "HTTP",
			want:   map[string]string{"syslog_timestamp": "Feb 16 09:02:03", "frontend": "legacy"},
			absent: []string{"captured_request_headers"},
		},
		{
			name: "rfc3164 with PRI", file: "syslog-rfc3164.log", line: 3, rule: "HTTP",
			want: map[string]string{"syslog_pri": "131", "syslog_timestamp": "Feb  6 12:14:15", "syslog_host": "lb1.example.net", "program": "haproxy", "pid": "14389"},
		},
		{
			name: "rfc3164 without PRI", file: "syslog-rfc3164.log", line: 4, rule: "HTTP",
			want:   map[string]string{"syslog_timestamp": "Feb  6 12:14:15", "syslog_host": "lb1", "pid": "14389", "retries": "1", "redispatched": "+"},
			absent: []string{"syslog_pri"},
		},
		{
			name: "rsyslog high precision", file: "syslog-rfc3164.log", line: 7, rule: "HTTP",
			want:   map[string]string{"syslog_timestamp": "2026-08-21T18:01:40.123456+02:00", "syslog_host": "lb1", "program": "haproxy", "pid": "123", "uri_host": "example.com"},
			absent: []string{"syslog_pri"},
		},
		{
			name: "rfc5424", file: "syslog-rfc5424.log", line: 1, rule: "HTTP",
			want: map[string]string{"syslog_pri": "134", "syslog_timestamp": "2026-08-21T18:01:40.123456+02:00", "syslog_host": "lb1",
				"program": "haproxy", "pid": "14389", "client_ip": "10.0.1.2", "request_date": "21/Aug/2026:18:01:40.109"},
		},
		{
			name: "rfc5424 nil pid, Z time", file: "syslog-rfc5424.log", line: 3, rule: "HTTP",
			want: map[string]string{"syslog_timestamp": "2026-08-21T16:01:41.387Z", "syslog_host": "lb2.example.net", "pid": "-", "status_code": "500"},
		},
		{
			name: "rfc5424 structured data", file: "syslog-rfc5424.log", line: 4, rule: "HTTP",
			want: map[string]string{"pid": "14389", "client_ip": "192.0.2.47", "server": "<NOSRV>"},
		},
		{
			name: "httpslog", file: "https.log", line: 3, rule: "HTTP",
			want: map[string]string{"frontend": "https-in", "frontend_tls": "~", "http_version": "2.0",
				"fc_err": "0", "ssl_fc_err": "0", "ssl_c_err": "0", "ssl_c_ca_err": "0", "ssl_fc_is_resumed": "1",
				"ssl_sni": "api.example.com", "ssl_version": "TLSv1.3", "ssl_cipher": "TLS_AES_128_GCM_SHA256"},
		},
		{
			name: "httpslog client cert error", file: "https.log", line: 6, rule: "HTTP",
			want: map[string]string{"frontend": "mtls-in", "ssl_c_err": "20", "ssl_cipher": "ECDHE-ECDSA-AES256-GCM-SHA384"},
		},
		{
			name: "httpslog without TLS", file: "https.log", line: 8, rule: "HTTP",
			want:   map[string]string{"frontend": "http-in", "ssl_sni": "-", "ssl_version": "-", "ssl_cipher": "-"},
			absent: []string{"frontend_tls"},
		},
		{
			name: "pre-1.7 without milliseconds", file: "pre17.log", line: 2, rule: "HTTP",
			want: map[string]string{"request_date": "06/Feb/2026:12:14:15", "request_time_ms": "5", "active_time_ms": "216",
				"captured_request_headers": "example.com", "captured_response_headers": "text/html", "syslog_host": "lb-old"},
		},
		{
			name: "pre-1.7 persistence cookie", file: "pre17.log", line: 3, rule: "HTTP",
			want: map[string]string{"captured_request_cookie": "-", "captured_response_cookie": "SERVERID=app2", "termination_state": "--NI"},
		},
		{
			name: "pre-1.7 empty blocks", file: "pre17.log", line: 5, rule: "HTTP",
			want: map[string]string{"captured_request_headers": "", "captured_response_headers": "", "request_line": "<BADREQ>"},
		},
		{
			name: "doc example, bare program header", file: "docs-examples.log", line: 3, rule: "HTTP",
			want:   map[string]string{"program": "haproxy", "pid": "674", "active_time_ms": "+30", "bytes_read": "+243", "http_version": "1.0"},
			absent: []string{"syslog_timestamp", "syslog_host", "captured_request_headers"},
		},
		{
			name: "doc example TCP", file: "docs-examples.log", line: 2, rule: "TCP",
			want: map[string]string{"syslog_timestamp": "Feb  6 12:12:56", "syslog_host": "localhost", "pid": "14387",
				"client_ip": "10.0.1.2", "client_port": "33313", "accept_date": "06/Feb/2009:12:12:51.443",
				"frontend": "fnt", "backend": "bck", "server": "srv1", "queue_time_ms": "0", "connect_time_ms": "0",
				"session_time_ms": "5007", "bytes_read": "212", "termination_state": "--",
				"actconn": "0", "feconn": "0", "beconn": "0", "srvconn": "0", "retries": "3", "srv_queue": "0", "backend_queue": "0"},
		},
		{
			name: "TCP TLS frontend, logasap", file: "tcp.log", line: 6, rule: "TCP",
			want: map[string]string{"frontend": "smtps-in", "frontend_tls": "~", "session_time_ms": "+2", "bytes_read": "+1024"},
		},
		{
			name: "TCP NOSRV", file: "tcp.log", line: 5, rule: "TCP",
			want:   map[string]string{"server": "<NOSRV>", "connect_time_ms": "-1", "session_time_ms": "-1", "termination_state": "SC"},
			absent: []string{"frontend_tls"},
		},
		{
			name: "TCP IPv6 and retries", file: "tcp.log", line: 7, rule: "TCP",
			want: map[string]string{"client_ip": "2001:db8::20", "client_port": "44001", "retries": "1", "redispatched": "+", "termination_state": "CD"},
		},
		{
			name: "SSL error raw", file: "ssl-errors.log", line: 1, rule: "SSL_ERROR",
			want: map[string]string{"client_ip": "198.51.100.23", "client_port": "40522", "accept_date": "21/Aug/2026:18:07:12.310",
				"frontend": "https-in", "bind": "1", "ssl_error": "SSL handshake failure"},
			absent: []string{"program"},
		},
		{
			name: "SSL error rfc5424", file: "ssl-errors.log", line: 4, rule: "SSL_ERROR",
			want: map[string]string{"syslog_host": "lb1", "frontend": "https-in", "bind": "public", "ssl_error": "Timeout during SSL handshake"},
		},
		{
			name: "SSL error with ~ and detail", file: "ssl-errors.log", line: 6, rule: "SSL_ERROR",
			want: map[string]string{"frontend": "https-in", "bind": "public",
				"ssl_error": "SSL handshake failure (error:0A000086:SSL routines::certificate verify failed)"},
		},
		{
			name: "SSL error IPv6", file: "ssl-errors.log", line: 5, rule: "SSL_ERROR",
			want: map[string]string{"client_ip": "2001:db8::77", "client_port": "60001", "bind": "1", "ssl_error": "SSL client certificate not trusted"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := line(t, tc.file, tc.line)
			ok, got := parseString(byName[tc.rule], s)
			if !ok {
				t.Fatalf("%s:%d not matched by %s:\n%s", tc.file, tc.line, tc.rule, s)
			}
			for name, want := range tc.want {
				v, present := got[name]
				if !present {
					t.Errorf("%s absent, want %q", name, want)
				} else if v != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
			for _, name := range tc.absent {
				if v, present := got[name]; present {
					t.Errorf("%s = %q, want absent", name, v)
				}
			}
		})
	}
}

// TestHAProxyRequestLines covers request lines that must still match with
// request_line alone: the parsed fields are absent, not wrong.
func TestHAProxyRequestLines(t *testing.T) {
	p := ruleParsers(t)[0]
	prefix := `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 1/1/1/1/0 0/0 "`
	long := "GET /" + strings.Repeat("a", 1019) // cut at 1024 characters, no version
	tests := []struct {
		req  string
		want map[string]string // the request fields present
	}{
		{"GET /a?b=c HTTP/1.1", map[string]string{"http_method": "GET", "url_path": "/a", "url_query": "b=c", "http_version": "1.1"}},
		{"GET /a? HTTP/1.1", map[string]string{"http_method": "GET", "url_path": "/a", "url_query": "", "http_version": "1.1"}},
		{"CONNECT example.com:443 HTTP/1.1", map[string]string{"http_method": "CONNECT", "uri_host": "example.com", "uri_port": "443", "url_path": "", "http_version": "1.1"}},
		{"CONNECT [2001:db8::1]:443 HTTP/1.1", map[string]string{"http_method": "CONNECT", "uri_host": "2001:db8::1", "uri_port": "443", "url_path": "", "http_version": "1.1"}},
		{"GET https://example.com HTTP/2.0", map[string]string{"http_method": "GET", "uri_scheme": "https", "uri_host": "example.com", "url_path": "", "http_version": "2.0"}},
		{"GET http://example.com:8080/x HTTP/1.1", map[string]string{"http_method": "GET", "uri_scheme": "http", "uri_host": "example.com", "uri_port": "8080", "url_path": "/x", "http_version": "1.1"}},
		{"GET http://[::1]:8080/x?y HTTP/1.1", map[string]string{"http_method": "GET", "uri_scheme": "http", "uri_host": "::1", "uri_port": "8080", "url_path": "/x", "url_query": "y", "http_version": "1.1"}},
		{"GET http://h:/x HTTP/1.1", map[string]string{"http_method": "GET", "uri_scheme": "http", "uri_host": "h", "url_path": ":/x", "http_version": "1.1"}},
		{long, map[string]string{}},
		{"<BADREQ>", map[string]string{}},
		{"", map[string]string{}},
		{"GET /a b HTTP/1.1", map[string]string{}},
		{"get / HTTP/1.1", map[string]string{}},
		{"\x16\x03\x01garbage", map[string]string{}},
	}
	reqFields := []string{"http_method", "uri_scheme", "uri_host", "uri_port", "url_path", "url_query", "http_version"}
	for _, tc := range tests {
		ok, got := parseString(p, prefix+tc.req+`"`)
		if !ok {
			t.Errorf("request %q: line not matched", tc.req)
			continue
		}
		if got["request_line"] != tc.req {
			t.Errorf("request %q: request_line = %q", tc.req, got["request_line"])
		}
		for _, name := range reqFields {
			v, present := got[name]
			want, wantPresent := tc.want[name]
			if present != wantPresent || v != want {
				t.Errorf("request %q: %s = %q (present %v), want %q (present %v)", tc.req, name, v, present, want, wantPresent)
			}
		}
	}
}

// TestHAProxyPatternFile checks the rules the pattern file is written to:
// every pattern commented, no trailing space, no use of grok's bundled
// patterns, and a field named twice within a top-level pattern only in
// alternatives of each other, so that at most one of its groups takes part.
func TestHAProxyPatternFile(t *testing.T) {
	own, err := ownPatterns()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(haproxyPatterns, "\n")
	for i, l := range lines {
		if strings.TrimRight(l, " \t") != l {
			t.Errorf("haproxy.grok:%d ends in whitespace, which editors strip", i+1)
		}
		if l != "" && !strings.HasPrefix(l, "#") && (i == 0 || !strings.HasPrefix(lines[i-1], "#")) {
			t.Errorf("haproxy.grok:%d: pattern without a comment above it", i+1)
		}
	}
	for name, def := range own {
		if !strings.HasPrefix(name, "HAPROXY_") {
			t.Errorf("pattern %s: logspan's patterns are named HAPROXY_*", name)
		}
		for _, ref := range refSyntax.FindAllStringSubmatch(def, -1) {
			dep := strings.Split(ref[1], ":")[0]
			if _, ok := own[dep]; !ok {
				t.Errorf("pattern %s uses %s, which is not one of logspan's", name, dep)
			}
		}
		if strings.Contains(def, "(?=") || strings.Contains(def, "(?!") || strings.Contains(def, "(?<=") {
			t.Errorf("pattern %s uses lookaround", name)
		}
	}
	for _, top := range []string{"HAPROXY_HEADER", "HAPROXY_HTTP", "HAPROXY_TCP", "HAPROXY_SSL_ERROR"} {
		p, err := compile(Spec{Expression: "%{" + top + "}"})
		if err != nil {
			t.Fatal(err)
		}
		tree, err := syntax.Parse(p.expanded, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		// The path of every group from the root, as the nodes on the way.
		paths := map[string][][]*syntax.Regexp{}
		var walk func(re *syntax.Regexp, path []*syntax.Regexp)
		walk = func(re *syntax.Regexp, path []*syntax.Regexp) {
			path = append(path, re)
			if re.Op == syntax.OpCapture {
				paths[re.Name] = append(paths[re.Name], slices.Clone(path))
			}
			for _, sub := range re.Sub {
				walk(sub, path)
			}
		}
		walk(tree, nil)
		for name, ps := range paths {
			for i := 1; i < len(ps); i++ {
				for j := range i {
					// The last node the two paths share must offer them as
					// alternatives.
					k := 0
					for k < len(ps[i]) && k < len(ps[j]) && ps[i][k] == ps[j][k] {
						k++
					}
					if ps[i][k-1].Op != syntax.OpAlternate {
						t.Errorf("%s names field %s twice outside alternatives", top, p.names[fieldNumber(t, name)])
					}
				}
			}
		}
	}
}

// fieldNumber reads the field index of an expanded group name, f<index>.
func fieldNumber(t *testing.T, group string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(group, "f"))
	if err != nil {
		t.Fatalf("group %q is not a field's", group)
	}
	return n
}

// TestHAProxyFieldNames pins the field names: they are a contract with the
// rules file.
func TestHAProxyFieldNames(t *testing.T) {
	header := []string{"syslog_pri", "syslog_timestamp", "syslog_host", "program", "pid"}
	want := [][]string{
		append(slices.Clone(header), "client_ip", "client_port", "request_date", "frontend", "frontend_tls", "backend", "server",
			"request_time_ms", "queue_time_ms", "connect_time_ms", "response_time_ms", "active_time_ms", "status_code", "bytes_read",
			"captured_request_cookie", "captured_response_cookie", "termination_state", "actconn", "feconn", "beconn", "srvconn",
			"redispatched", "retries", "srv_queue", "backend_queue", "captured_request_headers", "captured_response_headers", "request_line",
			"http_method", "uri_scheme", "uri_host", "uri_port", "url_path", "url_query", "http_version",
			"fc_err", "ssl_fc_err", "ssl_c_err", "ssl_c_ca_err", "ssl_fc_is_resumed", "ssl_sni", "ssl_version",
			"tls_version", "ssl_protocol_version", "ssl_cipher", "truncated"),
		append(slices.Clone(header), "client_ip", "client_port", "accept_date", "frontend", "frontend_tls", "backend", "server",
			"queue_time_ms", "connect_time_ms", "session_time_ms", "bytes_read", "termination_state",
			"actconn", "feconn", "beconn", "srvconn", "redispatched", "retries", "srv_queue", "backend_queue"),
		append(slices.Clone(header), "client_ip", "client_port", "accept_date", "frontend", "bind", "ssl_error"),
	}
	word := regexp.MustCompile(`^[a-z_]+$`)
	for i, p := range ruleParsers(t) {
		if got := p.FieldNames(); !slices.Equal(got, want[i]) {
			t.Errorf("%s fields:\n got %q\nwant %q", ruleExprs[i].name, got, want[i])
		}
		for _, name := range p.FieldNames() {
			if !word.MatchString(name) {
				t.Errorf("%s: field %q is not snake_case", ruleExprs[i].name, name)
			}
		}
	}
}
