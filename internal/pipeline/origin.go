package pipeline

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/internal/source/container"
)

// origins gives the spans of a file the resource attributes its path
// says: a Kubernetes container's log (under /var/log/pods, or a link under
// /var/log/containers) names its namespace, pod, pod uid and container.
//
// This is the pipeline's job, not mapping's nor the source's: mapping makes
// a span of a line's fields and knows no files, the source reads files and
// knows nothing of OpenTelemetry, and the pipeline is where a chunk of lines
// and the file it came from meet. Each chunk carries its file's attributes
// to the exporter (Batcher.AddFrom), which gives spans of another origin a
// resource of their own.
//
// An origins is used by one goroutine (the one reading files). Each pod's
// set is made once and reused, so that the exporter finds its resource by
// a set it has seen; the sets of pods long gone are forgotten in bulk.
type origins struct {
	byPod map[container.Pod]*attribute.Set
}

// maxOrigins bounds the pods remembered (pods come and go on a node).
const maxOrigins = 1024

// of returns the resource attributes of the file at path, nil when its
// path says nothing.
func (o *origins) of(path string) *attribute.Set {
	pod, ok := container.PodOf(path)
	if !ok {
		return nil
	}
	if s := o.byPod[pod]; s != nil {
		return s
	}
	if o.byPod == nil || len(o.byPod) >= maxOrigins {
		o.byPod = map[container.Pod]*attribute.Set{}
	}
	attrs := []attribute.KeyValue{
		attribute.String("k8s.namespace.name", pod.Namespace),
		attribute.String("k8s.pod.name", pod.Name),
		attribute.String("k8s.container.name", pod.Container),
	}
	if pod.UID != "" {
		attrs = append(attrs, attribute.String("k8s.pod.uid", pod.UID))
	}
	if pod.ContainerID != "" {
		attrs = append(attrs, attribute.String("container.id", pod.ContainerID))
	}
	s := attribute.NewSet(attrs...)
	o.byPod[pod] = &s
	return &s
}
