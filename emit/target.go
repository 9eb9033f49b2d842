package emit

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The protocols logspan speaks to a collector (OTEL_EXPORTER_OTLP_PROTOCOL
// values).
const (
	protoGRPC         = "grpc"
	protoHTTPProtobuf = "http/protobuf"
	protoHTTPJSON     = "http/json"
)

// Protocols are the values Config.Protocol takes, for callers that check a
// setting before building an Exporter.
var Protocols = []string{protoGRPC, protoHTTPProtobuf, protoHTTPJSON}

// The OTLP default endpoints, used when a protocol is set but no endpoint.
const (
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultHTTPEndpoint = "http://localhost:4318"
)

// tracesPath is what OTLP/HTTP appends to a base endpoint.
const tracesPath = "/v1/traces"

// target is where and how spans go, resolved once from Config and the
// environment: every transport setting, and the description logged. What
// is dialed is exactly what describe says: the transports take host and
// url from here and nothing from the environment.
type target struct {
	stdout   bool
	protocol string
	host     string // host:port dialed
	url      string // OTLP/HTTP: the URL requests are posted to
	insecure bool   // plain text, no TLS
	tls      *tlsSource

	headers     map[string]string
	compression string // "gzip" or "none"
	timeout     time.Duration

	// warnings are settings an operator should know are unsafe.
	warnings []string
}

// defaultTimeout bounds one export call when nothing else does.
const defaultTimeout = 10 * time.Second

// resolveTarget decides between a collector and stdout and resolves every
// transport setting: Config first, then the OTEL_EXPORTER_OTLP_TRACES_*
// variables, then OTEL_EXPORTER_OTLP_*, then the defaults. An endpoint
// whose meaning is in doubt is refused, naming where it came from, rather
// than guessed at. getenv is os.Getenv outside tests.
//
// Endpoints (see the README's table):
//   - gRPC: host:port, dialed as given, TLS unless Insecure (or
//     OTEL_EXPORTER_OTLP_INSECURE=true); or an http:// (plain) or https://
//     (TLS) URL without a path, the scheme's port when it has none.
//   - HTTP: a URL with a scheme. OTEL_EXPORTER_OTLP_ENDPOINT is a base that
//     /v1/traces is appended to; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used
//     as is; Config.Endpoint is used as is when it has a path, with
//     /v1/traces when it has none.
//   - None anywhere: the OTLP default for the protocol (localhost:4317 or
//     :4318, plain text) if a protocol was set, else stdout.
func resolveTarget(cfg Config, getenv func(string) string) (target, error) {
	env := otlpEnv(getenv)
	var t target
	if err := t.resolveSettings(cfg, env); err != nil {
		return t, err
	}

	proto, protoFrom := strings.ToLower(strings.TrimSpace(cfg.Protocol)), "config"
	if proto == "" {
		var v string
		v, protoFrom = env.lookup("PROTOCOL")
		proto = strings.ToLower(v)
	}
	explicit := proto != ""
	if !explicit {
		proto = protoGRPC
	}
	switch proto {
	case protoGRPC, protoHTTPProtobuf, protoHTTPJSON:
	default:
		return t, fmt.Errorf("emit: protocol %q (from %s): want grpc, http/protobuf or http/json", proto, protoFrom)
	}
	t.protocol = proto

	raw, from, base := cfg.Endpoint, "config", false
	if raw == "" {
		raw, from = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	}
	if raw == "" {
		raw, from, base = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), "OTEL_EXPORTER_OTLP_ENDPOINT", true
	}
	if raw == "" {
		if !explicit {
			t.stdout = true
			return t, nil
		}
		raw, from, base = defaultGRPCEndpoint, "the OTLP default for "+proto, true
		if proto != protoGRPC {
			raw = defaultHTTPEndpoint
		}
	}
	if err := t.resolveEndpoint(raw, from, base, cfg.Insecure, env); err != nil {
		return t, err
	}
	return t, t.resolveTLS(cfg.TLS, env)
}

// resolveSettings fills headers, compression and timeout.
func (t *target) resolveSettings(cfg Config, env otlpEnv) error {
	comp := strings.ToLower(cfg.Compression)
	from := "config"
	if comp == "" {
		var v string
		v, from = env.lookup("COMPRESSION")
		comp = strings.ToLower(v)
	}
	switch comp {
	case "":
		comp = "none"
	case "gzip", "none":
	default:
		return fmt.Errorf("emit: compression %q (from %s): want gzip or none", comp, from)
	}
	t.compression = comp

	t.timeout = cfg.Timeout
	if t.timeout <= 0 {
		d, err := env.timeout()
		if err != nil {
			return err
		}
		t.timeout = d
	}
	if t.timeout <= 0 {
		t.timeout = defaultTimeout
	}

	t.headers = cfg.Headers
	if len(t.headers) == 0 {
		h, err := env.headers()
		if err != nil {
			return err
		}
		t.headers = h
	}
	return nil
}

// resolveEndpoint sets host, url and insecure from raw, which came from
// the named place; base says it is a base URL (OTEL_EXPORTER_OTLP_ENDPOINT
// or the default) that OTLP/HTTP appends /v1/traces to.
func (t *target) resolveEndpoint(raw, from string, base, cfgInsecure bool, env otlpEnv) error {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("emit: endpoint %q (from %s): %s", raw, from, fmt.Sprintf(why, args...))
	}
	if !strings.Contains(raw, "://") {
		if t.protocol != protoGRPC {
			return bad("OTLP/HTTP needs a URL with a scheme, http:// (plain) or https:// (TLS)")
		}
		host, port, err := net.SplitHostPort(raw)
		if err != nil || host == "" || !validPort(port) {
			return bad("want host:port or an http:// or https:// URL")
		}
		t.host = raw
		envInsecure := env.boolean("INSECURE")
		t.insecure = cfgInsecure || (envInsecure != nil && *envInsecure)
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("scheme %q: want http:// (plain) or https:// (TLS)", u.Scheme)
	}
	if u.Hostname() == "" {
		return bad("no host")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad("a query, fragment or user name has no meaning here")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	} else if !validPort(port) {
		return bad("bad port %q", port)
	}
	t.host = net.JoinHostPort(u.Hostname(), port)
	t.insecure = u.Scheme == "http"
	if cfgInsecure && !t.insecure {
		return bad("insecure is set but the scheme is https://; use http:// for plain text")
	}
	if t.protocol == protoGRPC {
		if u.Path != "" && u.Path != "/" {
			return bad("a gRPC endpoint has no path (for OTLP/HTTP set the protocol to http/protobuf)")
		}
		return nil
	}
	switch {
	case base:
		u.Path = strings.TrimRight(u.Path, "/") + tracesPath
	case from == "config" && (u.Path == "" || u.Path == "/"):
		u.Path = tracesPath
	case u.Path == "":
		u.Path = "/"
	}
	u.RawPath = ""
	t.url = u.String()
	return nil
}

// validPort reports whether p is a TCP port number.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

// resolveTLS sets up the TLS of a secure connection from tc, the
// certificate variables filling the files it leaves empty. TLS settings in
// the config for a plain-text endpoint are refused: they would silently do
// nothing. Variables are then ignored, as the specification says.
func (t *target) resolveTLS(tc TLSConfig, env otlpEnv) error {
	if t.insecure {
		if !tc.isZero() {
			return fmt.Errorf("emit: TLS settings are given but the connection to %s is plain text (an http:// endpoint or insecure)", t.host)
		}
		return nil
	}
	if tc.CAFile == "" {
		tc.CAFile, _ = env.lookup("CERTIFICATE")
	}
	if tc.CertFile == "" && tc.KeyFile == "" {
		tc.CertFile, _ = env.lookup("CLIENT_CERTIFICATE")
		tc.KeyFile, _ = env.lookup("CLIENT_KEY")
	}
	if tc.InsecureSkipVerify {
		t.warnings = append(t.warnings, "TLS: the collector's certificate is not verified (insecure_skip_verify): anyone on the path can read and alter the spans")
	}
	host, _, _ := net.SplitHostPort(t.host)
	src, err := newTLSSource(tc, host)
	if err != nil {
		return err
	}
	t.tls = src
	return nil
}

// where names the destination in error messages ("collector at host:port",
// or at the URL for OTLP/HTTP).
func (t target) where() string {
	switch {
	case t.stdout:
		return "stdout"
	case t.url != "":
		return "collector at " + t.url
	}
	return "collector at " + t.host
}

// describe is the destination as an operator reads it in a start-up line:
// the protocol, the address dialed and whether TLS is used.
func (t target) describe() string {
	if t.stdout {
		return "stdout as OTLP/JSON"
	}
	sec := "TLS"
	switch {
	case t.insecure:
		sec = "insecure"
	case t.tls != nil && t.tls.skipVerify:
		sec = "TLS, certificate not verified"
	}
	switch t.protocol {
	case protoHTTPProtobuf:
		return fmt.Sprintf("OTLP/HTTP %s (protobuf, %s)", t.where(), sec)
	case protoHTTPJSON:
		return fmt.Sprintf("OTLP/HTTP %s (JSON, %s)", t.where(), sec)
	}
	return fmt.Sprintf("OTLP/gRPC %s (%s)", t.where(), sec)
}
