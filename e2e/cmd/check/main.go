// Command check is the end-to-end test's verdict: it reads the requests the
// client made (e2e/cmd/client's JSON file) and checks, through Jaeger's
// query API only, that each one's trace holds the client span, exactly one
// span of each proxy on its way (nginx, HAProxy, Caddy: made by logspan from
// their access logs) and the backend span, linked and timed as the route it took
// implies (see verifyHTTP), and that the TCP-mode request got its span. It
// polls Jaeger until every trace is complete or -timeout passes, checks once
// more after -settle (a late duplicate would show then), prints a summary
// and exits 1 on any failure, naming each failed request, what was wrong and
// the spans its trace holds.
//
//	check -jaeger http://127.0.0.1:16686 -requests requests.json
//	check -jaeger http://127.0.0.1:16686 -ready -timeout 60s   # wait for Jaeger
//	check -jaeger http://127.0.0.1:16686 -count 2000           # e2e/gateway.sh: count spans
//
// -html and -png write a waterfall of one trace drawn from the same API data
// (see waterfall.go); docs/e2e-trace.png is the -png one.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/logspan/logspan/e2e/internal/harness"
)

type config struct {
	jaeger    string
	requests  string
	timeout   time.Duration
	settle    time.Duration
	frontends string
	ready     bool
	html      string
	png       string
	htmlID    int
	metrics   string
	count     countConfig
}

func main() {
	var c config
	flag.StringVar(&c.jaeger, "jaeger", "http://127.0.0.1:16686", "Jaeger query base URL")
	flag.StringVar(&c.requests, "requests", "requests.json", "the client's record of its requests")
	flag.DurationVar(&c.timeout, "timeout", 90*time.Second, "how long to wait for the spans (or, with -ready, for Jaeger)")
	flag.DurationVar(&c.settle, "settle", 3*time.Second, "wait this long after success and check everything again")
	flag.StringVar(&c.frontends, "frontends", "rewrite,plain,nginx,caddy,tcp", "comma-separated frontends whose requests are checked")
	flag.BoolVar(&c.ready, "ready", false, "only wait until Jaeger's query API answers")
	flag.StringVar(&c.html, "html", "", "write an HTML waterfall of one trace to this file")
	flag.StringVar(&c.png, "png", "", "write the same waterfall as a PNG image to this file")
	flag.IntVar(&c.htmlID, "html-request", 0, "request id whose trace -html and -png draw (default: a slow request through nginx, else through the rewriting frontend)")
	flag.StringVar(&c.metrics, "logspan-metrics", "", "logspan's /metrics URL, to print its counters in the summary")
	flag.DurationVar(&slack, "slack", slack, "tolerance of the time checks (nginx, HAProxy and PostgreSQL log whole milliseconds)")
	flag.DurationVar(&proxySlack, "proxy-slack", proxySlack, "tolerance of a proxy's start before the proxy in front of it (each stamps a loop wake-up's clock)")
	flag.IntVar(&c.count.want, "count", 0, "instead of checking requests: wait until Jaeger holds this many spans of -count-service, each exactly once")
	flag.StringVar(&c.count.service, "count-service", svcHAProxy, "with -count: the service.name of the spans counted")
	flag.TextVar(&c.count.from, "count-from", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), "with -count: the earliest span start counted (RFC 3339)")
	flag.TextVar(&c.count.to, "count-to", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "with -count: the latest span start counted (RFC 3339)")
	flag.Parse()
	c.count.timeout, c.count.settle = c.timeout, c.settle
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	j := &jaeger{base: strings.TrimRight(c.jaeger, "/"), http: &http.Client{Timeout: 10 * time.Second}}
	var err error
	switch {
	case c.ready:
		err = waitReady(ctx, j, c.timeout)
	case c.count.want > 0:
		var ok bool
		ok, err = count(ctx, j, c.count, os.Stdout)
		if err == nil && !ok {
			os.Exit(1)
		}
	default:
		var ok bool
		ok, err = check(ctx, c, j, os.Stdout)
		if err == nil && !ok {
			os.Exit(1)
		}
	}
	if err != nil {
		log.Error("check failed", "err", err)
		os.Exit(2)
	}
}

func waitReady(ctx context.Context, j *jaeger, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := j.ready(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("jaeger not ready after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// outcome is the state of one request's checks.
type outcome struct {
	req     harness.Request
	checked bool // res holds the latest checks
	res     result
}

func (o *outcome) ok() bool { return o.req.Error == "" && o.checked && len(o.res.problems) == 0 }

func check(ctx context.Context, c config, j *jaeger, w io.Writer) (bool, error) {
	run, err := harness.ReadRun(c.requests)
	if err != nil {
		return false, err
	}
	want := map[string]bool{}
	for f := range strings.SplitSeq(c.frontends, ",") {
		want[strings.TrimSpace(f)] = true
	}
	var outs []*outcome
	for _, r := range run.Requests {
		if want[r.Frontend] {
			outs = append(outs, &outcome{req: r})
		}
	}
	if len(outs) == 0 {
		return false, fmt.Errorf("no requests of frontends %q in %s", c.frontends, c.requests)
	}
	// The window in which every span of the run started.
	from, to := run.Start.Add(-time.Minute), run.End.Add(time.Minute)

	begin := time.Now()
	deadline := begin.Add(c.timeout)
	rounds := 0
	for {
		rounds++
		// A request that got no response has nothing to wait for.
		settled := func(o *outcome) bool { return o.req.Error != "" || o.ok() }
		pending := slices.DeleteFunc(slices.Clone(outs), settled)
		if err := verifyAll(ctx, j, pending, from, to); err != nil {
			return false, err
		}
		if !slices.ContainsFunc(outs, func(o *outcome) bool { return !settled(o) }) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	arrived := time.Since(begin)
	allOK := !slices.ContainsFunc(outs, func(o *outcome) bool { return !o.ok() })
	if allOK && c.settle > 0 {
		// Everything arrived: look again a little later, all of it.
		time.Sleep(c.settle)
		if err := verifyAll(ctx, j, outs, from, to); err != nil {
			return false, err
		}
	}

	// Every HAProxy span in Jaeger (of the frontends checked) must belong
	// to one request. nginx sends on to fe_rewrite: when only one of the two
	// is checked, the other's spans are in the same frontend and the count
	// cannot tell them apart, so it is not made.
	fronts := map[string]bool{}
	for f := range want {
		if frontendName[f] != "" {
			fronts[frontendName[f]] = true
		}
	}
	counted := true
	for _, r := range run.Requests {
		if !want[r.Frontend] && fronts[frontendName[r.Frontend]] {
			counted = false
		}
	}
	var haproxy []span
	if counted {
		all, err := j.find(ctx, svcHAProxy, "", from, to)
		if err != nil {
			return false, err
		}
		for _, s := range all {
			if s.Service == svcHAProxy && fronts[s.Attrs["haproxy.frontend"]] {
				haproxy = append(haproxy, s)
			}
		}
	}
	wantSpans := 0
	for _, o := range outs {
		if o.req.Error == "" && frontendName[o.req.Frontend] != "" {
			wantSpans++
		}
	}
	if !counted {
		wantSpans = -1
	}

	ok := summarize(w, c, run, outs, len(haproxy), wantSpans, arrived, rounds)
	if counted && len(haproxy) != wantSpans {
		strays(w, outs, haproxy)
	}
	if c.metrics != "" {
		printMetrics(ctx, w, c.metrics)
	}
	if c.html != "" || c.png != "" {
		if err := writeWaterfall(ctx, j, c, outs); err != nil {
			return false, err
		}
		fmt.Fprintf(w, "waterfall written to %s\n", strings.Trim(c.html+" "+c.png, " "))
	}
	return ok, nil
}

// verifyAll checks the given requests, eight at a time.
func verifyAll(ctx context.Context, j *jaeger, outs []*outcome, from, to time.Time) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		tcpSpans []span
		tcpErr   error
		tcpOnce  sync.Once
	)
	sem := make(chan struct{}, 8)
	for _, o := range outs {
		if o.req.Error != "" {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			spans, err := j.trace(ctx, o.req.TraceID)
			if err != nil {
				mu.Lock()
				firstErr = cmpErr(firstErr, err)
				mu.Unlock()
				return
			}
			o.checked = true
			if o.req.Frontend != harness.FrontendTCP {
				o.res = verifyHTTP(o.req, spans)
				return
			}
			o.res = verifyTCPTrace(o.req, spans)
			tcpOnce.Do(func() { tcpSpans, tcpErr = j.find(ctx, svcHAProxy, tcpOperation, from, to) })
			if tcpErr != nil {
				mu.Lock()
				firstErr = cmpErr(firstErr, tcpErr)
				mu.Unlock()
				return
			}
			var hs []span
			for _, s := range tcpSpans {
				if s.Service == svcHAProxy {
					hs = append(hs, s)
				}
			}
			t := verifyTCPSpan(o.req, hs)
			o.res.problems = append(o.res.problems, t.problems...)
			o.res.haproxy = t.haproxy
		})
	}
	wg.Wait()
	return firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// summarize prints the verdict and returns whether everything passed.
func summarize(w io.Writer, c config, run *harness.Run, outs []*outcome, haproxySpans, wantSpans int, arrived time.Duration, rounds int) bool {
	type tally struct{ n, untraced, ok int }
	per := map[string]*tally{}
	statuses := map[int]int{}
	var failed []*outcome
	var overshoot time.Duration
	for _, o := range outs {
		overshoot = max(overshoot, o.res.overshoot)
		t := per[o.req.Frontend]
		if t == nil {
			t = &tally{}
			per[o.req.Frontend] = t
		}
		t.n++
		if !o.req.Traced {
			t.untraced++
		}
		if o.ok() {
			t.ok++
		} else {
			failed = append(failed, o)
		}
		statuses[o.req.Status]++
	}
	fmt.Fprintf(w, "\ne2e check: %d requests from %s (client ran %s), Jaeger %s API v3\n",
		len(outs), c.requests, run.End.Sub(run.Start).Round(time.Millisecond), c.jaeger)
	for _, f := range []string{harness.FrontendRewrite, harness.FrontendPlain, harness.FrontendNginx, harness.FrontendCaddy, harness.FrontendTCP} {
		t := per[f]
		if t == nil {
			continue
		}
		note := ""
		if t.untraced > 0 {
			note = fmt.Sprintf(" (%d without traceparent)", t.untraced)
		}
		fmt.Fprintf(w, "  %-8s %-11s %4d %s%s: %d complete and correct\n", f, cmp.Or(frontendName[f], "-"), t.n, plural(t.n, "request"), note, t.ok)
	}
	codes := make([]int, 0, len(statuses))
	for s := range statuses {
		codes = append(codes, s)
	}
	slices.Sort(codes)
	var parts []string
	for _, s := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", statuses[s], s))
	}
	fmt.Fprintf(w, "  statuses: %s\n", strings.Join(parts, ", "))
	var stmts, failedStmts, pgSpans int
	for _, o := range outs {
		stmts += len(o.req.Statements)
		for _, st := range o.req.Statements {
			if st.SQLState != "" {
				failedStmts++
			}
		}
		for _, s := range o.res.spans {
			if s.Service == svcPostgres {
				pgSpans++
			}
		}
	}
	fmt.Fprintf(w, "  SQL: %d statements (%d failed on purpose), %d PostgreSQL spans in their traces\n", stmts, failedStmts, pgSpans)
	if wantSpans >= 0 {
		fmt.Fprintf(w, "  HAProxy spans in Jaeger: %d, requests answered: %d\n", haproxySpans, wantSpans)
	} else {
		fmt.Fprintln(w, "  HAProxy spans not counted: nginx and fe_rewrite share a HAProxy frontend, and only one is checked")
	}
	fmt.Fprintf(w, "  timing: a span reached at most %s out of its parent (slack %s; nginx, HAProxy and PostgreSQL log whole ms)\n", overshoot, slack)
	fmt.Fprintf(w, "  spans complete after %s (%d polls)\n", arrived.Round(100*time.Millisecond), rounds)

	ok := len(failed) == 0 && (wantSpans < 0 || haproxySpans == wantSpans)
	for i, o := range failed {
		if i == 20 {
			fmt.Fprintf(w, "... and %d more failed requests\n", len(failed)-i)
			break
		}
		r := o.req
		fmt.Fprintf(w, "FAIL request #%d (%s, %s %s -> %d, trace %s):\n", r.ID, r.Frontend, r.Method, r.Target, r.Status, r.TraceID)
		if r.Error != "" {
			fmt.Fprintf(w, "    the client got no response: %s\n", r.Error)
		}
		for _, p := range o.res.problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
		printTrace(w, o.res.spans)
	}
	if wantSpans >= 0 && haproxySpans != wantSpans {
		fmt.Fprintf(w, "FAIL %d HAProxy spans in Jaeger for %d requests: want exactly one each\n", haproxySpans, wantSpans)
	}
	if overshoot > slack {
		fmt.Fprintln(w, "note: HAProxy takes a wake-up much later than it planned for a clock jump and does not count that time")
		fmt.Fprintln(w, "      (tv_update_date): when it is starved of CPU its Ta comes out short and its spans end too early.")
		fmt.Fprintln(w, "      Spans far out of their parent usually mean an overloaded machine; do not run the e2e niced.")
	}
	if ok {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintf(w, "FAIL (%d of %d requests)\n", len(failed), len(outs))
	}
	return ok
}

// printTrace prints a failed request's trace as Jaeger holds it, one span a
// line in tree order: service, name, id, parent, start (from the trace's
// first span), duration and Error.
func printTrace(w io.Writer, spans []span) {
	if len(spans) == 0 {
		return
	}
	rows, depth := ordered(spans)
	t0 := rows[0].Start
	for _, s := range rows {
		t0 = minTime(t0, s.Start)
	}
	fmt.Fprintf(w, "    the trace in Jaeger (start from %s, duration):\n", stamp(t0))
	for i, s := range rows {
		status := ""
		if s.Error {
			status = "  Error"
		}
		fmt.Fprintf(w, "      %s%-10s %-28q id %s parent %-16s %+9.3fms %9.3fms%s\n", strings.Repeat("  ", depth[i]),
			s.Service, s.Name, s.SpanID, cmp.Or(s.ParentID, "-"), ms(s.Start.Sub(t0)), ms(s.End.Sub(s.Start)), status)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// strays prints the HAProxy spans that are not the one span of a request,
// or that Jaeger holds more than once.
func strays(w io.Writer, outs []*outcome, haproxy []span) {
	mine := map[string]bool{}
	for _, o := range outs {
		if o.res.haproxy != nil {
			mine[o.res.haproxy.SpanID] = true
		}
	}
	seen := map[string]int{}
	n := 0
	for _, s := range haproxy {
		seen[s.SpanID]++
		why := ""
		switch {
		case seen[s.SpanID] > 1:
			why = "duplicate"
		case !mine[s.SpanID]:
			why = "no request's"
		default:
			continue
		}
		if n++; n > 20 {
			continue
		}
		fmt.Fprintf(w, "  %s HAProxy span: trace %s %s, frontend %s, path %q, client port %s, start %s\n", why,
			s.TraceID, describe(&s), s.Attrs["haproxy.frontend"], s.Attrs["url.path"], s.Attrs["client.port"], stamp(s.Start))
	}
	if n > 20 {
		fmt.Fprintf(w, "  ... and %d more\n", n-20)
	}
}

// printMetrics prints logspan's main counters.
func printMetrics(ctx context.Context, w io.Writer, u string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(w, "  logspan metrics: %v\n", err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		return
	}
	fmt.Fprintln(w, "  logspan (since its restart):")
	for line := range strings.Lines(string(b)) {
		for _, m := range []string{"logspan_lines_matched_total", "logspan_lines_unmatched_total", "logspan_invalid_trace_context_total",
			"logspan_spans_exported_total", "logspan_spans_failed_total", "logspan_rotations_total"} {
			if strings.HasPrefix(line, m) {
				fmt.Fprintf(w, "    %s", line)
			}
		}
	}
}
