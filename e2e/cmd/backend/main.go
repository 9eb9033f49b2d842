// Command backend is the end-to-end test's HTTP service behind HAProxy,
// instrumented with the OpenTelemetry Go SDK: every request gets a server
// span (service "backend") whose parent is the traceparent that arrived, and
// the response carries that span's context in a traceresponse header.
//
// Routes (any method):
//
//	/ok, /items/{id}   200
//	/slow?ms=N         200 after N milliseconds (at most 5000)
//	/fail              500
//	/unavailable       503
//	anything else      404
//
//	backend -listen 127.0.0.1:18081 -otlp 127.0.0.1:4317
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/e2e/internal/harness"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "HTTP address to serve on")
	otlp := flag.String("otlp", "127.0.0.1:4317", "OTLP/gRPC endpoint (host:port, plain text)")
	service := flag.String("service", "backend", "service.name of the spans")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*listen, *otlp, *service, log); err != nil {
		log.Error("backend failed", "err", err)
		os.Exit(1)
	}
}

func run(listen, otlp, service string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tp, err := harness.NewTracerProvider(ctx, otlp, service)
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

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           traced(tp.Tracer("e2e/backend"), routes()),
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("backend ready", "listen", ln.Addr().String(), "otlp", otlp)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	text := func(w http.ResponseWriter, code int, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		_, _ = fmt.Fprintln(w, msg)
	}
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "ok") })
	mux.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusOK, "item "+r.PathValue("id"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(min(max(ms, 0), 5000)) * time.Millisecond):
		case <-r.Context().Done():
		}
		text(w, http.StatusOK, "slept")
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusInternalServerError, "failed on purpose")
	})
	mux.HandleFunc("/unavailable", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusServiceUnavailable, "unavailable on purpose")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusNotFound, "not found") })
	return mux
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// traced wraps mux in a server span per request, following the HTTP server
// semantic conventions: parent from the incoming traceparent, name
// "{method} {route}", status Error on 5xx only.
func traced(tracer trace.Tracer, mux *http.ServeMux) http.Handler {
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				semconv.HTTPRequestMethodKey.String(r.Method),
				semconv.URLPath(r.URL.Path),
				semconv.URLScheme("http"),
				semconv.ServerAddress(r.Host),
				semconv.NetworkProtocolVersion(fmt.Sprintf("%d.%d", r.ProtoMajor, r.ProtoMinor)),
				semconv.ClientAddress(hostOf(r.RemoteAddr)),
			))
		defer span.End()
		if r.URL.RawQuery != "" {
			span.SetAttributes(semconv.URLQuery(r.URL.RawQuery))
		}
		// The span's own context, for the checker to find it.
		sc := span.SpanContext()
		w.Header().Set(harness.TraceResponseHeader,
			fmt.Sprintf("00-%s-%s-%s", sc.TraceID(), sc.SpanID(), sc.TraceFlags()))

		sw := &statusWriter{ResponseWriter: w}
		mux.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		// The mux set r.Pattern on its copy of r: ask it again.
		_, pattern := mux.Handler(r)
		if pattern != "" && pattern != "/" {
			span.SetName(r.Method + " " + pattern)
			span.SetAttributes(semconv.HTTPRoute(pattern))
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, "")
			span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), strconv.Itoa(sw.status)))
		}
	})
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
