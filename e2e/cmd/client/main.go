// Command client is the end-to-end test's caller, instrumented with the
// OpenTelemetry Go SDK (service "client"). It sends a few hundred HTTP
// requests through HAProxy's two HTTP frontends and, with -nginx and -caddy,
// through nginx in front of HAProxy and through Caddy, each inside its own client span whose context
// it injects as traceparent (a few go without one), then one HTTP request
// through the `mode tcp` frontend, and writes what it did to a JSON file for
// the checker (see harness.Run).
//
// The requests are spread evenly over -duration, in bursts of five sent at
// once, so that the test can rotate the log and restart logspan while they
// flow.
//
//	client -rewrite http://127.0.0.1:18080 -plain http://127.0.0.1:18082 \
//	    -nginx http://127.0.0.1:18084 -caddy http://127.0.0.1:18085 -tcp 127.0.0.1:18083 \
//	    -otlp 127.0.0.1:4317 -out requests.json
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/e2e/internal/harness"
)

// burst is how many requests are sent at the same instant.
const burst = 5

type config struct {
	rewrite, plain, tcp string
	nginx, caddy        string
	otlp, out           string
	requests            int
	concurrency         int
	duration            time.Duration
	seed                uint64
}

func main() {
	var c config
	flag.StringVar(&c.rewrite, "rewrite", "http://127.0.0.1:18080", "base URL of the HTTP frontend that rewrites traceparent")
	flag.StringVar(&c.plain, "plain", "http://127.0.0.1:18082", "base URL of the plain HTTP frontend")
	flag.StringVar(&c.nginx, "nginx", "", "base URL of nginx in front of the rewriting frontend (empty: no requests through nginx)")
	flag.StringVar(&c.caddy, "caddy", "", "base URL of Caddy in front of the backend (empty: no requests through Caddy)")
	flag.StringVar(&c.tcp, "tcp", "127.0.0.1:18083", "address of the `mode tcp` frontend (empty: no TCP request)")
	flag.StringVar(&c.otlp, "otlp", "127.0.0.1:4317", "OTLP/gRPC endpoint (host:port, plain text)")
	flag.StringVar(&c.out, "out", "requests.json", "file to write the requests made to")
	flag.IntVar(&c.requests, "requests", 300, "HTTP requests to make")
	flag.IntVar(&c.concurrency, "concurrency", 8, "requests in flight at most")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "time to spread the requests over")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the request mix")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(c, log); err != nil {
		log.Error("client failed", "err", err)
		os.Exit(1)
	}
}

// job is one planned request.
type job struct {
	id       int
	frontend string
	base     string
	traced   bool
	method   string
	target   string
	at       time.Duration
}

// plan returns the request mix: in turn through each frontend given (the
// rewriting and the plain HAProxy frontend, nginx, Caddy); GET mostly, also POST,
// PUT, DELETE and HEAD; 200, slow 200, 404, 500 and 503 answers; every tenth
// request of the frontends that start a trace themselves (rewrite, nginx)
// without a traceparent. Requests through nginx all take routes on which the
// backend runs SQL (items, slow, db/fail), so that each of their traces
// holds the whole path down to PostgreSQL.
func plan(c config) []job {
	rng := rand.New(rand.NewPCG(c.seed, 0x6c6f677370616e))
	methods := []string{"GET", "GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD"}
	type frontend struct{ name, base string }
	fronts := []frontend{{harness.FrontendRewrite, c.rewrite}, {harness.FrontendPlain, c.plain}}
	if c.nginx != "" {
		fronts = append(fronts, frontend{harness.FrontendNginx, c.nginx})
	}
	if c.caddy != "" {
		fronts = append(fronts, frontend{harness.FrontendCaddy, c.caddy})
	}
	// Routes by weight; sql: the backend runs SQL on it.
	type route struct {
		weight int
		sql    bool
		target func(id int) string
	}
	routes := []route{
		{5, false, func(int) string { return "/ok" }},
		{2, false, func(id int) string { return "/ok?page=" + strconv.Itoa(id) + "&sort=desc" }},
		{3, true, func(int) string { return "/items/" + strconv.Itoa(rng.IntN(1000)) }},
		{3, true, func(int) string { return "/slow?ms=" + strconv.Itoa(20+rng.IntN(230)) }},
		{1, true, func(int) string { return "/db/fail" }},
		{2, false, func(int) string { return "/fail" }},
		{1, false, func(int) string { return "/unavailable" }},
		{3, false, func(id int) string { return "/missing/" + strconv.Itoa(id) }},
	}
	pick := func(sqlOnly bool) route {
		total := 0
		for _, r := range routes {
			if r.sql || !sqlOnly {
				total += r.weight
			}
		}
		k := rng.IntN(total)
		for _, r := range routes {
			if r.sql || !sqlOnly {
				if k < r.weight {
					return r
				}
				k -= r.weight
			}
		}
		return routes[0] // not reached: k < total
	}
	jobs := make([]job, c.requests)
	for i := range jobs {
		id := i + 1
		f := fronts[i%len(fronts)]
		j := job{id: id, frontend: f.name, base: f.base, traced: true}
		if i/len(fronts)%10 == 3 && (f.name == harness.FrontendRewrite || f.name == harness.FrontendNginx) {
			j.traced = false
		}
		j.method = methods[rng.IntN(len(methods))]
		j.target = pick(f.name == harness.FrontendNginx).target(id)
		j.at = time.Duration(i/burst*burst) * c.duration / time.Duration(max(c.requests, 1))
		jobs[i] = j
	}
	return jobs
}

func run(c config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tp, err := harness.NewTracerProvider(ctx, c.otlp, "client")
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			log.Error("flush spans", "err", err)
		}
	}()
	cl := &client{
		tracer: tp.Tracer("e2e/client"),
		http: &http.Client{
			Timeout:   15 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency, IdleConnTimeout: 30 * time.Second},
		},
	}

	jobs := plan(c)
	results := make([]harness.Request, len(jobs))
	runStart := time.Now()
	queue := make(chan int)
	var wg sync.WaitGroup
	for range max(c.concurrency, 1) {
		wg.Go(func() {
			for i := range queue {
				results[i] = cl.do(ctx, jobs[i])
			}
		})
	}
	for i, j := range jobs {
		if d := time.Until(runStart.Add(j.at)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		queue <- i
		if n := i + 1; n%(max(len(jobs)/4, 1)) == 0 {
			log.Info("requests sent", "n", n, "of", len(jobs))
		}
	}
	close(queue)
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted")
	}
	if c.tcp != "" {
		results = append(results, cl.doTCP(ctx, c.tcp, len(jobs)+1))
	}
	failed := 0
	for _, r := range results {
		if r.Error != "" {
			failed++
			if failed <= 5 {
				log.Error("request failed", "id", r.ID, "frontend", r.Frontend, "method", r.Method, "target", r.Target, "err", r.Error)
			}
		}
	}
	runRec := &harness.Run{Start: runStart, End: time.Now(), Requests: results}
	if err := harness.WriteRun(c.out, runRec); err != nil {
		return err
	}
	log.Info("client done", "requests", len(results), "failed", failed, "took", time.Since(runStart).Round(time.Millisecond), "out", c.out)
	if failed > 0 {
		return fmt.Errorf("%d requests got no response", failed)
	}
	return nil
}

type client struct {
	tracer trace.Tracer
	http   *http.Client
}

// do sends one request, inside a client span when the job is traced.
func (c *client) do(ctx context.Context, j job) harness.Request {
	rec := harness.Request{ID: j.id, Frontend: j.frontend, Traced: j.traced, Method: j.method, Target: j.target}
	full := j.base + j.target
	u, err := url.Parse(full)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	var body io.Reader
	if j.method == "POST" || j.method == "PUT" {
		body = strings.NewReader(`{"e2e":` + strconv.Itoa(j.id) + "}")
	}
	rec.Start = time.Now()
	var span trace.Span
	if j.traced {
		port, _ := strconv.Atoi(u.Port())
		ctx, span = c.tracer.Start(ctx, j.method, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithTimestamp(rec.Start),
			trace.WithAttributes(
				semconv.HTTPRequestMethodKey.String(j.method),
				semconv.URLFull(full),
				semconv.ServerAddress(u.Hostname()),
				semconv.ServerPort(port),
				attribute.String("e2e.frontend", j.frontend),
				attribute.Int("e2e.request_id", j.id),
			))
		rec.TraceID = span.SpanContext().TraceID().String()
		rec.ClientSpanID = span.SpanContext().SpanID().String()
	}
	req, err := http.NewRequestWithContext(ctx, j.method, full, body)
	if err == nil {
		if j.traced {
			propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		var resp *http.Response
		resp, err = c.http.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			rec.Status = resp.StatusCode
			c.backendContext(&rec, resp.Header.Get(harness.TraceResponseHeader))
			if err == nil {
				rec.Statements, err = harness.ParseStatements(resp.Header.Get(harness.StatementsHeader))
			}
		}
	}
	rec.End = time.Now()
	if err != nil {
		rec.Error = err.Error()
	}
	if span != nil {
		endSpan(span, rec, err)
	}
	return rec
}

// doTCP sends one HTTP/1.1 request over a plain TCP connection to the
// tcplog frontend, inside a client span, and records the connection's local
// port, by which the checker finds HAProxy's TCP span.
func (c *client) doTCP(ctx context.Context, addr string, id int) harness.Request {
	rec := harness.Request{ID: id, Frontend: harness.FrontendTCP, Traced: true, Method: "GET", Target: "/ok?via=tcp"}
	rec.Start = time.Now()
	ctx, span := c.tracer.Start(ctx, rec.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(rec.Start),
		trace.WithAttributes(
			semconv.HTTPRequestMethodKey.String(rec.Method),
			semconv.URLFull("http://"+addr+rec.Target),
			semconv.ServerAddress(addr),
			attribute.String("e2e.frontend", rec.Frontend),
			attribute.Int("e2e.request_id", id),
		))
	rec.TraceID = span.SpanContext().TraceID().String()
	rec.ClientSpanID = span.SpanContext().SpanID().String()
	err := func() error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("dial %s: %w", addr, err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		rec.LocalPort = conn.LocalAddr().(*net.TCPAddr).Port
		req, err := http.NewRequestWithContext(ctx, rec.Method, "http://"+addr+rec.Target, nil)
		if err != nil {
			return err
		}
		req.Close = true
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
		if err := req.Write(conn); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			return fmt.Errorf("read response: %w", err)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		rec.Status = resp.StatusCode
		c.backendContext(&rec, resp.Header.Get(harness.TraceResponseHeader))
		return nil
	}()
	rec.End = time.Now()
	if err != nil {
		rec.Error = err.Error()
	}
	endSpan(span, rec, err)
	return rec
}

// backendContext records the backend span named by a traceresponse value;
// an untraced request takes its trace id from it too.
func (c *client) backendContext(rec *harness.Request, tr string) {
	parts := strings.Split(tr, "-")
	if len(parts) != 4 || len(parts[1]) != 32 || len(parts[2]) != 16 {
		return
	}
	rec.BackendSpanID = parts[2]
	if rec.TraceID == "" {
		rec.TraceID = parts[1]
	}
}

// endSpan sets the response attributes and status (Error for a failure or a
// 4xx/5xx answer, as the conventions ask of client spans) and ends the span
// at rec.End.
func endSpan(span trace.Span, rec harness.Request, err error) {
	switch {
	case err != nil:
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
	case rec.Status >= 400:
		span.SetStatus(codes.Error, "")
		span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(rec.Status)))
	}
	if rec.Status > 0 {
		span.SetAttributes(semconv.HTTPResponseStatusCode(rec.Status))
	}
	span.End(trace.WithTimestamp(rec.End))
}

func errorType(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "_OTHER"
}
