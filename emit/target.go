package emit

import (
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// target is where spans go, resolved once from Config and the environment:
// the gRPC exporter's options, and a description for log and error lines.
type target struct {
	stdout   bool
	host     string // collector host:port as the operator configured it
	insecure bool
	opts     []otlptracegrpc.Option
	// dial are extra gRPC dial options. They must reach the exporter in a
	// single WithDialOption, because each such option replaces the last.
	dial []grpc.DialOption
}

// resolveTarget decides between a collector and stdout and builds the gRPC
// exporter's options. Only what cfg sets becomes an option: everything else
// is left to the exporter, which reads OTEL_EXPORTER_OTLP_* (and the
// TRACES_ variants) itself, so logspan honours the standard variables exactly
// as other OpenTelemetry SDKs do. getenv is os.Getenv outside tests.
func resolveTarget(cfg Config, getenv func(string) string) (target, error) {
	var t target
	switch strings.ToLower(cfg.Compression) {
	case "":
	case "gzip":
		t.opts = append(t.opts, otlptracegrpc.WithCompressor("gzip"))
	case "none":
		// The exporter has no option for "none" that overrides a gzip from
		// the environment without logging a complaint; asking gRPC for the
		// identity encoding on every call does the same thing quietly.
		t.dial = append(t.dial, grpc.WithDefaultCallOptions(grpc.UseCompressor(encoding.Identity)))
	default:
		return t, fmt.Errorf("emit: compression %q: want gzip or none", cfg.Compression)
	}
	if cfg.Timeout > 0 {
		t.opts = append(t.opts, otlptracegrpc.WithTimeout(cfg.Timeout))
	}
	if len(cfg.Headers) > 0 {
		t.opts = append(t.opts, otlptracegrpc.WithHeaders(cfg.Headers))
	}

	envInsecure := envBool(getenv, "OTEL_EXPORTER_OTLP_INSECURE")
	if v := envBool(getenv, "OTEL_EXPORTER_OTLP_TRACES_INSECURE"); v != nil {
		envInsecure = v
	}

	switch {
	case cfg.Endpoint != "":
		if strings.Contains(cfg.Endpoint, "://") {
			u, err := url.Parse(cfg.Endpoint)
			if err != nil || u.Host == "" {
				return t, fmt.Errorf("emit: endpoint %q is not a URL or host:port", cfg.Endpoint)
			}
			t.host, t.insecure = u.Host, u.Scheme != "https"
			t.opts = append(t.opts, otlptracegrpc.WithEndpointURL(cfg.Endpoint))
		} else {
			t.host = cfg.Endpoint
			t.insecure = envInsecure != nil && *envInsecure
			t.opts = append(t.opts, otlptracegrpc.WithEndpoint(cfg.Endpoint))
		}
	default:
		raw := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
		if raw == "" {
			raw = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
		}
		if raw == "" {
			t.stdout = true
			return t, nil
		}
		// Mirror how the exporter reads the variable, only to describe it:
		// http(s) URLs give host:port, http meaning plain text, and an
		// explicit INSECURE variable has the last word.
		t.host = raw
		if u, err := url.Parse(raw); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			t.host, t.insecure = u.Host, u.Scheme == "http"
		}
		if envInsecure != nil {
			t.insecure = *envInsecure
		}
	}
	if cfg.Insecure {
		t.insecure = true
		t.opts = append(t.opts, otlptracegrpc.WithInsecure())
	}
	return t, nil
}

// envBool reads a boolean variable: nil when unset or not a boolean.
func envBool(getenv func(string) string, name string) *bool {
	var b bool
	switch strings.ToLower(strings.TrimSpace(getenv(name))) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}

// where names the destination in error messages ("collector at host:port").
func (t target) where() string {
	if t.stdout {
		return "stdout"
	}
	return "collector at " + t.host
}

// describe is the destination as an operator reads it in a start-up line.
func (t target) describe() string {
	if t.stdout {
		return "stdout as OTLP/JSON"
	}
	sec := "TLS"
	if t.insecure {
		sec = "insecure"
	}
	return fmt.Sprintf("OTLP/gRPC %s (%s)", t.where(), sec)
}
