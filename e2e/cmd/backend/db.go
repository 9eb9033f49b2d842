package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/e2e/internal/harness"
	"github.com/logspan/logspan/e2e/internal/sqlcomment"
)

// database runs the backend's SQL on PostgreSQL as an instrumented client
// with sqlcommenter does: each statement inside a database CLIENT span whose
// context (and the route) goes into a comment appended to the SQL, so that
// PostgreSQL's log, read by logspan, makes the statement's spans children
// of that span.
type database struct {
	pool   *pgxpool.Pool
	tracer trace.Tracer
	name   string // db.namespace
	host   string
	port   int
}

func openDatabase(ctx context.Context, dsn string, tracer trace.Tracer) (*database, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %q: %w", dsn, err)
	}
	// The unnamed statement of the extended protocol: each text (unique,
	// with its comment) is parsed, bound and executed once, and
	// PostgreSQL logs the three steps. The default, a cache of prepared
	// statements, would fill with texts never used again.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.MaxConns = 16 // no request waits for a connection (the client sends 8 at once)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &database{pool: pool, tracer: tracer, name: cfg.ConnConfig.Database,
		host: cfg.ConnConfig.Host, port: int(cfg.ConnConfig.Port)}, nil
}

func (d *database) close() { d.pool.Close() }

// statements collects the statements run for one request, for
// harness.StatementsHeader.
type statements struct {
	mu   sync.Mutex
	list []harness.Statement
}

type statementsKey struct{}

func withStatements(ctx context.Context, s *statements) context.Context {
	return context.WithValue(ctx, statementsKey{}, s)
}

func (s *statements) add(st harness.Statement) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, st)
}

func (s *statements) header() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return harness.FormatStatements(s.list)
}

// run runs one statement with the protocol given (harness.ProtocolSimple
// or harness.ProtocolExtended), scanning the one row it returns into dest
// (none: the statement's rows are not read), inside a CLIENT span named
// after its first keyword and the database. The SQL sent ends with the
// comment; db.query.text holds it without.
func (d *database) run(ctx context.Context, route, protocol, sql string, args []any, dest ...any) error {
	op, _, _ := strings.Cut(sql, " ")
	ctx, span := d.tracer.Start(ctx, op+" "+d.name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			semconv.DBSystemNamePostgreSQL,
			semconv.DBNamespace(d.name),
			semconv.DBOperationName(op),
			semconv.DBQueryText(sql),
			semconv.ServerAddress(d.host),
			semconv.ServerPort(d.port),
			attribute.String("e2e.protocol", protocol),
		))
	defer span.End()
	sc := span.SpanContext()
	text := sqlcomment.Append(sql, map[string]string{
		"route":       route,
		"traceparent": fmt.Sprintf("00-%s-%s-%s", sc.TraceID(), sc.SpanID(), sc.TraceFlags()),
		"tracestate":  sc.TraceState().String(),
	})
	mode := pgx.QueryExecModeExec
	if protocol == harness.ProtocolSimple {
		mode = pgx.QueryExecModeSimpleProtocol
	}
	args = append([]any{mode}, args...)
	var err error
	if len(dest) == 0 {
		_, err = d.pool.Exec(ctx, text, args...)
	} else {
		err = d.pool.QueryRow(ctx, text, args...).Scan(dest...)
	}
	st := harness.Statement{SpanID: sc.SpanID().String(), Protocol: protocol}
	if err != nil {
		var pgErr *pgconn.PgError
		code := "_OTHER"
		if errors.As(err, &pgErr) {
			code = pgErr.Code
			st.SQLState = code
			span.SetAttributes(semconv.DBResponseStatusCode(code))
		}
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(semconv.ErrorTypeKey.String(code))
	}
	if s, ok := ctx.Value(statementsKey{}).(*statements); ok {
		s.add(st)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
