package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/mapping"
)

func mustNew(t testing.TB, s Spec) *Redactor {
	t.Helper()
	r, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDefaultParamsInEveryPlace(t *testing.T) {
	r := mustNew(t, Spec{})
	for _, p := range DefaultParams {
		for _, name := range []string{p, strings.ToUpper(p[:1]) + p[1:]} { // case ignored
			sp := mapping.Span{
				Name:          "GET /login?" + name + "=s3cr3t&q=1",
				StatusMessage: "failed: /a?b=c&" + name + "=s3cr3t",
				Events:        []mapping.Event{{Name: "redirect /x?" + name + "=s3cr3t"}},
				Attributes: []attribute.KeyValue{
					attribute.String("url.query", name+"=s3cr3t&page=2"),
					attribute.String("url.full", "https://h/p?page=2&"+name+"=s3cr3t#frag"),
					attribute.String("haproxy.http_request", "GET /p?"+name+"=s3cr3t HTTP/1.1"),
					attribute.Int("http.response.status_code", 200),
				},
			}
			if n := r.Apply(&sp); n != 6 {
				t.Errorf("%s: %d values redacted, want 6", name, n)
			}
			want := []string{name + "=REDACTED&page=2", "https://h/p?page=2&" + name + "=REDACTED#frag", "GET /p?" + name + "=REDACTED HTTP/1.1"}
			for i, w := range want {
				if got := sp.Attributes[i].Value.AsString(); got != w {
					t.Errorf("%s: %s = %q, want %q", name, sp.Attributes[i].Key, got, w)
				}
			}
			if sp.Name != "GET /login?"+name+"=REDACTED&q=1" || sp.StatusMessage != "failed: /a?b=c&"+name+"=REDACTED" || sp.Events[0].Name != "redirect /x?"+name+"=REDACTED" {
				t.Errorf("%s: name %q, message %q, event %q", name, sp.Name, sp.StatusMessage, sp.Events[0].Name)
			}
		}
	}
}

func TestHarmlessUntouched(t *testing.T) {
	r := mustNew(t, Spec{})
	for _, v := range []string{
		"/search?q=token",          // a secret word as a value
		"/a?tokens=1&mykey=2&keys", // names that only contain one
		"/a?token=",                // nothing to hide
		"/a?token",                 // no value
		"/plain/path",
		"select * from t where a = ? and token = ?", // SQL placeholders
		"/a?token=REDACTED",                         // already done
	} {
		sp := mapping.Span{Name: v, Attributes: []attribute.KeyValue{attribute.String("url.path", v)}}
		if n := r.Apply(&sp); n != 0 || sp.Name != v || sp.Attributes[0].Value.AsString() != v {
			t.Errorf("%q: changed (%d) to %q", v, n, sp.Name)
		}
	}
}

func TestHeadersAndCookies(t *testing.T) {
	r := mustNew(t, Spec{})
	for _, tt := range []struct{ key, in, want string }{
		{"http.request.header.authorization", "Bearer eyJhbGciOi.x.y", "Bearer REDACTED"},
		{"http.request.header.authorization", "Basic dXNlcjpwYXNz", "Basic REDACTED"},
		{"http.request.header.authorization", "opaquetoken", "REDACTED"},
		{"http.request.header.proxy-authorization", "Basic dXNlcjpwYXNz", "Basic REDACTED"},
		{"http.request.header.cookie", "session=abc123; theme=dark", "session=REDACTED; theme=REDACTED"},
		{"http.response.header.set-cookie", "session=abc; Path=/; HttpOnly", "session=REDACTED; Path=/; HttpOnly"},
		{"haproxy.captured_request_cookie", "session=abc123", "session=REDACTED"},
		{"haproxy.captured_response_cookie", "SRVID=s1; path=/", "SRVID=REDACTED; path=REDACTED"},
		{"http.request.header.host", "example.com", "example.com"},
		{"http.request.header.user-agent", "curl/8?token=x", "curl/8?token=REDACTED"}, // URL-shaped anywhere
	} {
		sp := mapping.Span{Attributes: []attribute.KeyValue{attribute.String(tt.key, tt.in)}}
		r.Apply(&sp)
		if got := sp.Attributes[0].Value.AsString(); got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.key, tt.in, got, tt.want)
		}
	}
}

func TestSpecAdditionsAndDefaultsOff(t *testing.T) {
	f := false
	r := mustNew(t, Spec{Params: []string{"Ticket"}, Headers: []string{"X-Api-Key"}, Patterns: []string{`\b\d(?:[ -]?\d){12,15}\b`}})
	sp := mapping.Span{Name: "POST /pay?ticket=9&token=1", Attributes: []attribute.KeyValue{
		attribute.String("http.request.header.x-api-key", "k-123"),
		attribute.String("payment.note", "card 4111 1111 1111 1111 ok"),
	}}
	r.Apply(&sp)
	if sp.Name != "POST /pay?ticket=REDACTED&token=REDACTED" || sp.Attributes[0].Value.AsString() != "REDACTED" || sp.Attributes[1].Value.AsString() != "card REDACTED ok" {
		t.Errorf("added: %q %v", sp.Name, sp.Attributes)
	}
	g := Spec{Params: []string{"ticket"}}
	r = mustNew(t, Spec{Defaults: &f}.Over(g))
	sp = mapping.Span{Name: "/a?token=1&ticket=2", Attributes: []attribute.KeyValue{attribute.String("http.request.header.cookie", "s=1")}}
	r.Apply(&sp)
	if sp.Name != "/a?token=1&ticket=REDACTED" || sp.Attributes[0].Value.AsString() != "s=1" {
		t.Errorf("defaults off: %q %v", sp.Name, sp.Attributes)
	}
	if !mustNew(t, Spec{Defaults: &f}).Empty() {
		t.Error("defaults off and nothing added is not Empty")
	}
}

func TestSpecErrors(t *testing.T) {
	for _, tt := range []struct {
		spec Spec
		path string
	}{
		{Spec{Params: []string{" "}}, "redact.params[0]"},
		{Spec{Headers: []string{"ok", "bad name"}}, "redact.headers[1]"},
		{Spec{Patterns: []string{"("}}, "redact.patterns[0]"},
		{Spec{Patterns: []string{"a*"}}, "redact.patterns[0]"},
	} {
		_, err := New(tt.spec)
		errs, ok := err.(mapping.SpecErrors)
		if !ok || len(errs) != 1 || errs[0].Path != tt.path {
			t.Errorf("%+v: %v, want one error at %s", tt.spec, err, tt.path)
		}
	}
}

func FuzzApply(f *testing.F) {
	r := mustNew(f, Spec{})
	f.Add("GET /a?token=x&b=c HTTP/1.1", "session=a; b=c")
	f.Fuzz(func(t *testing.T, name, cookie string) {
		if len(name)+len(cookie) > 4096 {
			return
		}
		sp := mapping.Span{Name: name, Attributes: []attribute.KeyValue{attribute.String("http.request.header.cookie", cookie), attribute.String("url.query", name)}}
		r.Apply(&sp)
		again := sp
		again.Attributes = append([]attribute.KeyValue(nil), sp.Attributes...)
		if r.Apply(&again) != 0 {
			t.Errorf("redacting twice changed %q again", name)
		}
	})
}

// A HAProxy-like span with nothing to redact: no allocation.
func BenchmarkApplyClean(b *testing.B) {
	r := mustNew(b, Spec{})
	sp := mapping.Span{Name: "GET be_app", Attributes: []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("url.path", "/api/v1/items/42"),
		attribute.String("url.query", "page=2&sort=asc&q=shoes"),
		attribute.Int("http.response.status_code", 200),
		attribute.String("haproxy.frontend", "fe_main"),
		attribute.String("haproxy.backend", "be_app"),
		attribute.String("http.request.header.host", "shop.example.com"),
		attribute.String("http.request.header.user-agent", "Mozilla/5.0"),
		attribute.String("haproxy.captured_request_cookie", "-"),
	}, Events: []mapping.Event{{Name: "haproxy.queued"}, {Name: "haproxy.connected"}}}
	b.ReportAllocs()
	for b.Loop() {
		if r.Apply(&sp) != 0 {
			b.Fatal("redacted a clean span")
		}
	}
}

// TestApplyLine checks the line-level shortcut: a line without '=' gives a
// span with nothing to redact unless the rule makes a header attribute that
// is redacted whatever its value; then the span is still redacted.
func TestApplyLine(t *testing.T) {
	line := []byte(`GET /orders Bearer abc123`)
	span := func() *mapping.Span {
		return &mapping.Span{Name: "GET", Attributes: []attribute.KeyValue{
			attribute.String("http.request.header.authorization", "Bearer abc123"),
		}}
	}
	r := mustNew(t, Spec{})
	// A rule that names an Authorization capture: redacted.
	s := span()
	if n := r.ForKeys([]string{"http.request.header.authorization"}).ApplyLine(line, s); n != 1 || s.Attributes[0].Value.AsString() != "Bearer REDACTED" {
		t.Errorf("with the header named: %d changes, %q", n, s.Attributes[0].Value.AsString())
	}
	// Without ForKeys, nothing is assumed: redacted too.
	s = span()
	if n := r.ApplyLine(line, s); n != 1 {
		t.Errorf("without ForKeys: %d changes", n)
	}
	// A rule that names no such header cannot make that attribute: the
	// line without '=' is skipped (the span here is artificial).
	s = span()
	if n := r.ForKeys([]string{"url.path", "http.request.header.host"}).ApplyLine(line, s); n != 0 {
		t.Errorf("no secret header named, no '=': %d changes, want the shortcut", n)
	}
	// With an '=' in the line, the span is looked at.
	s = &mapping.Span{Attributes: []attribute.KeyValue{attribute.String("url.query", "token=x")}}
	if n := r.ForKeys(nil).ApplyLine([]byte("GET /?token=x"), s); n != 1 {
		t.Errorf("a query: %d changes", n)
	}
}
