// Command backend is the end-to-end test's HTTP service behind HAProxy,
// instrumented with the OpenTelemetry Go SDK: every request gets a server
// span (service "backend") whose parent is the traceparent that arrived, and
// the response carries that span's context in a traceresponse header.
//
// With -postgres, some routes run SQL on PostgreSQL, each statement inside
// a database CLIENT span (child of the server span) whose context goes into
// a sqlcommenter comment appended to the SQL (see database), and the
// response lists them in harness.StatementsHeader.
//
// Routes (any method):
//
//	/ok                200
//	/items/{id}        200; with -postgres: SELECT (extended protocol),
//	                   then UPDATE (simple protocol)
//	/slow?ms=N         200 after N milliseconds (at most 5000); with
//	                   -postgres: SELECT pg_sleep, so PostgreSQL takes them
//	/db/fail           500; with -postgres: a SELECT of a missing table
//	                   (SQLSTATE 42P01)
//	/fail              500
//	/unavailable       503
//	anything else      404
//
//	backend -listen 127.0.0.1:18081 -otlp 127.0.0.1:4317 \
//	    -postgres 'host=127.0.0.1 port=5432 user=postgres dbname=shop sslmode=disable'
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
	dsn := flag.String("postgres", "", "PostgreSQL connection string (empty: no SQL)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*listen, *otlp, *service, *dsn, log); err != nil {
		log.Error("backend failed", "err", err)
		os.Exit(1)
	}
}

func run(listen, otlp, service, dsn string, log *slog.Logger) error {
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

	tracer := tp.Tracer("e2e/backend")
	var db *database
	if dsn != "" {
		if db, err = openDatabase(ctx, dsn, tracer); err != nil {
			return err
		}
		defer db.close()
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           traced(tracer, routes(db)),
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

// routes are the backend's handlers; db is nil without -postgres.
func routes(db *database) *http.ServeMux {
	mux := http.NewServeMux()
	text := func(w http.ResponseWriter, code int, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		_, _ = fmt.Fprintln(w, msg)
	}
	dbFailed := func(w http.ResponseWriter, err error) {
		text(w, http.StatusInternalServerError, "database: "+err.Error())
	}
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { text(w, http.StatusOK, "ok") })
	mux.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if db == nil || err != nil {
			text(w, http.StatusOK, "item "+r.PathValue("id"))
			return
		}
		var name string
		if err := db.run(r.Context(), r.Pattern, harness.ProtocolExtended,
			"SELECT name FROM items WHERE id = $1", []any{id}, &name); err != nil {
			dbFailed(w, err)
			return
		}
		if err := db.run(r.Context(), r.Pattern, harness.ProtocolSimple,
			"UPDATE items SET hits = hits + 1 WHERE id = $1", []any{id}); err != nil {
			dbFailed(w, err)
			return
		}
		text(w, http.StatusOK, name)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		d := time.Duration(min(max(ms, 0), 5000)) * time.Millisecond
		if db != nil {
			if err := db.run(r.Context(), r.Pattern, harness.ProtocolExtended,
				"SELECT pg_sleep($1)", []any{d.Seconds()}); err != nil {
				dbFailed(w, err)
				return
			}
			text(w, http.StatusOK, "slept")
			return
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		text(w, http.StatusOK, "slept")
	})
	mux.HandleFunc("/db/fail", func(w http.ResponseWriter, r *http.Request) {
		err := errors.New("failed on purpose")
		if db != nil {
			err = db.run(r.Context(), r.Pattern, harness.ProtocolExtended,
				"SELECT name FROM missing_items WHERE id = $1", []any{1}, new(string))
		}
		dbFailed(w, err)
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

// statusWriter remembers the status code written, and sets
// harness.StatementsHeader from the statements run before it.
type statusWriter struct {
	http.ResponseWriter
	status     int
	statements *statements
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if v := w.statements.header(); v != "" {
			w.Header().Set(harness.StatementsHeader, v)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
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

		sw := &statusWriter{ResponseWriter: w, statements: &statements{}}
		mux.ServeHTTP(sw, r.WithContext(withStatements(ctx, sw.statements)))
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
