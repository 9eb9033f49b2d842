package emit

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// scopeName is the instrumentation scope of every span logspan emits: the
// spans are "instrumented" by logspan reading logs, not by the proxy itself.
const scopeName = "github.com/logspan/logspan"

// baseResource is what every service's resource shares, in increasing
// precedence: host.name from os.Hostname, OTEL_RESOURCE_ATTRIBUTES, the
// SDK's telemetry.sdk.*, then what logspan asserts itself (cfg.HostName and
// telemetry.distro.*). service.name is added per span by serviceResource.
func baseResource(ctx context.Context, cfg Config) (*resource.Resource, error) {
	var first []attribute.KeyValue
	if h, err := os.Hostname(); err == nil && h != "" {
		first = append(first, attribute.String("host.name", h))
	}
	last := []attribute.KeyValue{
		attribute.String("telemetry.distro.name", "logspan"),
		attribute.String("telemetry.distro.version", cfg.Version),
	}
	if cfg.HostName != "" {
		last = append(last, attribute.String("host.name", cfg.HostName))
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(first...),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(last...),
	)
	if err != nil {
		return nil, fmt.Errorf("emit: resource attributes: %w", err)
	}
	return res, nil
}

// serviceResource is base with the attributes of the spans' origin (a
// Kubernetes pod and container; nil for none) and service.name set, each
// overriding what comes before: the file a line came from says more about
// it than the host's environment, and the rule that mapped the line
// decided the service.
func serviceResource(base *resource.Resource, service string, origin *attribute.Set) (*resource.Resource, error) {
	if origin != nil && origin.Len() > 0 {
		var err error
		if base, err = resource.Merge(base, resource.NewSchemaless(origin.ToSlice()...)); err != nil {
			return nil, err
		}
	}
	return resource.Merge(base, resource.NewSchemaless(attribute.String("service.name", service)))
}
