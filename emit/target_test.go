package emit

import (
	"strings"
	"testing"
)

// Every form of endpoint: what is dialed (host, and url for OTLP/HTTP) is
// what describe logs, and a form whose meaning is in doubt is refused with
// an error naming it and where it came from.
func TestEndpointForms(t *testing.T) {
	const (
		base   = "OTEL_EXPORTER_OTLP_ENDPOINT"
		signal = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	)
	for _, tc := range []struct {
		name     string
		cfg      Config
		env      map[string]string
		host     string // dialed; empty when an error is expected
		url      string
		describe string
		err      string
	}{
		// gRPC
		{name: "grpc host:port is TLS", cfg: Config{Endpoint: "collector:4317"},
			host: "collector:4317", describe: "OTLP/gRPC collector at collector:4317 (TLS)"},
		{name: "grpc host:port from env, as given", env: map[string]string{base: "127.0.0.1:14318"},
			host: "127.0.0.1:14318", describe: "OTLP/gRPC collector at 127.0.0.1:14318 (TLS)"},
		{name: "grpc host:port insecure from env", env: map[string]string{base: "127.0.0.1:14318", "OTEL_EXPORTER_OTLP_INSECURE": "true"},
			host: "127.0.0.1:14318", describe: "OTLP/gRPC collector at 127.0.0.1:14318 (insecure)"},
		{name: "grpc host:port insecure from config", cfg: Config{Endpoint: "[::1]:4317", Insecure: true},
			host: "[::1]:4317", describe: "OTLP/gRPC collector at [::1]:4317 (insecure)"},
		{name: "grpc http URL", env: map[string]string{signal: "http://collector:4317"},
			host: "collector:4317", describe: "OTLP/gRPC collector at collector:4317 (insecure)"},
		{name: "grpc https URL without port", cfg: Config{Endpoint: "https://collector.example/"},
			host: "collector.example:443", describe: "OTLP/gRPC collector at collector.example:443 (TLS)"},
		{name: "grpc per-signal wins over base", env: map[string]string{signal: "http://a:1", base: "http://b:2"},
			host: "a:1", describe: "OTLP/gRPC collector at a:1 (insecure)"},
		{name: "config wins over env", cfg: Config{Endpoint: "http://c:3"}, env: map[string]string{signal: "http://a:1"},
			host: "c:3", describe: "OTLP/gRPC collector at c:3 (insecure)"},
		{name: "grpc default when only the protocol is set", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			host: "localhost:4317", describe: "OTLP/gRPC collector at localhost:4317 (insecure)"},
		{name: "grpc URL with a path", cfg: Config{Endpoint: "http://collector:4317/v1/traces"},
			err: `endpoint "http://collector:4317/v1/traces" (from config): a gRPC endpoint has no path`},
		{name: "grpc host without port", env: map[string]string{base: "collector"},
			err: `endpoint "collector" (from OTEL_EXPORTER_OTLP_ENDPOINT): want host:port or an http:// or https:// URL`},
		{name: "grpc unknown scheme", cfg: Config{Endpoint: "grpc://collector:4317"},
			err: `endpoint "grpc://collector:4317" (from config): scheme "grpc"`},
		{name: "insecure with https", cfg: Config{Endpoint: "https://collector:4317", Insecure: true},
			err: `insecure is set but the scheme is https://`},
		{name: "bad port", cfg: Config{Endpoint: "collector:http"},
			err: `endpoint "collector:http" (from config): want host:port`},

		// HTTP
		{name: "http base gets /v1/traces", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", base: "http://collector:4318"},
			host: "collector:4318", url: "http://collector:4318/v1/traces", describe: "OTLP/HTTP collector at http://collector:4318/v1/traces (protobuf, insecure)"},
		{name: "http base path kept, no double slash", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", base: "https://gw.example/otlp/"},
			host: "gw.example:443", url: "https://gw.example/otlp/v1/traces", describe: "OTLP/HTTP collector at https://gw.example/otlp/v1/traces (protobuf, TLS)"},
		{name: "http per-signal used as is", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json", signal: "https://gw.example:8443/custom/traces"},
			host: "gw.example:8443", url: "https://gw.example:8443/custom/traces", describe: "OTLP/HTTP collector at https://gw.example:8443/custom/traces (JSON, TLS)"},
		{name: "http per-signal without path is the root", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", signal: "http://collector:4318"},
			host: "collector:4318", url: "http://collector:4318/"},
		{name: "http config without path gets /v1/traces", cfg: Config{Protocol: "http/protobuf", Endpoint: "http://collector:4318"},
			host: "collector:4318", url: "http://collector:4318/v1/traces"},
		{name: "http config with path used as is", cfg: Config{Protocol: "http/protobuf", Endpoint: "http://collector:4318/otlp/v1/traces"},
			host: "collector:4318", url: "http://collector:4318/otlp/v1/traces"},
		{name: "http default when only the protocol is set", cfg: Config{Protocol: "http/protobuf"},
			host: "localhost:4318", url: "http://localhost:4318/v1/traces", describe: "OTLP/HTTP collector at http://localhost:4318/v1/traces (protobuf, insecure)"},
		{name: "http config protocol wins over env", cfg: Config{Protocol: "http/protobuf"}, env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", base: "http://c:1"},
			host: "c:1", url: "http://c:1/v1/traces"},
		{name: "http without scheme is refused", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", base: "127.0.0.1:14318"},
			err: `endpoint "127.0.0.1:14318" (from OTEL_EXPORTER_OTLP_ENDPOINT): OTLP/HTTP needs a URL with a scheme`},
		{name: "http query refused", cfg: Config{Protocol: "http/protobuf", Endpoint: "http://c:1/v1/traces?x=1"},
			err: `a query, fragment or user name has no meaning here`},
		{name: "unknown protocol", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
			err: `protocol "thrift" (from OTEL_EXPORTER_OTLP_PROTOCOL): want grpc, http/protobuf or http/json`},

		// Nothing: stdout.
		{name: "nothing set is stdout", describe: "stdout as OTLP/JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveTarget(tc.cfg, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.host != tc.host || got.url != tc.url {
				t.Errorf("dials host %q url %q, want %q %q", got.host, got.url, tc.host, tc.url)
			}
			if tc.describe != "" && got.describe() != tc.describe {
				t.Errorf("describe %q, want %q", got.describe(), tc.describe)
			}
		})
	}
}

// Settings: config first, then the traces variable, then the general one.
func TestSettingsPrecedence(t *testing.T) {
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":           "http://c:1",
		"OTEL_EXPORTER_OTLP_TIMEOUT":            "2000",
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":     "3000",
		"OTEL_EXPORTER_OTLP_HEADERS":            "a=1",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":     "b=2",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
	}
	got, err := resolveTarget(Config{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.timeout.Milliseconds() != 3000 || len(got.headers) != 1 || got.headers["b"] != "2" || got.compression != "gzip" {
		t.Errorf("timeout %v headers %v compression %q", got.timeout, got.headers, got.compression)
	}
	got, err = resolveTarget(Config{Compression: "none", Headers: map[string]string{"c": "3"}}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.compression != "none" || got.headers["c"] != "3" || len(got.headers) != 1 {
		t.Errorf("headers %v compression %q", got.headers, got.compression)
	}
	env["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = "soon"
	if _, err := resolveTarget(Config{}, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="soon"`) {
		t.Errorf("error %v", err)
	}
}
