package emit

import (
	"go.opentelemetry.io/otel/attribute"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/logspan/logspan/mapping"
)

// Batch is a batch of spans already encoded as OTLP, grouped by resource
// (service, and the attributes of where the spans came from), waiting to be sent as one export request.
//
// Spans are encoded when they join a batch, not when it is sent: the
// record is then still in the CPU's caches, since the worker that mapped it
// has just written it, and the caller can reuse the record for its next
// line at once. Encoding at send time read every record a second time,
// long after it was written, and cost a third more per span.
type Batch struct {
	groups  []spanGroup // one per resource, in the order resources first appear
	n       int         // spans encoded
	invalid []error     // one per span that could not be encoded
}

// spanGroup holds the encoded spans of one resource.
type spanGroup struct {
	res   *encodedResource
	spans []byte // Span messages, each as field 2 of ScopeSpans, tag included
}

// Len is how many spans were added to the batch, the invalid ones included.
func (b *Batch) Len() int { return b.n + len(b.invalid) }

// Invalid returns one error for each span that could not be encoded (an
// unparsable trace state, an unusable service name). Sending never sends
// them; the exporter counts them as rejected.
func (b *Batch) Invalid() []error { return b.invalid }

// put takes the outcome of encoding one span (see Encoder.encodeSpan): the
// span's bytes for resource r, or why it could not be encoded.
func (b *Batch) put(r *encodedResource, span []byte, err error) {
	if err != nil {
		b.invalid = append(b.invalid, err)
		return
	}
	b.add(r, span)
}

// add appends one encoded span of resource r.
func (b *Batch) add(r *encodedResource, span []byte) {
	b.n++
	for i := range b.groups {
		if g := &b.groups[i]; g.res == r {
			g.spans = append(g.spans, span...)
			return
		}
	}
	if len(b.groups) < cap(b.groups) {
		// Reuse a group's storage left by an earlier use of the batch.
		b.groups = b.groups[:len(b.groups)+1]
		g := &b.groups[len(b.groups)-1]
		g.res, g.spans = r, append(g.spans[:0], span...)
		return
	}
	b.groups = append(b.groups, spanGroup{res: r, spans: append([]byte(nil), span...)})
}

// reset empties the batch, keeping its storage for the next one.
func (b *Batch) reset() {
	for i := range b.groups {
		b.groups[i].spans = b.groups[i].spans[:0]
	}
	b.groups, b.n, b.invalid = b.groups[:0], 0, b.invalid[:0]
}

// resourceSpans lays the batch out as the ResourceSpans of one export
// request, appending the bytes to buf, which it returns grown for reuse
// once the request is sent. Each ResourceSpans is an empty message whose
// unknown fields hold its encoding (see Encoder).
func (b *Batch) resourceSpans(buf []byte) ([]*tracepb.ResourceSpans, []byte) {
	out := make([]*tracepb.ResourceSpans, 0, len(b.groups))
	for i := range b.groups {
		start := len(buf)
		buf = b.groups[i].appendContent(buf)
		rs := &tracepb.ResourceSpans{}
		rs.ProtoReflect().SetUnknown(buf[start:len(buf):len(buf)])
		out = append(out, rs)
	}
	return out, buf
}

// request appends the whole batch as an encoded ExportTraceServiceRequest,
// the body of an OTLP/HTTP protobuf request, to buf.
func (b *Batch) request(buf []byte) []byte {
	for i := range b.groups {
		g := &b.groups[i]
		buf = appendTag(buf, fRequestResourceSpans, protowire.BytesType)
		buf = appendVarint(buf, uint64(g.contentSize()))
		buf = g.appendContent(buf)
	}
	return buf
}

// fRequestResourceSpans is resource_spans in ExportTraceServiceRequest.
const fRequestResourceSpans = 1

// appendContent appends the fields of the group's ResourceSpans message.
func (g *spanGroup) appendContent(buf []byte) []byte {
	buf = append(buf, g.res.resource...)
	buf = appendTag(buf, fResourceSpansScopeSpans, protowire.BytesType)
	buf = appendVarint(buf, uint64(len(g.res.scope)+len(g.spans)))
	buf = append(buf, g.res.scope...)
	buf = append(buf, g.spans...)
	return pbString(buf, fResourceSpansSchemaURL, g.res.schemaURL)
}

// contentSize is the length appendContent appends.
func (g *spanGroup) contentSize() int {
	scope := len(g.res.scope) + len(g.spans)
	n := len(g.res.resource) + protowire.SizeTag(fResourceSpansScopeSpans) + protowire.SizeBytes(scope)
	if g.res.schemaURL != "" {
		n += protowire.SizeTag(fResourceSpansSchemaURL) + protowire.SizeBytes(len(g.res.schemaURL))
	}
	return n
}

// Batch encodes spans into a new batch, in order. The Batcher builds its
// batches one span at a time instead; this is for callers that have their
// spans together (tests, benchmarks, tools).
func (e *Encoder) Batch(spans []mapping.Span) *Batch {
	b := &Batch{}
	var scratch []byte
	for i := range spans {
		scratch = e.addTo(b, &spans[i], scratch[:0])
	}
	return b
}

// addTo encodes s into b, using scratch as working space, and returns
// scratch (perhaps grown) for the next call.
func (e *Encoder) addTo(b *Batch, s *mapping.Span, scratch []byte) []byte {
	r, buf, err := e.encodeSpan(s, nil, scratch)
	b.put(r, buf, err)
	return buf
}

// encodeSpan encodes s as a Span message of ScopeSpans, appended to buf,
// and returns its encoded resource with it: its service's, with the
// attributes of origin (nil: none). It does not touch any batch, so
// callers encode concurrently and only join the result under their lock.
func (e *Encoder) encodeSpan(s *mapping.Span, origin *attribute.Set, buf []byte) (*encodedResource, []byte, error) {
	r, err := e.resourceFor(s.Service, origin)
	if err != nil {
		return nil, buf, err
	}
	buf, err = e.appendSpan(buf, s)
	return r, buf, err
}
