package emit

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/logspan/logspan/mapping"
)

// Encoder writes span records straight into the OTLP protobuf wire format.
//
// Going through SDK spans cost about 20 µs a span (span creation, the
// exporter's transform into protobuf structs, then their marshalling, and
// the garbage of all three); appending the bytes directly costs well under
// one. The SDK still provides what it is the authority on: the resource
// (host, OTEL_RESOURCE_ATTRIBUTES, telemetry.sdk.*), the span limits read
// from OTEL_SPAN_*_LIMIT and OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT. The
// encoding applies the same rules
// an SDK span would (invalid attributes dropped and counted, duplicate keys
// resolved to the last value at the first position, count and length
// limits, oldest events and links evicted beyond their limits, status
// message only with Error, unspecified kind made internal); emit's tests
// check it byte for byte against the SDK path.
//
// A batch goes to gRPC and OTLP/HTTP as the bytes of its export request
// (Batch.request). For stdout, each ResourceSpans is an empty message whose
// unknown fields hold the encoded resource, scope and spans
// (Batch.resourceSpans): the protobuf runtime reads them back as OTLP.
type Encoder struct {
	base    *resource.Resource
	version string
	limits  sdktrace.SpanLimits

	mu        sync.RWMutex
	resources map[resourceKey]*encodedResource
}

// resourceKey names a resource: a service, and the attributes of where its
// spans came from (the zero Distinct for none).
type resourceKey struct {
	service string
	origin  attribute.Distinct
}

// maxResources bounds the encoded resources kept: pods come and go, and a
// daemon running for months must not keep every one it ever saw. Past it,
// the cache starts over; resources still in use are encoded again.
const maxResources = 4096

// encodedResource is the encoded head of a service's ResourceSpans: its
// resource field and the start of its scope.
type encodedResource struct {
	resource  []byte // field 1 of ResourceSpans, tag included
	schemaURL string
	scope     []byte // field 1 of ScopeSpans, tag included
}

func newEncoder(base *resource.Resource, version string) *Encoder {
	return &Encoder{base: base, version: version, limits: sdktrace.NewSpanLimits(), resources: make(map[resourceKey]*encodedResource)}
}

// OTLP field numbers (opentelemetry/proto/trace/v1/trace.proto and
// common/v1/common.proto).
const (
	fResourceSpansResource   = 1
	fResourceSpansScopeSpans = 2
	fResourceSpansSchemaURL  = 3
	fScopeSpansScope         = 1
	fScopeSpansSpans         = 2
	fScopeName               = 1
	fScopeVersion            = 2
	fResourceAttributes      = 1

	fSpanTraceID       = 1
	fSpanSpanID        = 2
	fSpanTraceState    = 3
	fSpanParentSpanID  = 4
	fSpanName          = 5
	fSpanKind          = 6
	fSpanStart         = 7
	fSpanEnd           = 8
	fSpanAttributes    = 9
	fSpanDroppedAttrs  = 10
	fSpanEvents        = 11
	fSpanDroppedEvents = 12
	fSpanLinks         = 13
	fSpanDroppedLinks  = 14
	fSpanStatus        = 15
	fSpanFlags         = 16

	fEventTime = 1
	fEventName = 2

	fLinkTraceID      = 1
	fLinkSpanID       = 2
	fLinkAttributes   = 4
	fLinkDroppedAttrs = 5
	fLinkFlags        = 6

	fStatusMessage = 2
	fStatusCode    = 3

	fKeyValueKey   = 1
	fKeyValueValue = 2

	fAnyString = 1
	fAnyBool   = 2
	fAnyInt    = 3
	fAnyDouble = 4
	fAnyArray  = 5
	fAnyBytes  = 7

	fArrayValues = 1
)

// resourceFor returns the encoded resource of a service and the attributes
// of its spans' origin (nil: none), building it on first use. Once built,
// finding it allocates nothing.
func (e *Encoder) resourceFor(service string, origin *attribute.Set) (*encodedResource, error) {
	key := resourceKey{service: service}
	if origin != nil && origin.Len() > 0 {
		key.origin = origin.Equivalent()
	}
	e.mu.RLock()
	r, ok := e.resources[key]
	e.mu.RUnlock()
	if ok {
		return r, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.resources[key]; ok {
		return r, nil
	}
	res, err := serviceResource(e.base, service, origin)
	if err != nil {
		return nil, fmt.Errorf("emit: resource for service %q: %w", service, err)
	}
	var body []byte
	for it := res.Iter(); it.Next(); {
		kv := it.Attribute()
		body = pbKeyValue(body, fResourceAttributes, &kv, -1)
	}
	r = &encodedResource{schemaURL: res.SchemaURL()}
	r.resource = appendTag(nil, fResourceSpansResource, protowire.BytesType)
	r.resource = pbAppendBytes(r.resource, body)
	var scope []byte
	scope = pbString(scope, fScopeName, scopeName)
	scope = pbString(scope, fScopeVersion, e.version)
	r.scope = appendTag(nil, fScopeSpansScope, protowire.BytesType)
	r.scope = pbAppendBytes(r.scope, scope)
	if len(e.resources) >= maxResources {
		clear(e.resources)
	}
	e.resources[key] = r
	return r, nil
}

// appendSpan appends one Span as field 2 of ScopeSpans. On error, buf is
// returned as it was.
func (e *Encoder) appendSpan(buf []byte, s *mapping.Span) ([]byte, error) {
	traceState := ""
	if s.TraceState != "" {
		ts, err := trace.ParseTraceState(s.TraceState)
		if err != nil {
			return buf, fmt.Errorf("emit: span %s: tracestate %q: %w", s.SpanID, s.TraceState, err)
		}
		traceState = ts.String()
	}
	b, mark := pbBegin(buf, fScopeSpansSpans)
	b = appendTag(b, fSpanTraceID, protowire.BytesType)
	b = pbAppendBytes(b, s.TraceID[:])
	b = appendTag(b, fSpanSpanID, protowire.BytesType)
	b = pbAppendBytes(b, s.SpanID[:])
	b = pbString(b, fSpanTraceState, traceState)
	if s.HasParent() {
		b = appendTag(b, fSpanParentSpanID, protowire.BytesType)
		b = pbAppendBytes(b, s.Parent[:])
	}
	b = pbString(b, fSpanName, validUTF8(s.Name))
	kind := s.Kind
	if kind < trace.SpanKindInternal || kind > trace.SpanKindConsumer {
		kind = trace.SpanKindInternal // as the SDK coerces it
	}
	b = appendTag(b, fSpanKind, protowire.VarintType)
	b = appendVarint(b, uint64(kind))
	b = pbFixed64(b, fSpanStart, unixNano(s.Start))
	b = pbFixed64(b, fSpanEnd, unixNano(s.End))
	b, dropped := e.appendAttributes(b, s.Attributes)
	if dropped > 0 {
		b = appendTag(b, fSpanDroppedAttrs, protowire.VarintType)
		b = appendVarint(b, uint64(dropped))
	}
	events, droppedEvents := s.Events, 0
	if limit := e.limits.EventCountLimit; limit >= 0 && len(events) > limit {
		// The SDK keeps the newest events and counts the evicted ones.
		droppedEvents = len(events) - limit
		events = events[droppedEvents:]
	}
	for i := range events {
		var m int
		b, m = pbBegin(b, fSpanEvents)
		b = pbFixed64(b, fEventTime, unixNano(events[i].Time))
		// A rule's constant, checked when the rule compiled (mapping.Event).
		b = pbString(b, fEventName, events[i].Name)
		b = pbEnd(b, m)
	}
	if droppedEvents > 0 {
		b = appendTag(b, fSpanDroppedEvents, protowire.VarintType)
		b = appendVarint(b, uint64(droppedEvents))
	}
	b = e.appendLinks(b, s.Links)
	// The SDK always sends a status; its message only with Error.
	var m int
	b, m = pbBegin(b, fSpanStatus)
	if s.Status == codes.Error {
		b = pbString(b, fStatusMessage, validUTF8(s.StatusMessage))
		b = appendTag(b, fStatusCode, protowire.VarintType)
		b = appendVarint(b, uint64(tracepb.Status_STATUS_CODE_ERROR))
	} else if s.Status == codes.Ok {
		b = appendTag(b, fStatusCode, protowire.VarintType)
		b = appendVarint(b, uint64(tracepb.Status_STATUS_CODE_OK))
	}
	b = pbEnd(b, m)
	flags := uint32(s.Flags) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if s.HasParent() {
		flags |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	b = appendTag(b, fSpanFlags, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, flags)
	return pbEnd(b, mark), nil
}

// appendLinks appends a span's links and their dropped count as the SDK
// would: the newest kept beyond the link count limit, each link's format
// attribute (its only one) dropped and counted when the per-link
// attribute limit is 0, and flags saying the linked context is remote, as
// every context read from a line is. A link's tracestate is never set
// (mapping keeps none), and its attribute values are not cut: the SDK
// applies the value length limit to span attributes only.
func (e *Encoder) appendLinks(b []byte, links []mapping.Link) []byte {
	dropped := 0
	if limit := e.limits.LinkCountLimit; limit >= 0 && len(links) > limit {
		dropped = len(links) - limit
		links = links[dropped:]
	}
	for i := range links {
		l := &links[i]
		var m int
		b, m = pbBegin(b, fSpanLinks)
		b = appendTag(b, fLinkTraceID, protowire.BytesType)
		b = pbAppendBytes(b, l.TraceID[:])
		b = appendTag(b, fLinkSpanID, protowire.BytesType)
		b = pbAppendBytes(b, l.SpanID[:])
		if l.Format != "" {
			if e.limits.AttributePerLinkCountLimit == 0 {
				b = appendTag(b, fLinkDroppedAttrs, protowire.VarintType)
				b = appendVarint(b, 1)
			} else {
				kv := mapping.LinkFormatKey.String(validUTF8(l.Format))
				b = pbKeyValue(b, fLinkAttributes, &kv, -1)
			}
		}
		flags := uint32(l.Flags) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK|tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
		b = appendTag(b, fLinkFlags, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, flags)
		b = pbEnd(b, m)
	}
	if dropped > 0 {
		b = appendTag(b, fSpanDroppedLinks, protowire.VarintType)
		b = appendVarint(b, uint64(dropped))
	}
	return b
}

// appendAttributes appends a span's attributes with the SDK's rules and
// returns how many were dropped. Records hold a few dozen attributes at
// most, so duplicates are found by scanning, comparing a hash of each key
// before the key itself.
func (e *Encoder) appendAttributes(b []byte, attrs []attribute.KeyValue) ([]byte, int) {
	limit := e.limits.AttributeCountLimit
	dropped := 0
	// kept[i] is the index in attrs of the value the i-th unique key ends
	// with, and hashes[i] the hash of that key.
	var keptBuf [64]int
	var hashBuf [64]uint64
	kept, hashes := keptBuf[:0], hashBuf[:0]
	var seen uint64
	for i := range attrs {
		a := &attrs[i]
		if !a.Valid() {
			dropped++
			continue
		}
		h := keyHash(string(a.Key))
		dup := false
		// A 64-bit filter of the fingerprints seen: a key whose bit is
		// clear is new without scanning.
		if bit := uint64(1) << (h % 61 % 64); seen&bit != 0 {
			for j, kh := range hashes {
				if kh == h && attrs[kept[j]].Key == a.Key {
					kept[j], dup = i, true
					break
				}
			}
		} else {
			seen |= bit
		}
		if dup {
			continue
		}
		if limit >= 0 && len(kept) >= limit {
			dropped++
			continue
		}
		kept, hashes = append(kept, i), append(hashes, h)
	}
	for _, k := range kept {
		b = pbKeyValue(b, fSpanAttributes, &attrs[k], e.limits.AttributeValueLengthLimit)
	}
	return b, dropped
}

// keyHash is a cheap fingerprint of an attribute key for appendAttributes:
// its length and its last eight bytes, where keys of one rule differ most
// (haproxy.timer.TR_ms, haproxy.timer.Tw_ms). Equal fingerprints are
// confirmed by comparing the keys.
func keyHash(k string) uint64 {
	h := uint64(len(k))
	for i := max(0, len(k)-8); i < len(k); i++ {
		h = h<<8 | uint64(k[i])
	}
	return h ^ uint64(len(k))<<56
}

// pbKeyValue appends kv as a KeyValue message in field num, its strings
// cut to maxLen characters (no limit when negative). Scalar values, nearly
// all of them, have their sizes computed up front and are written in one
// pass; the other kinds go through pbBegin/pbEnd.
func pbKeyValue(b []byte, num protowire.Number, kv *attribute.KeyValue, maxLen int) []byte {
	key := string(kv.Key)
	var valTag uint64 // the AnyValue field's tag, 0 for the general path
	var str string
	var n uint64 // varint or fixed64 payload
	valLen := 0  // encoded size of the AnyValue field's payload
	switch kv.Value.Type() {
	case attribute.STRING:
		str = truncate(kv.Value.AsString(), maxLen)
		valTag = protowire.EncodeTag(fAnyString, protowire.BytesType)
		valLen = protowire.SizeBytes(len(str))
	case attribute.INT64:
		n = uint64(kv.Value.AsInt64())
		valTag = protowire.EncodeTag(fAnyInt, protowire.VarintType)
		valLen = protowire.SizeVarint(n)
	case attribute.BOOL:
		n = protowire.EncodeBool(kv.Value.AsBool())
		valTag = protowire.EncodeTag(fAnyBool, protowire.VarintType)
		valLen = 1
	case attribute.FLOAT64:
		n = math.Float64bits(kv.Value.AsFloat64())
		valTag = protowire.EncodeTag(fAnyDouble, protowire.Fixed64Type)
		valLen = 8
	}
	if valTag == 0 {
		b, m := pbBegin(b, num)
		b = pbString(b, fKeyValueKey, key)
		var v int
		b, v = pbBegin(b, fKeyValueValue)
		b = pbAnyValue(b, kv.Value, maxLen)
		b = pbEnd(b, v)
		return pbEnd(b, m)
	}
	anyLen := 1 + valLen // one-byte tags: field numbers below 16
	kvLen := 1 + protowire.SizeBytes(len(key)) + 1 + protowire.SizeBytes(anyLen)
	if key == "" {
		kvLen -= 1 + protowire.SizeBytes(0) // proto3 leaves an empty key out
	}
	b = appendTag(b, num, protowire.BytesType)
	b = appendVarint(b, uint64(kvLen))
	if key != "" {
		b = appendTag(b, fKeyValueKey, protowire.BytesType)
		b = pbAppendString(b, key)
	}
	b = appendTag(b, fKeyValueValue, protowire.BytesType)
	b = appendVarint(b, uint64(anyLen))
	b = appendVarint(b, valTag)
	switch kv.Value.Type() {
	case attribute.STRING:
		return pbAppendString(b, str)
	case attribute.FLOAT64:
		return protowire.AppendFixed64(b, n)
	default:
		return appendVarint(b, n)
	}
}

// pbAnyValue appends the fields of an AnyValue. Its value is a oneof,
// so even a zero value is written: it says which kind the value is.
func pbAnyValue(b []byte, v attribute.Value, maxLen int) []byte {
	switch v.Type() {
	case attribute.STRING:
		b = appendTag(b, fAnyString, protowire.BytesType)
		return pbAppendString(b, truncate(v.AsString(), maxLen))
	case attribute.BOOL:
		b = appendTag(b, fAnyBool, protowire.VarintType)
		return appendVarint(b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		b = appendTag(b, fAnyInt, protowire.VarintType)
		return appendVarint(b, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		b = appendTag(b, fAnyDouble, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(v.AsFloat64()))
	case attribute.BYTESLICE:
		s := v.AsByteSlice()
		if maxLen >= 0 && len(s) > maxLen {
			s = s[:maxLen]
		}
		b = appendTag(b, fAnyBytes, protowire.BytesType)
		return pbAppendBytes(b, s)
	case attribute.STRINGSLICE:
		return pbArray(b, v.AsStringSlice(), func(b []byte, s string) []byte {
			return pbAnyValue(b, attribute.StringValue(s), maxLen)
		})
	case attribute.BOOLSLICE:
		return pbArray(b, v.AsBoolSlice(), func(b []byte, x bool) []byte {
			return pbAnyValue(b, attribute.BoolValue(x), maxLen)
		})
	case attribute.INT64SLICE:
		return pbArray(b, v.AsInt64Slice(), func(b []byte, x int64) []byte {
			return pbAnyValue(b, attribute.Int64Value(x), maxLen)
		})
	case attribute.FLOAT64SLICE:
		return pbArray(b, v.AsFloat64Slice(), func(b []byte, x float64) []byte {
			return pbAnyValue(b, attribute.Float64Value(x), maxLen)
		})
	}
	// Kinds records never hold (maps, nested slices) are written as an
	// empty value rather than misrepresented.
	return b
}

// pbArray appends an array_value holding items.
func pbArray[T any](b []byte, items []T, write func([]byte, T) []byte) []byte {
	b, a := pbBegin(b, fAnyArray)
	for _, it := range items {
		var m int
		b, m = pbBegin(b, fArrayValues)
		b = write(b, it)
		b = pbEnd(b, m)
	}
	return pbEnd(b, a)
}

// pbBegin appends the tag of a length-delimited field and a one-byte
// length placeholder, and returns where the placeholder is.
func pbBegin(b []byte, num protowire.Number) ([]byte, int) {
	b = appendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b)
}

// pbEnd writes the length of the message begun at mark. Most messages
// (attributes, events) are shorter than 128 bytes and fit the placeholder;
// longer ones move their body to make room for the longer varint.
func pbEnd(b []byte, mark int) []byte {
	n := len(b) - mark - 1
	if n < 0x80 {
		b[mark] = byte(n)
		return b
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	b = append(b, make([]byte, extra)...)
	copy(b[mark+1+extra:], b[mark+1:len(b)-extra])
	protowire.AppendVarint(b[mark:mark], uint64(n))
	return b
}

// pbString appends a string field, leaving it out when empty (proto3).
func pbString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = appendTag(b, num, protowire.BytesType)
	return pbAppendString(b, s)
}

func pbFixed64(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

// unixNano is t in nanoseconds since the epoch, 0 before it (as the SDK's
// exporter clamps it).
func unixNano(t time.Time) uint64 {
	return uint64(max(0, t.UnixNano()))
}

// truncate cuts s to at most limit characters; a negative limit keeps it
// whole. s is valid UTF-8.
func truncate(s string, limit int) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return s[:i]
		}
		n++
	}
	return s
}

// validUTF8 returns s with invalid bytes replaced by U+FFFD: a protobuf
// string must be valid UTF-8, or the collector rejects the whole request.
// Mapping already cleans what it takes from lines, so this is a guard.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError))
}

// appendVarint is protowire.AppendVarint with the one-byte case inlined:
// nearly every tag and length the encoder writes is below 128, and calling
// protowire's general function cost more than writing the byte.
func appendVarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

// appendTag appends a field's tag (see appendVarint).
func appendTag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// pbAppendString appends a length-prefixed string (see appendVarint).
func pbAppendString(b []byte, s string) []byte {
	return append(appendVarint(b, uint64(len(s))), s...)
}

// pbAppendBytes appends length-prefixed bytes (see appendVarint).
func pbAppendBytes(b []byte, v []byte) []byte {
	return append(appendVarint(b, uint64(len(v))), v...)
}
