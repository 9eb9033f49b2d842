package emit

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// pod is the origin attributes of a Kubernetes pod's spans.
func pod(ns, name string) *attribute.Set {
	s := attribute.NewSet(attribute.String("k8s.namespace.name", ns), attribute.String("k8s.pod.name", name))
	return &s
}

// TestEncoderGroupsByOrigin: spans of one service from two pods and from a
// plain file go out as three resources, each with its own attributes and
// the service's; equal origins made apart share one.
func TestEncoderGroupsByOrigin(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "k8s.namespace.name=from-env,deployment.environment.name=prod")
	base, err := baseResource(context.Background(), Config{HostName: "node1"})
	if err != nil {
		t.Fatal(err)
	}
	enc := newEncoder(base, "v")
	b := &Batch{}
	spans := records(5)
	origins := []*attribute.Set{pod("web", "a"), nil, pod("web", "b"), pod("web", "a"), nil}
	for i := range spans {
		r, buf, err := enc.encodeSpan(&spans[i], origins[i], nil)
		b.put(r, buf, err)
	}
	rs, _ := b.resourceSpans(nil)
	var got []string
	for _, x := range rs {
		var m tracepb.ResourceSpans
		if err := proto.Unmarshal(x.ProtoReflect().GetUnknown(), &m); err != nil {
			t.Fatal(err)
		}
		var attrs []string
		for _, kv := range m.Resource.Attributes {
			switch kv.Key {
			case "service.name", "k8s.namespace.name", "k8s.pod.name", "host.name", "deployment.environment.name":
				attrs = append(attrs, kv.Key+"="+kv.Value.GetStringValue())
			}
		}
		sort.Strings(attrs)
		got = append(got, fmt.Sprintf("%d spans: %s", len(m.ScopeSpans[0].Spans), strings.Join(attrs, " ")))
	}
	want := []string{
		"2 spans: deployment.environment.name=prod host.name=node1 k8s.namespace.name=web k8s.pod.name=a service.name=haproxy-web",
		"2 spans: deployment.environment.name=prod host.name=node1 k8s.namespace.name=from-env service.name=haproxy-web",
		"1 spans: deployment.environment.name=prod host.name=node1 k8s.namespace.name=web k8s.pod.name=b service.name=haproxy-web",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestResourceForAllocatesNothingOnceBuilt: finding a span's resource is on
// the hot path.
func TestResourceForAllocatesNothingOnceBuilt(t *testing.T) {
	base, err := baseResource(context.Background(), Config{HostName: "node1"})
	if err != nil {
		t.Fatal(err)
	}
	enc := newEncoder(base, "v")
	origin := pod("web", "a")
	if _, err := enc.resourceFor("svc", origin); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = enc.resourceFor("svc", origin) }); n != 0 {
		t.Errorf("resourceFor allocates %v times once built", n)
	}
}

// TestResourcesBounded: a daemon seeing pods come and go keeps a bounded
// cache of their resources.
func TestResourcesBounded(t *testing.T) {
	base, err := baseResource(context.Background(), Config{HostName: "node1"})
	if err != nil {
		t.Fatal(err)
	}
	enc := newEncoder(base, "v")
	for i := range maxResources + 10 {
		if _, err := enc.resourceFor("svc", pod("web", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(enc.resources); n > maxResources {
		t.Errorf("%d resources cached, more than %d", n, maxResources)
	}
}
