package main

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/logspan/logspan/e2e/internal/harness"
)

// slack is the tolerance of the time checks. HAProxy's log has
// millisecond resolution, and it computes %tr as the accept date plus the
// handshake and idle times in whole milliseconds, then prints it truncated
// to the millisecond: the logged start (and the end, start + Ta) can be up
// to 2 ms earlier than the real one. Set by -slack.
var slack = 2 * time.Millisecond

// proxySlack is the tolerance of a span's start inside a proxy whose
// logged start can come late under CPU starvation:
//   - two event-loop proxies, one behind the other (nginx -> HAProxy).
//     Each reads the clock once per loop wake-up and stamps everything that
//     wake-up handles with it, so HAProxy can date a connection it accepts
//     later in a busy loop before the moment nginx logged as its own start:
//     4 ms was seen on a machine running other builds, 99 ms with 573 ms
//     loopback connects;
//   - Caddy (hop.lateStart): its span starts at ts - duration, and Caddy
//     takes its start in the handler goroutine after the headers were read,
//     and stamps ts when it writes the entry, after measuring the duration;
//     a goroutine descheduled in either gap moves the start later (2.5 ms
//     was seen on a loaded CI machine).
//
// The ends, and every other pair, keep slack. Set by -proxy-slack.
var proxySlack = 25 * time.Millisecond

// Services and HAProxy proxy names of the e2e setup.
const (
	svcClient   = "client"
	svcHAProxy  = "haproxy"
	svcNginx    = "nginx"
	svcCaddy    = "caddy"
	svcBackend  = "backend"
	svcPostgres = "postgresql"
)

// frontendName maps the client's frontend labels to haproxy.cfg's names:
// nginx sends its requests on to the rewriting frontend; Caddy's requests
// go by no HAProxy.
var frontendName = map[string]string{
	harness.FrontendRewrite: "fe_rewrite",
	harness.FrontendPlain:   "fe_plain",
	harness.FrontendNginx:   "fe_rewrite",
	harness.FrontendTCP:     "fe_tcp",
}

// hop is one proxy on a request's way to the backend, made into a span by
// logspan from its log.
type hop struct {
	service string
	// forwards: the proxy sends on a traceparent naming its own span, so
	// the next hop (or the backend) is its child; otherwise the next one
	// is a child of this hop's parent.
	forwards bool
	// lateStart: the proxy's logged start can come after the real one by
	// a scheduling delay (see proxySlack), so the start of a span inside
	// it keeps proxySlack.
	lateStart bool
}

// routes are the hops of each HTTP frontend, client side first.
var routes = map[string][]hop{
	harness.FrontendRewrite: {{service: svcHAProxy, forwards: true}},
	harness.FrontendPlain:   {{service: svcHAProxy}},
	harness.FrontendNginx:   {{service: svcNginx, forwards: true}, {service: svcHAProxy, forwards: true}},
	harness.FrontendCaddy:   {{service: svcCaddy, lateStart: true}},
}

// tcpOperation is the span name of a session of the tcplog frontend.
const tcpOperation = "TCP be_tcp"

// result is the outcome of the checks of one request's trace.
type result struct {
	problems []string
	spans    []span // the trace as Jaeger returned it, for the report
	haproxy  *span  // the request's HAProxy span, when exactly one was found
	// overshoot is how far a span reached out of the span that must hold
	// it (within the slack or not); 0 when inside.
	overshoot time.Duration
}

func (r *result) addf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// verifyHTTP checks the trace of a request sent through one of the HTTP
// frontends (routes gives the proxies on its way):
//   - the client span (traced requests), exactly one span of each proxy on
//     the route and the backend span, and nothing else;
//   - the parent links: each proxy's parent is the client or the last proxy
//     before it that forwards its own traceparent, and so is the backend's
//     (client -> haproxy -> backend on the rewriting frontend, client ->
//     haproxy and client -> backend on the plain one, client -> nginx ->
//     haproxy -> backend through nginx); without a traceparent the first
//     proxy is the root;
//   - each span inside the one before it on the way (client, proxies,
//     backend), give or take slack;
//   - status Error exactly on 5xx for the proxy and backend spans, Error
//     on 4xx and 5xx for the client span;
//   - the HTTP attributes match what the client sent and got.
func verifyHTTP(req harness.Request, spans []span) result {
	res := result{spans: spans}
	if len(spans) == 0 {
		res.addf("trace %s not in Jaeger (yet)", req.TraceID)
		return res
	}
	route, ok := routes[req.Frontend]
	if !ok {
		res.addf("unknown frontend %q", req.Frontend)
		return res
	}
	want := map[string]bool{}
	for _, h := range route {
		want[h.service] = true
	}
	t := sortSpans(req, spans, want, &res)
	client, backend, proxies := t.client, t.backend, t.proxies
	if req.Traced && client == nil {
		res.addf("client span %s missing", req.ClientSpanID)
	}
	if backend == nil {
		res.addf("backend span %s missing", req.BackendSpanID)
	}
	hops := make([]*span, len(route))
	for i, h := range route {
		switch found := proxies[h.service]; len(found) {
		case 1:
			hops[i] = found[0]
		case 0:
			res.addf("%s span missing", h.service)
		default:
			for _, s := range found {
				res.addf("%d %s spans, want 1: %s", len(found), h.service, describe(s))
			}
		}
	}
	if len(proxies[svcHAProxy]) == 1 {
		res.haproxy = proxies[svcHAProxy][0]
	}
	if len(res.problems) > 0 {
		return res
	}

	// Parents, and each span inside the one before it.
	parent, parentName := "", "none (no traceparent sent)"
	outer, outerName := client, "client span"
	if client != nil {
		if client.ParentID != "" {
			res.addf("client span has parent %s, want none", client.ParentID)
		}
		parent, parentName = client.SpanID, "the client span "+client.SpanID
	}
	// startSlack is the tolerance of the next span's start inside outer:
	// proxySlack behind a proxy (event loops) or inside a late-starting one.
	startSlack := slack
	for i, h := range route {
		s := hops[i]
		if s.ParentID != parent {
			res.addf("%s span's parent is %q, want %s", h.service, s.ParentID, parentName)
		}
		if i > 0 {
			startSlack = proxySlack
		}
		if outer != nil {
			withinSlack(&res, h.service+" span", s, outerName, outer, startSlack)
		}
		outer, outerName = s, h.service+" span"
		startSlack = slack
		if h.lateStart {
			startSlack = proxySlack
		}
		if h.forwards {
			parent, parentName = s.SpanID, "the "+h.service+" span "+s.SpanID
		}
	}
	if backend.ParentID != parent {
		res.addf("backend span's parent is %q, want %s", backend.ParentID, parentName)
	}
	withinSlack(&res, "backend span", backend, outerName, outer, startSlack)

	// Kinds and status.
	if client != nil && client.Kind != "CLIENT" {
		res.addf("client span kind %s, want CLIENT", client.Kind)
	}
	for _, s := range append(hops, backend) {
		if s.Kind != "SERVER" {
			res.addf("%s span kind %s, want SERVER", s.Service, s.Kind)
		}
		if want := req.Status >= 500; s.Error != want {
			res.addf("%s span status Error=%v for HTTP %d, want %v", s.Service, s.Error, req.Status, want)
		}
	}
	if client != nil {
		if want := req.Status >= 400; client.Error != want {
			res.addf("client span status Error=%v for HTTP %d, want %v", client.Error, req.Status, want)
		}
	}

	// Attributes.
	u, err := url.Parse(req.Target)
	if err != nil {
		res.addf("bad target %q: %v", req.Target, err)
		return res
	}
	status := strconv.Itoa(req.Status)
	for _, s := range append(hops, backend) {
		attr(&res, s, "http.request.method", req.Method)
		attr(&res, s, "url.path", u.Path)
		attr(&res, s, "http.response.status_code", status)
		if s.Service != svcBackend {
			attr(&res, s, "url.query", u.RawQuery)
		}
		// A forwarded traceparent names the span; it is no attribute.
		for _, k := range []string{"http.request.header.traceparent", "http.request.header.forwarded_traceparent"} {
			if v, ok := s.Attrs[k]; ok && s.Service == svcHAProxy && req.Frontend != harness.FrontendPlain {
				res.addf("%s span has attribute %s=%q", s.Service, k, v)
			}
		}
	}
	if h := res.haproxy; h != nil {
		attr(&res, h, "haproxy.frontend", frontendName[req.Frontend])
		attr(&res, h, "haproxy.backend", "be_app")
	}
	if client != nil {
		attr(&res, client, "http.request.method", req.Method)
		attr(&res, client, "http.response.status_code", status)
	}
	verifyStatements(req, backend, t, &res)
	return res
}

// verifyStatements checks the SQL the backend ran for the request, as it
// listed it: each statement's database CLIENT span (the backend's, a child
// of its server span and inside it, Error when the statement failed), and
// under it PostgreSQL's spans of the statement (made by logspan from
// PostgreSQL's jsonlog): parse, bind and execute for the extended protocol,
// one "statement" span for the simple one, and for a failed statement one
// Error span with its SQLSTATE; each a SERVER span inside the CLIENT span,
// give or take slack (PostgreSQL logs whole milliseconds).
func verifyStatements(req harness.Request, backend *span, t traceSpans, res *result) {
	byParent := map[string][]*span{}
	for _, p := range t.postgres {
		byParent[p.ParentID] = append(byParent[p.ParentID], p)
	}
	for i, st := range req.Statements {
		name := fmt.Sprintf("statement %d", i+1)
		d := t.statements[st.SpanID]
		if d == nil {
			res.addf("%s: database span %s missing", name, st.SpanID)
			continue
		}
		if d.ParentID != backend.SpanID {
			res.addf("%s: database span's parent is %q, want the backend span %s", name, d.ParentID, backend.SpanID)
		}
		if d.Kind != "CLIENT" {
			res.addf("%s: database span kind %s, want CLIENT", name, d.Kind)
		}
		within(res, name+"'s database span", d, "backend span", backend)
		failed := st.SQLState != ""
		if d.Error != failed {
			res.addf("%s: database span status Error=%v, want %v", name, d.Error, failed)
		}
		var steps []string
		for _, p := range byParent[d.SpanID] {
			step := cmp.Or(p.Attrs["postgresql.protocol_step"], "error")
			steps = append(steps, step)
			within(res, name+"'s postgresql "+step+" span", p, "database span", d)
			if p.Kind != "SERVER" {
				res.addf("%s: postgresql %s span kind %s, want SERVER", name, step, p.Kind)
			}
			if p.Error != failed {
				res.addf("%s: postgresql %s span status Error=%v, want %v", name, step, p.Error, failed)
			}
			attr(res, p, "db.namespace", d.Attrs["db.namespace"])
			attr(res, p, "db.operation.name", d.Attrs["db.operation.name"])
			attr(res, p, "db.response.status_code", st.SQLState)
		}
		delete(byParent, d.SpanID)
		slices.Sort(steps)
		want := []string{"bind", "execute", "parse"}
		switch {
		case failed:
			want = []string{"error"}
		case st.Protocol == harness.ProtocolSimple:
			want = []string{"statement"}
		}
		if !slices.Equal(steps, want) {
			how := st.Protocol + " protocol"
			if failed {
				how += ", SQLSTATE " + st.SQLState
			}
			res.addf("%s (%s): postgresql spans %v, want %v", name, how, steps, want)
		}
	}
	for _, ps := range byParent {
		for _, p := range ps {
			res.addf("unexpected span %s", describe(p))
		}
	}
}

// verifyTCPTrace checks the trace of the request sent through the tcplog
// frontend: HAProxy cannot log trace context in TCP mode, so the trace
// holds only the client span and the backend span, its child.
func verifyTCPTrace(req harness.Request, spans []span) result {
	var res result
	// HAProxy's TCP span is a root in its own trace (verifyTCPSpan): any
	// proxy span here is unexpected.
	t := sortSpans(req, spans, nil, &res)
	client, backend := t.client, t.backend
	if client == nil || backend == nil {
		res.addf("trace %s: client span found %v, backend span found %v", req.TraceID, client != nil, backend != nil)
		return res
	}
	if backend.ParentID != client.SpanID {
		res.addf("backend span's parent is %q, want the client span %s", backend.ParentID, client.SpanID)
	}
	verifyStatements(req, backend, t, &res)
	return res
}

// verifyTCPSpan checks HAProxy's span of the TCP session, found among the
// HAProxy spans of the run by the client's port: exactly one, starting
// within the client span.
func verifyTCPSpan(req harness.Request, haproxy []span) result {
	var res result
	var found []*span
	for i := range haproxy {
		s := &haproxy[i]
		if s.Name == tcpOperation && s.Attrs["client.port"] == strconv.Itoa(req.LocalPort) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		res.addf("%d HAProxy %q spans with client.port=%d, want 1", len(found), tcpOperation, req.LocalPort)
		return res
	}
	h := found[0]
	res.haproxy = h
	if h.Start.Before(req.Start.Add(-slack)) || h.Start.After(req.End) {
		res.addf("TCP span starts at %s, outside the client span [%s, %s]",
			stamp(h.Start), stamp(req.Start), stamp(req.End))
	}
	if h.ParentID != "" {
		res.addf("TCP span has parent %s, want none", h.ParentID)
	}
	if h.Error {
		res.addf("TCP span status Error (%s), want unset", h.StatusMessage)
	}
	attr(&res, h, "haproxy.frontend", frontendName[harness.FrontendTCP])
	attr(&res, h, "network.transport", "tcp")
	return res
}

// within checks that inner lies inside outer, give or take slack.
func within(res *result, innerName string, inner *span, outerName string, outer *span) {
	withinSlack(res, innerName, inner, outerName, outer, slack)
}

// withinSlack is within with its own tolerance for the start.
func withinSlack(res *result, innerName string, inner *span, outerName string, outer *span, startSlack time.Duration) {
	res.overshoot = max(res.overshoot, outer.Start.Sub(inner.Start), inner.End.Sub(outer.End))
	if inner.Start.Before(outer.Start.Add(-startSlack)) {
		res.addf("%s starts %s before the %s", innerName, outer.Start.Sub(inner.Start), outerName)
	}
	if inner.End.After(outer.End.Add(slack)) {
		res.addf("%s ends %s after the %s", innerName, inner.End.Sub(outer.End), outerName)
	}
}

// attr checks one attribute; want "" means the attribute must be absent.
func attr(res *result, s *span, key, want string) {
	got, ok := s.Attrs[key]
	switch {
	case want == "" && ok:
		res.addf("%s span: %s=%q, want none", s.Service, key, got)
	case want != "" && got != want:
		if !ok {
			got = "(absent)"
		}
		res.addf("%s span: %s=%s, want %s", s.Service, key, got, want)
	}
}

func describe(s *span) string {
	return fmt.Sprintf("%s %q id %s parent %q", s.Service, s.Name, s.SpanID, s.ParentID)
}

func stamp(t time.Time) string {
	return t.Format("15:04:05.000000")
}

// traceSpans are a trace's spans by role.
type traceSpans struct {
	client, backend *span
	proxies         map[string][]*span // by service
	statements      map[string]*span   // the backend's database spans, by id
	postgres        []*span            // PostgreSQL's spans
}

// sortSpans picks out of a trace's spans the request's client span, its
// backend span, every span of the proxy services in want (by service), the
// backend's database spans of the statements it listed and every
// PostgreSQL span, and notes any other as unexpected.
func sortSpans(req harness.Request, spans []span, want map[string]bool, res *result) traceSpans {
	t := traceSpans{proxies: map[string][]*span{}, statements: map[string]*span{}}
	listed := map[string]bool{}
	for _, st := range req.Statements {
		listed[st.SpanID] = true
	}
	for i := range spans {
		s := &spans[i]
		switch {
		case s.Service == svcClient && s.SpanID == req.ClientSpanID:
			t.client = s
		case s.Service == svcBackend && s.SpanID == req.BackendSpanID:
			t.backend = s
		case s.Service == svcBackend && listed[s.SpanID] && t.statements[s.SpanID] == nil:
			t.statements[s.SpanID] = s
		case s.Service == svcPostgres:
			t.postgres = append(t.postgres, s)
		case want[s.Service]:
			t.proxies[s.Service] = append(t.proxies[s.Service], s)
		default:
			res.addf("unexpected span %s", describe(s))
		}
	}
	return t
}
