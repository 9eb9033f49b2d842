package emit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// Exporter sends batches of span records to one destination, an OTLP
// collector (gRPC or HTTP) or stdout, and reports per batch what became of
// them. It does not queue or drop anything itself: Send blocks until the
// batch is settled, which lets the caller hold back its read position (and
// so its memory) while the collector is slow or away. Safe for concurrent
// use.
type Exporter struct {
	cfg    Config
	target target
	tr     transport
	enc    *Encoder

	// Seams for tests; New sets the real ones.
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
	rnd   func(int64) int64
}

// New builds an Exporter from cfg: OTLP/gRPC or OTLP/HTTP when an endpoint
// or a protocol is configured (in cfg or the OTEL_EXPORTER_OTLP_*
// variables), stdout otherwise. It reads the TLS certificate files now, so
// that a missing one is reported at start-up, but does not wait for the
// collector to be reachable: a collector that is down at start-up is
// handled like one that goes down later, by Send retrying.
func New(ctx context.Context, cfg Config) (*Exporter, error) {
	cfg = cfg.withDefaults()
	t, err := resolveTarget(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	base, err := baseResource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var tr transport
	switch {
	case t.stdout:
		tr, err = newSDKTransport(ctx, &stdoutClient{w: cfg.Stdout})
	case t.protocol == protoGRPC:
		tr, err = newGRPCTransport(t, cfg.Version)
	default:
		tr = newHTTPTransport(t, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("emit: starting exporter to %s: %w", t.where(), err)
	}
	return &Exporter{
		cfg:    cfg,
		target: t,
		tr:     tr,
		enc:    newEncoder(base, cfg.Version),
		sleep:  sleepCtx,
		now:    time.Now,
		rnd:    rand.Int64N,
	}, nil
}

// Destination describes where spans go, for the daemon's start-up log line,
// e.g. "OTLP/gRPC collector at 127.0.0.1:4317 (insecure)", "OTLP/HTTP
// collector at https://otlp.example:4318/v1/traces (protobuf, TLS)" or
// "stdout as OTLP/JSON": the address is the one dialed. It never includes
// headers, which may hold credentials.
func (e *Exporter) Destination() string { return e.target.describe() }

// Warnings are settings the operator should be warned about at start-up
// (a collector certificate that is not verified).
func (e *Exporter) Warnings() []string { return e.target.warnings }

// ToStdout reports whether spans are written to stdout, so that the caller
// can keep its own output (logs, progress) off stdout and the stream stays
// parseable.
func (e *Exporter) ToStdout() bool { return e.target.stdout }

// Reload reads the TLS certificate files again (on SIGHUP), so that rotated
// certificates take effect without a restart: connections made from now on
// use them. OTLP/HTTP moves to new connections at once; the gRPC
// connection is kept until it breaks (the collector restarts, say). On an error
// the certificates in use stay.
func (e *Exporter) Reload() error {
	if e.target.tls == nil {
		return nil
	}
	if err := e.target.tls.reload(); err != nil {
		return err
	}
	if h, ok := e.tr.(*httpTransport); ok {
		h.reconnect()
	}
	return nil
}

// Shutdown closes the connection to the collector. Call it after the last
// Send has returned; Sends after it fail without retrying.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if err := e.tr.shutdown(ctx); err != nil {
		return fmt.Errorf("emit: closing exporter to %s: %w", e.target.where(), err)
	}
	return nil
}
