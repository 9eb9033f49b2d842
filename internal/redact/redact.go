// Package redact removes secrets from spans before they leave the process:
// the values of query parameters whose names say "secret" (access_token=,
// password=, sig=, ...), of credential headers (Authorization, Cookie, ...)
// and of captured cookies, and whatever an operator's regular expressions
// match, in every attribute, the span name, the status message and event
// names. Access logs carry these verbatim (a token in a URL, a session
// cookie HAProxy was told to capture), and a trace backend is no place for
// them.
//
// It is a step of its own, on the mapped Span, rather than a part of
// mapping: mapping turns fields into a span and knows nothing of what a
// value means, while redaction must see the span as it will be sent (a
// query that reached the span name through a template, a header that a
// capture named) and must hold for every rule alike, whoever writes it. It
// is a property of the rule (per-rule settings over global ones), compiled
// once by New; Apply is pure and allocates nothing for a span with nothing
// to redact.
package redact

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/mapping"
)

// Redacted replaces every secret value.
const Redacted = "REDACTED"

// DefaultParams are the query parameter names whose values are redacted by
// default (compared without regard to case).
var DefaultParams = []string{
	"token", "access_token", "id_token", "refresh_token", "password", "passwd", "secret", "client_secret",
	"api_key", "apikey", "key", "sig", "signature", "x-amz-signature", "x-amz-credential", "auth", "session", "code",
}

// DefaultHeaders are the header names whose values are redacted by default.
// For Cookie and Set-Cookie the cookie names are kept; for Authorization and
// Proxy-Authorization the scheme ("Bearer", "Basic").
var DefaultHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie"}

// Spec is a redact: section, global or a rule's.
type Spec struct {
	// Defaults, when false, turns DefaultParams and DefaultHeaders off
	// (nil: on).
	Defaults *bool
	// Params are more query parameter names to redact.
	Params []string
	// Headers are more header names to redact (as captured:
	// http.request.header.<name> and http.response.header.<name>).
	Headers []string
	// Patterns are Go regular expressions; what they match in any string
	// value is replaced by REDACTED (e.g. `\b\d(?:[ -]?\d){12,15}\b` for
	// card-like digit runs).
	Patterns []string
}

// Over returns s layered over base: lists add up, Defaults is s's when set.
func (s Spec) Over(base Spec) Spec {
	out := Spec{Defaults: base.Defaults}
	if s.Defaults != nil {
		out.Defaults = s.Defaults
	}
	out.Params = append(append([]string(nil), base.Params...), s.Params...)
	out.Headers = append(append([]string(nil), base.Headers...), s.Headers...)
	out.Patterns = append(append([]string(nil), base.Patterns...), s.Patterns...)
	return out
}

// headerKind says how a header's value is redacted.
type headerKind uint8

const (
	whole headerKind = iota
	credentials
	cookies
	setCookie
)

// Redactor is a compiled Spec; immutable, shared by every worker.
type Redactor struct {
	params   []string // lower case
	headers  map[string]headerKind
	patterns []*regexp.Regexp
	// wholeHeaders says that a span may hold a header redacted whatever
	// its value (Authorization...): see ForKeys and ApplyLine. True
	// until ForKeys knows better.
	wholeHeaders bool
}

// New compiles spec. Its errors have paths under "redact" for the config
// package to place.
func New(spec Spec) (*Redactor, error) {
	r := &Redactor{headers: map[string]headerKind{}, wholeHeaders: true}
	var errs mapping.SpecErrors
	if spec.Defaults == nil || *spec.Defaults {
		r.params = append(r.params, DefaultParams...)
		r.headers["authorization"] = credentials
		r.headers["proxy-authorization"] = credentials
		r.headers["cookie"] = cookies
		r.headers["set-cookie"] = setCookie
	}
	for i, p := range spec.Params {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			errs = append(errs, &mapping.SpecError{Path: "redact.params[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("a parameter name is needed")})
			continue
		}
		r.params = append(r.params, p)
	}
	for i, h := range spec.Headers {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, " :") {
			errs = append(errs, &mapping.SpecError{Path: "redact.headers[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("%q is not a header name", h)})
			continue
		}
		if _, ok := r.headers[h]; !ok {
			r.headers[h] = whole
		}
	}
	for i, p := range spec.Patterns {
		re, err := regexp.Compile(p)
		if err == nil && re.MatchString("") {
			err = fmt.Errorf("it matches the empty string")
		}
		if err != nil {
			errs = append(errs, &mapping.SpecError{Path: "redact.patterns[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("%q: %w", p, err)})
			continue
		}
		r.patterns = append(r.patterns, re)
	}
	if errs != nil {
		return nil, errs
	}
	return r, nil
}

// Empty reports whether r redacts nothing (redact: {defaults: false} and
// nothing added): the pipeline then skips it.
func (r *Redactor) Empty() bool {
	return len(r.params) == 0 && len(r.headers) == 0 && len(r.patterns) == 0
}

const (
	requestHeader  = "http.request.header."
	responseHeader = "http.response.header."
	urlQuery       = attribute.Key("url.query")
)

// ForKeys returns a copy of r for a rule whose spans' attribute keys are
// known (keys: its attributes' names and its named captures' keys), so that
// ApplyLine can tell from the line alone that a span needs nothing: only
// headers such as Authorization are redacted whatever their value, and a
// rule that names none of them makes no such attribute.
func (r *Redactor) ForKeys(keys []string) *Redactor {
	c := *r
	c.wholeHeaders = false
	for _, k := range keys {
		if name, ok := headerName(k); ok {
			if kind, secret := r.headers[name]; secret && (kind == whole || kind == credentials) {
				c.wholeHeaders = true
			}
		}
	}
	return &c
}

// ApplyLine is Apply for a span made from line: when the line has no '='
// (no query parameter or cookie can have a value in it), r has no
// patterns, and the rule makes no header attribute that is redacted whole,
// nothing in the span can need redacting and it returns at once. Most
// access-log lines without a query string leave here, at one byte search.
func (r *Redactor) ApplyLine(line []byte, sp *mapping.Span) int {
	if !r.wholeHeaders && len(r.patterns) == 0 && bytes.IndexByte(line, '=') < 0 {
		return 0
	}
	return r.Apply(sp)
}

// Apply redacts sp in place and returns how many values it changed.
func (r *Redactor) Apply(sp *mapping.Span) int {
	n := 0
	if v, ok := r.text(sp.Name); ok {
		sp.Name, n = v, n+1
	}
	if v, ok := r.text(sp.StatusMessage); ok {
		sp.StatusMessage, n = v, n+1
	}
	for i := range sp.Events {
		if v, ok := r.text(sp.Events[i].Name); ok {
			sp.Events[i].Name, n = v, n+1
		}
	}
	for i := range sp.Attributes {
		kv := &sp.Attributes[i]
		if kv.Value.Type() != attribute.STRING {
			continue
		}
		if v, ok := r.attribute(kv.Key, kv.Value.AsString()); ok {
			kv.Value, n = attribute.StringValue(v), n+1
		}
	}
	return n
}

// attribute redacts one attribute's value by its key: a credential
// header, a cookie, a query, else any URL-shaped text in it.
func (r *Redactor) attribute(key attribute.Key, v string) (string, bool) {
	k := string(key)
	changed := false
	if name, ok := headerName(k); ok {
		if kind, secret := r.headers[name]; secret {
			v, changed = redactHeader(kind, v)
			return v, changed
		}
	} else if len(r.patterns) == 0 && strings.IndexByte(v, '=') < 0 {
		// Cookies and query parameters are name=value: without an
		// '=' there is nothing to redact here. Most values of a span
		// leave at this one byte search.
		return v, false
	} else if len(r.headers) > 0 && strings.Contains(k, "cookie") {
		// A captured cookie (haproxy.captured_request_cookie: "session=...").
		if _, on := r.headers["cookie"]; on {
			v, changed = redactCookies(v, false)
			return v, changed
		}
	}
	if key == urlQuery {
		v, changed = r.query(v, 0)
		if nv, ok := r.regexps(v); ok {
			return nv, true
		}
		return v, changed
	}
	return r.text(v)
}

// headerName returns the header name of a captured-header attribute key.
func headerName(k string) (string, bool) {
	if name, ok := strings.CutPrefix(k, requestHeader); ok {
		return name, true
	}
	if name, ok := strings.CutPrefix(k, responseHeader); ok {
		return name, true
	}
	return "", false
}

// text redacts the queries of any URLs in v, then the patterns.
func (r *Redactor) text(v string) (string, bool) {
	if len(r.patterns) == 0 && strings.IndexByte(v, '=') < 0 {
		return v, false // no name=value: no query to redact
	}
	changed := false
	if len(r.params) > 0 {
		for from := 0; ; {
			i := strings.IndexByte(v[from:], '?')
			if i < 0 {
				break
			}
			var c bool
			var end int
			v, c, end = r.queryAt(v, from+i+1)
			changed = changed || c
			from = end
			if from >= len(v) {
				break
			}
		}
	}
	if nv, ok := r.regexps(v); ok {
		return nv, true
	}
	return v, changed
}

func (r *Redactor) regexps(v string) (string, bool) {
	changed := false
	for _, re := range r.patterns {
		if re.MatchString(v) {
			v, changed = re.ReplaceAllString(v, Redacted), true
		}
	}
	return v, changed
}

// query redacts the secret parameters of the query that starts at from.
func (r *Redactor) query(v string, from int) (string, bool) {
	v, c, _ := r.queryAt(v, from)
	return v, c
}

// queryAt redacts the parameters of the query starting at from, which ends
// at a space, a '#' or the end of v; it returns v, whether it changed, and
// where the query ends in the returned v.
func (r *Redactor) queryAt(v string, from int) (string, bool, int) {
	end := len(v)
	if i := strings.IndexAny(v[from:], " #"); i >= 0 {
		end = from + i
	}
	if !r.hasSecret(v[from:end]) {
		return v, false, end
	}
	var b strings.Builder
	b.Grow(len(v))
	b.WriteString(v[:from])
	q := v[from:end]
	for first := true; ; first = false {
		p, rest, more := strings.Cut(q, "&")
		if !first {
			b.WriteByte('&')
		}
		name, val, hasVal := strings.Cut(p, "=")
		if hasVal && val != "" && r.secretParam(name) {
			b.WriteString(name)
			b.WriteString("=" + Redacted)
		} else {
			b.WriteString(p)
		}
		if !more {
			break
		}
		q = rest
	}
	newEnd := b.Len()
	b.WriteString(v[end:])
	return b.String(), true, newEnd
}

// hasSecret reports whether query q has a secret parameter with a value
// other than REDACTED. It allocates nothing.
func (r *Redactor) hasSecret(q string) bool {
	if strings.IndexByte(q, '=') < 0 {
		return false
	}
	for q != "" {
		p, rest, _ := strings.Cut(q, "&")
		q = rest
		name, val, ok := strings.Cut(p, "=")
		if ok && val != "" && val != Redacted && r.secretParam(name) {
			return true
		}
	}
	return false
}

func (r *Redactor) secretParam(name string) bool {
	for _, p := range r.params {
		if len(p) == len(name) && strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// redactHeader redacts a header value as its kind says.
func redactHeader(kind headerKind, v string) (string, bool) {
	if v == "" || v == Redacted {
		return v, false
	}
	switch kind {
	case credentials:
		// Keep the scheme: "Bearer REDACTED".
		if scheme, cred, ok := strings.Cut(v, " "); ok && isToken(scheme) && strings.TrimSpace(cred) != "" {
			if strings.TrimSpace(cred) == Redacted {
				return v, false
			}
			return scheme + " " + Redacted, true
		}
	case cookies:
		return redactCookies(v, false)
	case setCookie:
		return redactCookies(v, true)
	}
	return Redacted, true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// redactCookies replaces the value of every name=value pair of a Cookie
// header (or, first, of the first pair only: Set-Cookie, whose other pairs
// are attributes such as Path), keeping the names.
func redactCookies(v string, first bool) (string, bool) {
	if !cookiesNeedRedaction(v, first) {
		return v, false
	}
	var b strings.Builder
	b.Grow(len(v))
	rest := v
	for i := 0; ; i++ {
		pair, tail, more := strings.Cut(rest, ";")
		if i > 0 {
			b.WriteByte(';')
		}
		if first && i > 0 {
			b.WriteString(pair)
		} else if name, val, ok := strings.Cut(pair, "="); ok && strings.TrimSpace(val) != "" {
			b.WriteString(name)
			b.WriteString("=" + Redacted)
		} else {
			b.WriteString(pair)
		}
		if !more {
			break
		}
		rest = tail
	}
	return b.String(), true
}

// cookiesNeedRedaction reports whether a pair redactCookies would change
// has a value; a bare value without a name is left as it is (there is no
// name to say it is a secret). It allocates nothing.
func cookiesNeedRedaction(v string, first bool) bool {
	rest := v
	for {
		pair, tail, more := strings.Cut(rest, ";")
		if _, val, ok := strings.Cut(pair, "="); ok {
			if val = strings.TrimSpace(val); val != "" && val != Redacted {
				return true
			}
		}
		if first || !more {
			return false
		}
		rest = tail
	}
}
