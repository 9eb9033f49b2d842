package parsers

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/logspan/logspan/internal/haproxygen"
)

// nativeRules are the rules of ruleExprs that have a native scanner.
var nativeRules = []string{"HTTP", "TCP"}

// ruleParser returns the parser of ruleExprs' rule name.
func ruleParser(t testing.TB, name string) *Parser {
	t.Helper()
	for i, r := range ruleExprs {
		if r.name == name {
			return ruleParsers(t)[i]
		}
	}
	t.Fatalf("no rule %s", name)
	return nil
}

// regexpOnly returns a copy of p without its native scanner, so that Parse
// runs the regexp alone.
func regexpOnly(p *Parser) *Parser {
	q := *p
	q.native = nil
	return &q
}

// nativeIndex runs p's scanner alone on line: whether it accepted, and the
// offsets it wrote.
func nativeIndex(p *Parser, line []byte) (bool, []int) {
	idx := slices.Repeat([]int{-1}, 2*len(p.names))
	return p.native(line, idx), idx
}

// regexpIndex runs p's regexp alone on line.
func regexpIndex(p *Parser, line []byte) (bool, []int) {
	m := p.NewMatch()
	ok := regexpOnly(p).Parse(line, m)
	return ok, m.Index
}

// diffNative checks the scanner's contract on one line: if it accepts, the
// regexp accepts with the same offsets. It returns whether the scanner and
// the regexp accepted, and a description of the difference if any.
func diffNative(p *Parser, line []byte) (native, re bool, diff string) {
	native, nidx := nativeIndex(p, line)
	re, ridx := regexpIndex(p, line)
	if !native {
		return false, re, ""
	}
	if !re {
		return true, false, "the scanner accepts a line the regexp does not match"
	}
	var b strings.Builder
	for f, name := range p.names {
		if nidx[2*f] != ridx[2*f] || nidx[2*f+1] != ridx[2*f+1] {
			fmt.Fprintf(&b, "\n  %s: scanner %s, regexp %s", name, span2(line, nidx[2*f:]), span2(line, ridx[2*f:]))
		}
	}
	return true, true, b.String()
}

// span2 shows a field's offsets and text for a failure message.
func span2(line []byte, se []int) string {
	if se[0] < 0 {
		return fmt.Sprintf("[%d:%d] absent", se[0], se[1])
	}
	if se[0] > se[1] || se[1] > len(line) {
		return fmt.Sprintf("[%d:%d] out of range", se[0], se[1])
	}
	return fmt.Sprintf("[%d:%d] %q", se[0], se[1], line[se[0]:se[1]])
}

// TestNativeSelection checks which expressions get a scanner: exactly those
// whose expansion is a bundled layout's, whatever way they were written.
func TestNativeSelection(t *testing.T) {
	httpExpanded := ruleParser(t, "HTTP").Expanded()
	tests := []struct {
		name string
		spec Spec
		want string // "HTTP", "TCP" or "" for none
	}{
		{"HTTP rule", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}"}, "HTTP"},
		{"TCP rule", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_TCP}"}, "TCP"},
		{"SSL error rule", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_SSL_ERROR}"}, ""},
		{"HTTP without header", Spec{Expression: "%{HAPROXY_HTTP}"}, ""},
		{"HTTP with a trailing space", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP} "}, ""},
		{"overridden port", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", Patterns: map[string]string{"HAPROXY_PORT": `\d+`}}, ""},
		{"overridden header", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", Patterns: map[string]string{"HAPROXY_HEADER": `(?:%{WORD:tag}: )?`}}, ""},
		{"overridden request line", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", Patterns: map[string]string{"HAPROXY_REQUEST_LINE": `[^"]*`}}, ""},
		{"override identical to the library", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", Patterns: map[string]string{"HAPROXY_PORT": `\d+|-`}}, "HTTP"},
		{"unused override", Spec{Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", Patterns: map[string]string{"MY_THING": `x`}}, "HTTP"},
		{"the layout through an own pattern", Spec{Expression: "%{MY_HTTP}", Patterns: map[string]string{"MY_HTTP": "%{HAPROXY_HEADER}%{HAPROXY_HTTP}"}}, "HTTP"},
		// The expansion is a fixed point: written out by hand, it expands
		// to itself, and means the same.
		{"the expansion written out", Spec{Expression: strings.TrimSuffix(strings.TrimPrefix(httpExpanded, "^(?:"), ")$")}, "HTTP"},
		{"the expansion written out, one class changed", Spec{Expression: strings.Replace(strings.TrimSuffix(strings.TrimPrefix(httpExpanded, "^(?:"), ")$"), "{4}", "{3}", 1)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p.native != nil {
				got = "?"
				// Functions compare by their code's address only.
				switch reflect.ValueOf(p.native).Pointer() {
				case reflect.ValueOf(scanHAProxyHTTP).Pointer():
					got = "HTTP"
				case reflect.ValueOf(scanHAProxyTCP).Pointer():
					got = "TCP"
				}
			}
			if got != tc.want {
				t.Errorf("scanner %q, want %q; expanded: %s", got, tc.want, p.Expanded())
			}
		})
	}
}

// TestNativeClasses checks byteClass against the regexp's own reading of
// each class, for every byte: the scanners rely on it being exact.
func TestNativeClasses(t *testing.T) {
	classes := []struct {
		name string
		cl   uint16
		re   string
	}{
		{"digit", clDigit, `[0-9]`},
		{"program", clProg, `[\w./-]`},
		{"name", clName, `[\w.:-]`},
		{"client", clClient, `[\w.:%-]`},
		{"ssl code", clCode, `[\w-]`},
		{"method", clMethod, `[A-Z0-9_-]`},
		{"scheme", clScheme, `[A-Za-z0-9+.-]`},
		{"termination", clTerm, `[A-Za-z-]`},
		{"not space", clNotSpace, `[^ ]`},
		{"uri name", clURIName, `[^/?# ":\[\]]`},
		{"ipv6", clIPv6, `[0-9A-Fa-f:.]`},
		{"path", clPath, `[^ ?"]`},
		{"query", clQuery, `[^ "]`},
		{"ssl name", clSSLName, `[^ /]`},
	}
	for _, c := range classes {
		re := regexp.MustCompile(`^` + c.re + `$`)
		for b := range 256 {
			want := re.Match([]byte{byte(b)})
			if got := byteClass[b]&c.cl != 0; got != want {
				t.Errorf("%s: byte %#x in class %v, regexp says %v", c.name, b, got, want)
			}
		}
	}
}

// nativeForms are lines in the forms the scanners must read themselves
// (accept true) or may leave to the regexp (accept false, either because the
// regexp does not match them or because they are rare and tricky). Every
// line is also checked against the regexp.
var nativeForms = []struct {
	name   string
	rule   string
	line   string
	accept bool
}{
	{"raw", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {example.com|00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01} "GET /index.html HTTP/1.1"`, true},
	{"raw, no capture", "HTTP", `10.0.3.7:40112 [21/Aug/2026:18:01:41.002] legacy old/old1 0/0/0/3/3 301 187 - - ---- 9/1/1/1/0 0/0 "GET /old-page HTTP/1.1"`, true},
	{"two captures, one empty", "HTTP", `10.0.1.2:1 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"`, true},
	{"capture holding quotes and braces", "HTTP", `10.0.1.2:1 [06/Feb/2009:12:14:14.655] www web/w 1/0/0/1/2 200 1 - - ---- 1/1/1/1/0 0/0 {a" "b{c} {"x"} "GET / HTTP/1.1"`, true},
	{"query", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/22/25 200 14230 - - ---- 11/9/4/2/0 0/0 "GET /search?q=a?b&c=%20 HTTP/1.1"`, true},
	{"empty query", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/22/25 200 14230 - - ---- 11/9/4/2/0 0/0 "GET /search? HTTP/1.1"`, true},
	{"absolute URI", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET https://example.com:8443/api/search?q=otel HTTP/2.0"`, true},
	{"absolute URI without path", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET https://example.com HTTP/2.0"`, true},
	{"absolute URI with empty host", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET https:///a HTTP/2.0"`, true},
	{"CONNECT authority", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "CONNECT example.com:443 HTTP/1.1"`, true},
	{"version without minor", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/2"`, true},
	{"BADREQ", "HTTP", `203.0.113.51:41901 [21/Aug/2026:18:01:43.210] www www/<NOSRV> -1/-1/-1/-1/2 400 187 - - PR-- 10/8/0/0/0 0/0 {|} "<BADREQ>"`, true},
	{"empty request", "HTTP", `10.0.3.9:40150 [21/Aug/2026:18:01:34.712] legacy legacy/<NOSRV> -1/-1/-1/-1/8490 -1 0 - - CR-- 9/1/0/0/0 0/0 ""`, true},
	{"request with a space in the URI", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 400 812 - - ---- 9/7/2/1/0 0/0 "GET /a b HTTP/1.1"`, true},
	{"request cut at 1024", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 414 812 - - ---- 9/7/2/1/0 0/0 "GET /aaaaaaaaaa"`, true},
	{"request with trailing text", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1 x"`, true},
	{"version with a dot only", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1."`, true},
	{"lower-case method", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "get / HTTP/1.1"`, true},
	{"logasap and redispatch", "HTTP", `10.0.6.3:38220 [21/Aug/2026:18:01:43.500] downloads files/files1 0/0/1/4/+9 200 +524288 - - ---- 8/2/1/1/+1 0/0 "GET /r.tar.gz HTTP/1.1"`, true},
	{"pre-1.7 date without ms", "HTTP", `10.0.1.3:40211 [06/Feb/2026:12:14:15] http-in app/app1 5/0/1/210/216 200 10331 - SERVERID=app2 --NI 3/3/2/1/0 0/0 {example.com} {text/html} "GET /products?page=3 HTTP/1.1"`, true},
	{"IPv6", "HTTP", `2001:db8:85a3::8a2e:370:7334:50112 [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 {example.com|} "GET /about?ref=home HTTP/1.1"`, true},
	{"IPv6 loopback", "HTTP", `::1:50112 [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"IPv6 with zone", "HTTP", `fe80::1%eth0:50112 [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"no port", "HTTP", `10.0.1.2 [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"port -", "HTTP", `10.0.1.2:- [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"IPv6 without port", "HTTP", `2001:db8::a [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"unix socket", "HTTP", `unix:1 [06/Feb/2026:12:14:15.020] www web/web2 0/0/1/9/11 200 3311 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"TLS frontend with httpslog", "HTTP", `10.0.1.2:33318 [21/Aug/2026:18:02:10.120] https-in~ web/web1 0/0/1/11/13 200 5120 - - ---- 21/18/3/1/0 0/0 {example.com|} "GET /index.html HTTP/1.1" 0/0/0/0/0 example.com/TLSv1.3/TLS_AES_256_GCM_SHA384`, true},
	{"httpslog, empty names", "HTTP", `10.0.1.2:33318 [21/Aug/2026:18:02:10.120] https-in~ web/web1 0/0/1/11/13 200 5120 - - ---- 21/18/3/1/0 0/0 "GET / HTTP/1.1" 0/0A/-/0/0 //`, true},
	{"httpslog, too few codes", "HTTP", `10.0.1.2:33318 [21/Aug/2026:18:02:10.120] https-in~ web/web1 0/0/1/11/13 200 5120 - - ---- 21/18/3/1/0 0/0 "GET / HTTP/1.1" 0/0/0/0 a/b/c`, false},
	{"trailing space", "HTTP", `10.0.1.2:33318 [21/Aug/2026:18:02:10.120] www web/web1 0/0/1/11/13 200 5120 - - ---- 21/18/3/1/0 0/0 "GET / HTTP/1.1" `, false},
	{"local", "HTTP", `<134>Feb  6 12:14:14 haproxy[14389]: 10.0.1.2:33317 [06/Feb/2026:12:14:14.655] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {example.com|} "GET /index.html HTTP/1.1"`, true},
	{"local, 2-digit day", "HTTP", `<131>Feb 16 09:02:05 haproxy[14389]: 203.0.113.51:41901 [16/Feb/2026:09:02:05.210] www www/<NOSRV> -1/-1/-1/-1/2 400 187 - - PR-- 10/8/0/0/0 0/0 {|} "<BADREQ>"`, true},
	{"rfc3164 with host", "HTTP", `<134>Feb  6 12:14:14 lb1.example.net haproxy[14389]: 10.0.1.2:33317 [06/Feb/2026:12:14:14.655] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"rfc3164 without PRI", "HTTP", `Feb  6 12:14:15 lb1 haproxy[14389]: 10.0.1.16:33533 [06/Feb/2026:12:14:12.310] www web/web2 0/0/3001/5/3008 200 1544 - - ---- 9/7/2/1/+1 0/0 {example.com|} "GET /cart HTTP/1.1"`, true},
	{"rsyslog high precision", "HTTP", `2026-08-21T18:01:40.123456+02:00 lb1 haproxy[123]: 10.0.1.15:33520 [21/Aug/2026:18:01:40.020] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET https://example.com/api/search?q=otel HTTP/2.0"`, true},
	{"program only", "HTTP", `haproxy[674]: 127.0.0.1:33320 [15/Oct/2003:08:32:17.654] px-http px-http/srv1 9/0/7/14/+30 200 +243 - - ---- 3/3/3/1/0 0/0 "GET /image.iso HTTP/1.0"`, true},
	{"rfc5424", "HTTP", `<134>1 2026-08-21T18:01:40.123456+02:00 lb1 haproxy 14389 - - 10.0.1.2:33317 [21/Aug/2026:18:01:40.109] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {example.com|} "GET /index.html HTTP/1.1"`, true},
	{"rfc5424, nil host and pid", "HTTP", `<134>1 2026-08-21T16:01:41.387Z - haproxy - - - 192.0.2.46:51102 [21/Aug/2026:18:01:40.973] api-gw api/api1 0/0/1/412/414 500 98 - - ---- 15/7/3/2/0 0/0 "POST /v1/payments HTTP/1.1"`, true},
	{"rfc5424 structured data", "HTTP", `<134>1 2026-08-21T18:01:42.011000+02:00 lb1 haproxy 14389 - [a x="1\]\"" y="2"][b] 192.0.2.47:51130 [21/Aug/2026:18:01:42.010] api-gw api/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 15/7/0/0/0 0/0 "GET /v1/health HTTP/1.1"`, true},
	{"rfc5424 unterminated structured data", "HTTP", `<134>1 2026-08-21T18:01:42.011000+02:00 lb1 haproxy 14389 - [a x="1" 192.0.2.47:51130 [21/Aug/2026:18:01:42.010] api-gw api/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 15/7/0/0/0 0/0 "GET /v1/health HTTP/1.1"`, false},
	{"PRI without timestamp", "HTTP", `<134>haproxy[1]: 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"header-like program, then raw", "HTTP", `abc 12]: 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"header that is not one", "HTTP", `haproxy[1]: x [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"client that looks like a program", "HTTP", `haproxy [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"client that looks like a timestamp", "HTTP", `2026-08-21T18:01:40Z [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"timestamp and a host that is the program", "HTTP", `Feb  6 12:14:14 haproxy 1 - - 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, true},
	{"two readings of the header, the first leaving no client", "HTTP", `Feb  6 12:14:14 h 1 - - - - 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1"`, false},
	{"cut in the request", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 "GET /index.html HTTP/1.1`, true},
	{"cut in the path", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {a|b} {c} "GET https://h:80/aaaa`, true},
	{"cut in the query", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 "GET /a?b=c`, true},
	{"cut in the method", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 "GE`, true},
	{"cut after the opening quote", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 "`, true},
	{"cut in a capture", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {example.com|00-4bf92f3577b3`, true},
	{"cut in the second capture", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {a|"b} {text/ht`, true},
	{"cut in a third capture", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {a} {b} {c`, false},
	{"cut request with a quote in a capture", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- 12/10/3/1/0 0/0 {a"} "GET /x`, true},
	{"CONNECT IPv6", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "CONNECT [2001:db8::1]:443 HTTP/1.1"`, true},
	{"absolute URI, IPv6 and port", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET http://[::1]:8080/x HTTP/1.1"`, true},
	{"absolute URI, colon without port", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET http://h:/x HTTP/1.1"`, true},
	{"absolute URI with userinfo", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET http://u:p@h/x HTTP/1.1"`, true},
	{"TLS and SSL versions", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www~ web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1" 0/0/0/0/1 h/SSLv3/x`, true},
	{"TLS version not a number", "HTTP", `10.0.1.2:1 [21/Aug/2026:18:01:40.123] www~ web/web1 0/0/1/7/9 200 812 - - ---- 9/7/2/1/0 0/0 "GET / HTTP/1.1" 0/0/0/0/1 h/TLSv1.3.1/x`, true},
	{"no termination state", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - 12/10/3/1/0 0/0 "GET / HTTP/1.1"`, false},
	{"four timers", "HTTP", `10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/14 200 5120 - - ---- 12/10/3/1/0 0/0 "GET / HTTP/1.1"`, false},
	{"NUL for a count", "HTTP", "10.0.1.2:33317 [21/Aug/2026:18:01:40.123] www web/web1 0/0/1/12/14 200 5120 - - ---- \x001/10/3/1/0 0/0 \"GET / HTTP/1.1\"", false},
	{"non-ASCII everywhere it may be", "HTTP", "10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/w 1/0/0/1/2 200 1 é\xff é ---- 1/1/1/1/0 0/0 {é|\xff} \"GET /é?é=\xff HTTP/1.1\" 0/0/0/0/0 é/\xff/é", true},
	{"non-ASCII where it may not be", "HTTP", "10.0.1.2:1 [21/Aug/2026:18:01:40.123] wwé web/w 1/0/0/1/2 200 1 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"", false},
	{"invalid UTF-8 after a backslash", "HTTP", "<134>1 2026-08-21T18:01:42Z lb1 haproxy 1 - [a x=\"\\\xff\\é\"] 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/w 1/0/0/1/2 200 1 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"", true},
	{"newline after a backslash", "HTTP", "<134>1 2026-08-21T18:01:42Z lb1 haproxy 1 - [a x=\"\\\n\"] 10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/w 1/0/0/1/2 200 1 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"", false},
	{"newline in fields", "HTTP", "10.0.1.2:1 [21/Aug/2026:18:01:40.123] www web/w 1/0/0/1/2 200 1 a\nb - ---- 1/1/1/1/0 0/0 {\n} \"GET /\n HTTP/1.1\"", true},
	{"TCP", "TCP", `10.0.5.20:49822 [21/Aug/2026:17:03:12.221] mysql-in mysql/db1 0/0/3500142 4210881 -- 4/4/4/2/0 0/0`, true},
	{"TCP, TLS, logasap", "TCP", `192.0.2.80:33012 [21/Aug/2026:18:01:43.111] smtps-in~ smtp/mx1 0/1/+2 +1024 -- 3/1/1/1/0 0/0`, true},
	{"TCP rfc5424", "TCP", `<134>1 2026-11-21T19:44:49.541699+00:00 - haproxy 31175 - - 127.0.0.1:51458 [21/Nov/2026:19:44:49.539] tcpin raw/raw1 1/0/2 586 -- 1/1/0/0/0 0/0`, true},
	{"TCP, queue", "TCP", `10.0.8.9:51001 [21/Aug/2026:18:01:45.000] pg-in pg/pg1 5/2/905 300 -- 9/2/2/1/0 3/0`, true},
	{"TCP, trailing text", "TCP", `10.0.8.9:51001 [21/Aug/2026:18:01:45.000] pg-in pg/pg1 5/2/905 300 -- 9/2/2/1/0 3/0 x`, false},
	{"HTTP line for TCP", "TCP", `10.0.3.7:40112 [21/Aug/2026:18:01:41.002] legacy old/old1 0/0/0/3/3 301 187 - - ---- 9/1/1/1/0 0/0 "GET /old-page HTTP/1.1"`, false},
	{"TCP line for HTTP", "HTTP", `10.0.8.9:51001 [21/Aug/2026:18:01:45.000] pg-in pg/pg1 5/2/905 300 -- 9/2/2/1/0 3/0`, false},
	{"empty", "HTTP", ``, false},
}

// TestNativeForms checks the scanners on each form of nativeForms: that
// they read the forms they should, and agree with the regexp on all.
func TestNativeForms(t *testing.T) {
	for _, tc := range nativeForms {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			p := ruleParser(t, tc.rule)
			native, re, diff := diffNative(p, []byte(tc.line))
			if diff != "" {
				t.Fatalf("scanner and regexp differ on %q:%s", tc.line, diff)
			}
			if native != tc.accept {
				t.Errorf("scanner accepts: %v, want %v (regexp matches: %v)", native, tc.accept, re)
			}
			if tc.accept && !re {
				t.Errorf("the regexp does not match: the case is wrong")
			}
		})
	}
}

// TestNativeTestdata compares the scanners with the regexp on every
// testdata line, and checks that they read every line the regexp matches:
// the testdata files hold only forms meant for the scanners. It logs the
// share of each file's lines the scanners read (run with -v).
func TestNativeTestdata(t *testing.T) {
	for _, rule := range nativeRules {
		p := ruleParser(t, rule)
		for _, file := range testFiles(t) {
			lines := readLines(t, file)
			accepted, matched := 0, 0
			for n, line := range lines {
				native, re, diff := diffNative(p, []byte(line))
				if diff != "" {
					t.Errorf("%s %s:%d: scanner and regexp differ:%s\n%s", rule, file, n+1, diff, line)
				}
				if re {
					matched++
				}
				if native {
					accepted++
				}
				if re && !native {
					t.Errorf("%s %s:%d: the scanner declines a line the regexp matches:\n%s", rule, file, n+1, line)
				}
			}
			t.Logf("%s %-22s scanner read %2d of %2d lines (%3.0f%%); the regexp matches %2d", rule, file, accepted, len(lines), 100*float64(accepted)/float64(len(lines)), matched)
		}
	}
}

// generatedLines is how many haproxygen lines TestNativeGenerated compares:
// over 100,000, across several seeds; fewer with -short.
func generatedLines(t *testing.T) (seeds, perSeed int) {
	if testing.Short() {
		return 4, 2_500
	}
	return 8, 12_800
}

// TestNativeGenerated compares the HTTP scanner with the regexp on lines of
// haproxygen, 5% of them unmatched: every line the regexp matches must be
// read by the scanner, with the same fields.
func TestNativeGenerated(t *testing.T) {
	p := ruleParser(t, "HTTP")
	seeds, perSeed := generatedLines(t)
	total, matched, accepted := 0, 0, 0
	var line []byte
	for s := range seeds {
		g := haproxygen.New(haproxygen.Config{Seed: int64(s), UnmatchedRatio: 0.05})
		for range perSeed {
			line = g.Append(line[:0])
			total++
			native, re, diff := diffNative(p, line)
			if diff != "" {
				t.Fatalf("seed %d: scanner and regexp differ:%s\n%s", s, diff, line)
			}
			if re {
				matched++
				if !native {
					t.Fatalf("seed %d: the scanner declines a line the regexp matches:\n%s", s, line)
				}
			}
			if native {
				accepted++
			}
		}
	}
	if matched == 0 || matched == total {
		t.Errorf("%d of %d lines matched: the generator should write both kinds", matched, total)
	}
	t.Logf("%d lines, %d matched by the regexp, %d read by the scanner", total, matched, accepted)
}

// TestNativeAllocs checks that Parse allocates nothing on the native path.
func TestNativeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	for _, tc := range nativeForms {
		if !tc.accept {
			continue
		}
		p := ruleParser(t, tc.rule)
		m := p.NewMatch()
		line := []byte(tc.line)
		if n := testing.AllocsPerRun(100, func() { p.Parse(line, m) }); n != 0 {
			t.Errorf("%s/%s: %v allocations per line", tc.rule, tc.name, n)
		}
	}
}

// nativeMutations returns variants of line that probe the scanners' choice
// points: fields emptied or merged, delimiters swapped, the line cut.
func nativeMutations(line string) []string {
	out := []string{
		line + " ",
		line + `"`,
		strings.Replace(line, `" `, `"  `, 1),
		strings.Replace(line, " [", "[", 1),
		strings.Replace(line, ":", " ", 1),
		strings.Replace(line, ": ", " - - ", 1),
		strings.Replace(line, "]: ", "]:", 1),
		strings.Replace(line, "} ", "}", 1),
		strings.Replace(line, " {", " {{", 1),
		strings.Replace(line, "}", "", 1),
		strings.Replace(line, `"`, "", 1),
		strings.Replace(line, " HTTP/", "  HTTP/", 1),
		strings.Replace(line, " HTTP/", "? HTTP/", 1),
		strings.Replace(line, " HTTP/", "?a HTTP/", 1),
		strings.Replace(line, " /", " https://h/", 1),
		strings.Replace(line, " /", " https://h", 1),
		strings.Replace(line, "~", "", 1),
		strings.Replace(line, " www", " www~", 1),
		strings.Replace(line, "<NOSRV>", "<nosrv>", 1),
		strings.Replace(line, "----", "---", 1),
		strings.Replace(line, ".", "", 1),
		strings.Replace(line, "/", "//", 1),
		strings.Replace(line, " - ", " ", 1),
		strings.Replace(line, "1", "-", 1),
		"<1>" + line,
		"<1>1 " + line,
		"Feb  6 12:14:14 " + line,
		"h[1]: " + line,
		"h 1 - - " + line,
	}
	for _, cut := range []int{len(line) / 3, len(line) / 2, len(line) - 1} {
		if cut > 0 && cut < len(line) {
			out = append(out, line[:cut])
		}
	}
	return out
}

// FuzzHAProxyNative checks the scanners' contract on any input: when one
// accepts a line, the regexp matches it with the same fields; and neither
// panics. Run it with go test -run X -fuzz FuzzHAProxyNative ./parsers/;
// plain go test runs the seeds.
func FuzzHAProxyNative(f *testing.F) {
	seeds := map[string]bool{}
	add := func(s string) {
		if !seeds[s] {
			seeds[s] = true
			f.Add(s)
		}
	}
	var lines []string
	for _, file := range testFiles(f) {
		lines = append(lines, readLines(f, file)...)
	}
	for _, tc := range nativeForms {
		lines = append(lines, tc.line)
	}
	g := haproxygen.New(haproxygen.Config{Seed: 1, UnmatchedRatio: 0.05})
	for range 50 {
		lines = append(lines, string(g.Append(nil)))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		lines = append(lines, string(composeLine(rng, i%2 == 1)))
	}
	for _, line := range lines {
		add(line)
		for _, m := range nativeMutations(line) {
			add(m)
		}
	}
	var ps []*Parser
	for _, rule := range nativeRules {
		ps = append(ps, ruleParser(f, rule))
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := []byte(s)
		for i, p := range ps {
			if _, _, diff := diffNative(p, line); diff != "" {
				t.Fatalf("%s: scanner and regexp differ on %q:%s", nativeRules[i], s, diff)
			}
		}
	})
}

// Pieces TestNativeComposed builds lines from: for each part of the layouts,
// the usual forms and forms meant to trip the scanners at their choice
// points (shapes that fit two ways, near misses, delimiters in fields).
var (
	// Whole headers, then header pieces that composeLine strings together.
	composedHeaders = []string{
		"", "<134>Feb  6 12:14:14 haproxy[14389]: ", "<134>Feb 16 12:14:14 lb1 haproxy[14389]: ", "Feb  6 12:14:14 lb1 haproxy[1]: ",
		"<134>1 2026-08-21T18:01:40.123456+02:00 lb1 haproxy 14389 - - ", "<134>1 2026-08-21T16:01:41Z - haproxy - - - ",
		"<134>1 2026-08-21T18:01:42.011+02:00 lb1 haproxy 14389 - [a x=\"1\"][b] ", "2026-08-21T18:01:40.123456+02:00 lb1 haproxy[123]: ",
		"haproxy[674]: ",
	}
	composedHeaderPieces = []string{
		"<134>", "<1>1 ", "<1234>", "<13>Feb  6 12:14:14 ", "Feb  6 12:14:14 ", "Feb 16 09:02:03 ",
		"Feb 123 ", "Feb 1 1:02:03 ", "2026-08-21T18:01:40.123456+02:00 ", "2026-08-21T18:01:40Z ", "2026-08-21T18:01:40. ",
		"2026-08-21T18:01:40+0200 ", "lb1 ", "lb1.example.net ", "10.0.0.5 ", "- ", "haproxy[1]: ", "haproxy 1 - - ",
		"haproxy[1 - - ", "haproxy 1]: ", "h - ", "[a] ", "[a][b] ", `[a\]] `, "[a\\\n] ", "[a ", "h[-]: ", "1 ", ": ",
		"haproxy[1]:", "a/b[1]: ", "h[12345678901234567890]: ", "x y ", "- - ",
	}
	composedClients = []string{
		"10.0.1.2:33317", "10.0.1.2:33317", "2001:db8::1:51234", "::1:1", "2001:db8::a", "fe80::1%eth0:1", "a", "unix:1",
		"1", "-", ":", "a:-", "a:", "10.0.0.1", "haproxy[1]:", "Feb", "1:2:3", "a:1-", "haproxy", "h 1]:", "x:01",
		"2026-08-21T18:01:40Z", "%:%", "a b", "",
	}
	composedDates = []string{
		" [21/Aug/2026:18:01:40.123] ", " [21/Aug/2026:18:01:40.123] ", " [06/Feb/2026:12:14:15] ", " [21/Aug/2026:18:01:40.] ",
		" [21/aug/2026:18:01:40] ", " [1/Aug/2026:18:01:40] ", "[21/Aug/2026:18:01:40] ", " [21/Aug/2026:18:01:40.1]",
	}
	composedFrontends = []string{"www ", "www ", "https-in~ ", "a:b ", "w~~ ", "~ ", "w~", " ", "w.x-y_z "}
	composedServers   = []string{
		"web/web1 ", "web/web1 ", "api/<NOSRV> ", "a/<> ", "a/<nosrv> ", "a/b/c ", "/b ", "a/ ", "a:b/c:d ", "a/<NOSRV>x ",
	}
	composedHTTPTimers = []string{
		"0/0/1/12/14 ", "0/0/1/12/14 ", "-1/-1/-1/-1/8490 ", "0/0/1/4/+9 ", "0/0/1/14 ", "+-1/0/0/0/0 ", "0/0/0/0/0/0 ", "0/0/0/0/0",
	}
	composedStatus = []string{
		"200 5120 ", "200 5120 ", "-1 0 ", "200 +524288 ", "+200 1 ", "200 -1 ", "200  ", "-200 1 ",
	}
	composedCookies = []string{"- - ", "- - ", "- SERVERID=a ", "a\"b c{d} ", "-  ", "- - - ", "é \xff "}
	composedTerms   = []string{"---- ", "---- ", "SC-- ", "--NI ", "--- ", "----- ", "-- ", "1--- "}
	composedCounts  = []string{
		"12/10/3/1/0 0/0", "12/10/3/1/0 0/0", "8/2/1/1/+1 3/0", "1/1/1/1 0/0", "1/1/1/1/0 0", "1/1/1/1/0 0/0/0", "1/1/1/1/-1 0/0",
	}
	composedCaptures = []string{
		"", "", " {example.com|00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}", " {1wt.eu} {}", " {|}", " {a\" \"b}",
		" {a} {b} {c}", " {a", " {}{}", "{a}", " { \"GET / HTTP/1.1\" }",
	}
	composedRequests = []string{
		` "GET /index.html HTTP/1.1"`, ` "GET /index.html HTTP/1.1"`, ` "GET /search?q=a&b=c HTTP/1.1"`, ` "<BADREQ>"`, ` ""`,
		` "GET https://example.com/api?q=1 HTTP/2.0"`, ` "GET https://example.com HTTP/2.0"`, ` "GET https:///a HTTP/2.0"`,
		` "CONNECT example.com:443 HTTP/1.1"`, ` "GET /a b HTTP/1.1"`, ` "GET /a HTTP/1.1 x"`, ` "GET / HTTP/1."`,
		` "GET / HTTP/2"`, ` "get / HTTP/1.1"`, ` "GET  / HTTP/1.1"`, ` "GET / HTTP/1.1`, ` "GET /? HTTP/1.1"`,
		` "GET /a?b?c#d HTTP/1.1"`, ` "GET h://a#b/c?d HTTP/1.1"`, ` "GET 1a://b HTTP/1.1"`, ` "G-E_T9 / HTTP/10.20"`,
		` "GET / HTTP/1.1"" "`, ` "GET /` + "\xff\n" + ` HTTP/1.1"`, `"GET / HTTP/1.1"`, ` "GET / HTTP /1.1"`,
	}
	composedSuffixes = []string{
		"", "", "", " 0/0/0/0/0 example.com/TLSv1.3/TLS_AES_256_GCM_SHA384", " 0/0A/-/0/0 //", " 0/0/0/0 a/b/c",
		" 0/0/0/0/0 a/b/c/d", " 0/0/0/0/0 a/b", " ", " 0/0/0/0/0  a/b/c", " a/b/c/d/e é/\xff/x",
	}
	composedTCPTimers = []string{"0/0/5007 ", "0/0/5007 ", "0/-1/-1 ", "0/1/+2 ", "0/0 ", "0/0/0/0 "}
	composedTCPTail   = []string{
		"212 -- 0/0/0/0/3 0/0", "212 -- 0/0/0/0/3 0/0", "+1024 cD 1/1/1/1/+1 3/0", "0 SC 1/1/1/1/0 0/0 ", "0 --- 1/1/1/1/0 0/0",
		"0 - 1/1/1/1/0 0/0", "-1 -- 1/1/1/1/0 0/0",
	}
	composedNoise = []byte(" []{}\"<>:~/-+?#.\\1aA_%\n\xff\x00")
)

// composeLine builds a random line of the HTTP layout (tcp false) or of the
// TCP layout from the composed* pieces, sometimes with a few bytes changed.
func composeLine(rng *rand.Rand, tcp bool) []byte {
	var b []byte
	// add appends a piece, usually the list's first, ordinary form, so that
	// many lines match and a few parts at a time are unusual; and now and
	// then with one byte changed, so that every field, however short, gets
	// its near misses.
	add := func(s []string) {
		piece := s[0]
		if rng.IntN(6) == 0 {
			piece = s[rng.IntN(len(s))]
		}
		start := len(b)
		b = append(b, piece...)
		if rng.IntN(12) == 0 {
			b = mutateByte(rng, b, start)
		}
	}
	add(composedHeaders[rng.IntN(len(composedHeaders)):])
	for range max(0, rng.IntN(5)-2) {
		add(composedHeaderPieces[rng.IntN(len(composedHeaderPieces)):])
	}
	add(composedClients)
	add(composedDates)
	add(composedFrontends)
	add(composedServers)
	if tcp {
		add(composedTCPTimers)
		add(composedTCPTail)
	} else {
		add(composedHTTPTimers)
		add(composedStatus)
		add(composedCookies)
		add(composedTerms)
		add(composedCounts)
		add(composedCaptures)
		add(composedRequests)
		add(composedSuffixes)
	}
	if rng.IntN(4) == 0 {
		b = mutateByte(rng, b, 0)
	}
	return b
}

// mutateByte inserts, deletes or replaces one byte of b at or after start,
// the new byte drawn from composedNoise or the digits.
func mutateByte(rng *rand.Rand, b []byte, start int) []byte {
	i := start + rng.IntN(len(b)-start+1)
	c := composedNoise[rng.IntN(len(composedNoise))]
	if rng.IntN(3) == 0 {
		c = byte('0' + rng.IntN(10))
	}
	switch {
	case rng.IntN(3) == 0 || i == len(b):
		return slices.Insert(b, i, c)
	case rng.IntN(2) == 0:
		return slices.Delete(b, i, i+1)
	default:
		b[i] = c
		return b
	}
}

// TestNativeComposed compares the scanners with the regexp on lines built
// at random from pieces chosen to land on the scanners' choice points, a
// targeted complement to FuzzHAProxyNative. The seed is fixed, so a failure
// reproduces; the failing line is printed for the fuzz seeds.
func TestNativeComposed(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	for _, rule := range nativeRules {
		p := ruleParser(t, rule)
		rng := rand.New(rand.NewPCG(1, 2))
		accepted, matched := 0, 0
		for range n {
			line := composeLine(rng, rule == "TCP")
			native, re, diff := diffNative(p, line)
			if diff != "" {
				t.Fatalf("%s: scanner and regexp differ on %q:%s", rule, line, diff)
			}
			if native {
				accepted++
			}
			if re {
				matched++
				if !native && matched-accepted <= 20 {
					t.Logf("%s: left to the regexp: %q", rule, line)
				}
			}
		}
		t.Logf("%s: %d lines, %d matched by the regexp, %d read by the scanner", rule, n, matched, accepted)
		// Make sure the pieces still make lines the scanners read, not
		// only lines they decline.
		if accepted < n/10 {
			t.Errorf("%s: only %d lines read by the scanner: adjust the pieces", rule, accepted)
		}
	}
}
