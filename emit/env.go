package emit

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// otlpEnv reads the standard OTEL_EXPORTER_OTLP_* variables, the traces
// form (OTEL_EXPORTER_OTLP_TRACES_X) winning over the general one
// (OTEL_EXPORTER_OTLP_X), as the OpenTelemetry specification asks. logspan
// reads them itself, rather than leaving them to the SDK's exporters, so
// that what it logs and what it dials are decided in one place.
type otlpEnv func(string) string

// lookup returns the value of setting X and the variable it came from, or
// "" and "" when neither form is set.
func (env otlpEnv) lookup(x string) (value, name string) {
	for _, n := range []string{"OTEL_EXPORTER_OTLP_TRACES_" + x, "OTEL_EXPORTER_OTLP_" + x} {
		if v := strings.TrimSpace(env(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

// boolean reads setting X as true or false; nil when unset or neither.
func (env otlpEnv) boolean(x string) *bool {
	v, _ := env.lookup(x)
	var b bool
	switch strings.ToLower(v) {
	case "true":
		b = true
	case "false":
	default:
		return nil
	}
	return &b
}

// timeout reads setting TIMEOUT, in milliseconds; zero when unset.
func (env otlpEnv) timeout() (time.Duration, error) {
	v, name := env.lookup("TIMEOUT")
	if v == "" {
		return 0, nil
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		return 0, fmt.Errorf("emit: %s=%q: want a number of milliseconds", name, v)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// headers reads setting HEADERS: comma-separated key=value pairs, values
// percent-encoded (the W3C baggage form, without properties).
func (env otlpEnv) headers() (map[string]string, error) {
	v, name := env.lookup("HEADERS")
	if v == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("emit: %s: %q is not key=value", name, strings.TrimSpace(pair))
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("emit: %s: value of %q: %w", name, k, err)
		}
		out[k] = dec
	}
	return out, nil
}
