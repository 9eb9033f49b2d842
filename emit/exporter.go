package emit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"google.golang.org/grpc"
)

// Exporter sends batches of span records to one destination, an OTLP/gRPC
// collector or stdout, and reports per batch what became of them. It does
// not queue or drop anything itself: Send blocks until the batch is
// settled, which lets the caller hold back its read position (and so its
// memory) while the collector is slow or away. Safe for concurrent use.
type Exporter struct {
	cfg    Config
	target target
	exp    *otlptrace.Exporter // owns the client's connection
	client otlptrace.Client
	enc    *Encoder

	// Seams for tests; New sets the real ones.
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
	rnd   func(int64) int64
}

// writeBufferBytes is the gRPC connection's write buffer: a whole batch of
// the default size goes out in one or two write calls.
const writeBufferBytes = 512 << 10

// New builds an Exporter from cfg: a gRPC exporter when an endpoint is
// configured (in cfg or OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT), stdout
// otherwise. It does not wait for the collector to be reachable: a
// collector that is down at start-up is handled like one that goes down
// later, by Send retrying.
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
	var client otlptrace.Client
	if t.stdout {
		client = &stdoutClient{w: cfg.Stdout}
	} else {
		opts := append(t.opts,
			// Send retries whole batches itself, with a budget the caller
			// chooses and an outcome it reports; the exporter's own retry
			// would hide attempts and give up on its own schedule.
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}),
			otlptracegrpc.WithDialOption(append(t.dial, grpc.WithChainUnaryInterceptor(recordAnswer),
				// An export request is a few hundred KiB; gRPC's 32 KiB
				// default write buffer took a dozen write calls for each.
				grpc.WithWriteBufferSize(writeBufferBytes))...),
		)
		client = otlptracegrpc.NewClient(opts...)
	}
	exp, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("emit: starting exporter to %s: %w", t.where(), err)
	}
	return &Exporter{
		cfg:    cfg,
		target: t,
		exp:    exp,
		client: client,
		enc:    newEncoder(base, cfg.Version),
		sleep:  sleepCtx,
		now:    time.Now,
		rnd:    rand.Int64N,
	}, nil
}

// Destination describes where spans go, for the daemon's start-up log line,
// e.g. "OTLP/gRPC collector at 127.0.0.1:4317 (insecure)" or "stdout as
// OTLP/JSON". It never includes headers, which may hold credentials.
func (e *Exporter) Destination() string { return e.target.describe() }

// ToStdout reports whether spans are written to stdout, so that the caller
// can keep its own output (logs, progress) off stdout and the stream stays
// parseable.
func (e *Exporter) ToStdout() bool { return e.target.stdout }

// Shutdown closes the connection to the collector. Call it after the last
// Send has returned; Sends after it fail without retrying.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if err := e.exp.Shutdown(ctx); err != nil {
		return fmt.Errorf("emit: closing exporter to %s: %w", e.target.where(), err)
	}
	return nil
}
