package emit

import (
	"io"
	"time"
)

// Config says where and how spans are exported. Zero fields take the
// defaults documented on each; the standard OTEL_EXPORTER_OTLP_* variables
// fill what the config leaves empty.
type Config struct {
	// Endpoint is the OTLP/gRPC collector address ("host:port" or an
	// http:// or https:// URL). Empty: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
	// OTEL_EXPORTER_OTLP_ENDPOINT; with neither, spans go to Stdout as
	// OTLP/JSON lines.
	Endpoint string
	// Insecure disables TLS (also OTEL_EXPORTER_OTLP_INSECURE=true, or an
	// http:// endpoint).
	Insecure bool
	// Headers are sent with every export (e.g. an API key).
	Headers map[string]string
	// Compression is "gzip" or "none" ("" leaves the exporter's default).
	Compression string
	// Timeout bounds one export call (default 10s).
	Timeout time.Duration

	// BatchSize is the most spans in one export request (default 512).
	BatchSize int
	// FlushInterval sends a partial batch after it has waited this long
	// (default 1s).
	FlushInterval time.Duration
	// MaxInFlight is the most batches being exported or waiting to be, at
	// once; Add blocks beyond it (default 4). This is the backpressure.
	MaxInFlight int

	// Retry governs re-sending a batch the collector did not take.
	Retry RetryConfig

	// Stdout receives OTLP/JSON lines when no endpoint is configured
	// (default os.Stdout).
	Stdout io.Writer

	// HostName is the resource's host.name (default os.Hostname).
	HostName string
	// Version is logspan's version, put in the resource.
	Version string

	// Observe, when set, is told about every export call as it ends, retries
	// included: the daemon's metrics and health check need to know that the
	// collector is failing while a batch is still being retried, long before
	// the batch's final Result. It must not block.
	Observe func(Attempt)
}

// Attempt is one export call.
type Attempt struct {
	Spans    int
	Duration time.Duration
	// Err is nil when the collector took the request (a partial success
	// counts as taken).
	Err error
	// Retry says another attempt follows after a wait.
	Retry bool
}

// RetryConfig is exponential backoff between attempts to export one batch.
type RetryConfig struct {
	// Initial is the first wait (default 500ms); each wait doubles, with
	// jitter, up to Max (default 30s).
	Initial, Max time.Duration
	// MaxElapsed is how long a batch is retried before it counts as failed
	// (default 5m). Negative: retry forever (the daemon does, to lose
	// nothing; backfill gives up and reports).
	MaxElapsed time.Duration
}
