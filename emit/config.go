package emit

import (
	"io"
	"time"
)

// Config says where and how spans are exported. Zero fields take the
// defaults documented on each; the standard OTEL_EXPORTER_OTLP_* variables
// fill what the config leaves empty.
type Config struct {
	// Protocol is "grpc", "http/protobuf" or "http/json". Empty:
	// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL, else
	// grpc.
	Protocol string
	// Endpoint is the collector. For gRPC, "host:port" or an http:// or
	// https:// URL without a path; for HTTP, an http:// or https:// URL,
	// used as is when it has a path, with /v1/traces added when it has
	// none. Empty: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or
	// OTEL_EXPORTER_OTLP_ENDPOINT (a base: /v1/traces is added for HTTP);
	// with neither, the OTLP default for the protocol when a protocol is
	// set, else spans go to Stdout as OTLP/JSON lines. See resolveTarget.
	Endpoint string
	// Insecure disables TLS for a gRPC host:port endpoint (also
	// OTEL_EXPORTER_OTLP_INSECURE=true). A URL's scheme decides for itself.
	Insecure bool
	// TLS holds the certificates of a TLS connection; the standard
	// OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE, _CLIENT_CERTIFICATE and
	// _CLIENT_KEY variables fill the files it leaves empty.
	TLS TLSConfig
	// Headers are sent with every export (e.g. an API key). Empty:
	// OTEL_EXPORTER_OTLP_TRACES_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS.
	Headers map[string]string
	// Compression is "gzip" or "none" (empty:
	// OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION, else none).
	Compression string
	// Timeout bounds one export call (zero:
	// OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT in milliseconds, else 10s).
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

// TLSConfig is the TLS of the connection to the collector. The files are
// read when the exporter starts and again on Exporter.Reload, so that
// rotated certificates are used without a restart.
type TLSConfig struct {
	// CAFile is a PEM file of the certificates the collector's certificate
	// must chain to. Empty: the system's roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for a
	// collector that asks for one (mutual TLS). Both or neither.
	CertFile, KeyFile string
	// ServerName is the name the collector's certificate must carry (and
	// the SNI sent). Empty: the endpoint's host.
	ServerName string
	// InsecureSkipVerify accepts any certificate from the collector. Only
	// for tests: anyone on the path can read the spans.
	InsecureSkipVerify bool
}

// isZero reports whether nothing of the TLS settings is set.
func (c TLSConfig) isZero() bool { return c == TLSConfig{} }
