package emit

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// appendRequest appends req as OTLP/JSON, the encoding the OpenTelemetry
// Collector's otlpjsonfile receiver reads: protobuf JSON mapping with
// lowerCamelCase keys, 64-bit integers as decimal strings and enums as
// numbers, except that trace and span ids are hex strings where protobuf's
// JSON would write base64. protojson cannot be told to do that, and patching
// its output is fragile (it varies whitespace on purpose), so this encoder
// writes the fields of the OTLP trace structs directly. Fields left at their
// zero value are omitted, as in protobuf JSON.
func appendRequest(b []byte, req *coltracepb.ExportTraceServiceRequest) []byte {
	b = append(b, `{"resourceSpans":[`...)
	for i, rs := range req.GetResourceSpans() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendResourceSpans(b, rs)
	}
	return append(b, "]}"...)
}

// object writes one JSON object: each field call adds a comma when needed.
type object struct {
	b     []byte
	first bool
}

func openObject(b []byte) *object { return &object{b: append(b, '{'), first: true} }

func (o *object) key(k string) {
	if !o.first {
		o.b = append(o.b, ',')
	}
	o.first = false
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, `":`...)
}

func (o *object) str(k, v string) {
	if v != "" {
		o.key(k)
		o.b = appendString(o.b, v)
	}
}

func (o *object) hexID(k string, id []byte) {
	if len(id) > 0 {
		o.key(k)
		o.b = append(o.b, '"')
		o.b = hex.AppendEncode(o.b, id)
		o.b = append(o.b, '"')
	}
}

func (o *object) u32(k string, v uint32) {
	if v != 0 {
		o.key(k)
		o.b = strconv.AppendUint(o.b, uint64(v), 10)
	}
}

func (o *object) enum(k string, v int32) {
	if v != 0 {
		o.key(k)
		o.b = strconv.AppendInt(o.b, int64(v), 10)
	}
}

func (o *object) fixed64(k string, v uint64) {
	if v != 0 {
		o.key(k)
		o.b = append(o.b, '"')
		o.b = strconv.AppendUint(o.b, v, 10)
		o.b = append(o.b, '"')
	}
}

func (o *object) attrs(k string, kvs []*commonpb.KeyValue) {
	if len(kvs) > 0 {
		o.key(k)
		o.b = appendKeyValues(o.b, kvs)
	}
}

func (o *object) close() []byte { return append(o.b, '}') }

// list writes "key":[...] with each item written by write; nothing when
// items is empty, as protobuf JSON leaves out empty repeated fields.
func list[T any](o *object, key string, items []T, write func([]byte, T) []byte) {
	if len(items) == 0 {
		return
	}
	o.key(key)
	o.b = appendArray(o.b, items, write)
}

// appendArray writes [item,item,...].
func appendArray[T any](b []byte, items []T, write func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = write(b, it)
	}
	return append(b, ']')
}

func appendResourceSpans(b []byte, rs *tracepb.ResourceSpans) []byte {
	o := openObject(b)
	if r := rs.GetResource(); r != nil {
		o.key("resource")
		o.b = appendResource(o.b, r)
	}
	list(o, "scopeSpans", rs.GetScopeSpans(), appendScopeSpans)
	o.str("schemaUrl", rs.GetSchemaUrl())
	return o.close()
}

func appendResource(b []byte, r *resourcepb.Resource) []byte {
	o := openObject(b)
	o.attrs("attributes", r.GetAttributes())
	o.u32("droppedAttributesCount", r.GetDroppedAttributesCount())
	return o.close()
}

func appendScopeSpans(b []byte, ss *tracepb.ScopeSpans) []byte {
	o := openObject(b)
	if sc := ss.GetScope(); sc != nil {
		o.key("scope")
		so := openObject(o.b)
		so.str("name", sc.GetName())
		so.str("version", sc.GetVersion())
		so.attrs("attributes", sc.GetAttributes())
		so.u32("droppedAttributesCount", sc.GetDroppedAttributesCount())
		o.b = so.close()
	}
	list(o, "spans", ss.GetSpans(), appendSpan)
	o.str("schemaUrl", ss.GetSchemaUrl())
	return o.close()
}

func appendSpan(b []byte, s *tracepb.Span) []byte {
	o := openObject(b)
	o.hexID("traceId", s.GetTraceId())
	o.hexID("spanId", s.GetSpanId())
	o.str("traceState", s.GetTraceState())
	o.hexID("parentSpanId", s.GetParentSpanId())
	o.u32("flags", s.GetFlags())
	o.str("name", s.GetName())
	o.enum("kind", int32(s.GetKind()))
	o.fixed64("startTimeUnixNano", s.GetStartTimeUnixNano())
	o.fixed64("endTimeUnixNano", s.GetEndTimeUnixNano())
	o.attrs("attributes", s.GetAttributes())
	o.u32("droppedAttributesCount", s.GetDroppedAttributesCount())
	list(o, "events", s.GetEvents(), appendEvent)
	o.u32("droppedEventsCount", s.GetDroppedEventsCount())
	list(o, "links", s.GetLinks(), appendLink)
	o.u32("droppedLinksCount", s.GetDroppedLinksCount())
	if st := s.GetStatus(); st != nil {
		o.key("status")
		so := openObject(o.b)
		so.str("message", st.GetMessage())
		so.enum("code", int32(st.GetCode()))
		o.b = so.close()
	}
	return o.close()
}

func appendEvent(b []byte, e *tracepb.Span_Event) []byte {
	o := openObject(b)
	o.fixed64("timeUnixNano", e.GetTimeUnixNano())
	o.str("name", e.GetName())
	o.attrs("attributes", e.GetAttributes())
	o.u32("droppedAttributesCount", e.GetDroppedAttributesCount())
	return o.close()
}

func appendLink(b []byte, l *tracepb.Span_Link) []byte {
	o := openObject(b)
	o.hexID("traceId", l.GetTraceId())
	o.hexID("spanId", l.GetSpanId())
	o.str("traceState", l.GetTraceState())
	o.attrs("attributes", l.GetAttributes())
	o.u32("droppedAttributesCount", l.GetDroppedAttributesCount())
	o.u32("flags", l.GetFlags())
	return o.close()
}

func appendKeyValues(b []byte, kvs []*commonpb.KeyValue) []byte {
	return appendArray(b, kvs, appendKeyValue)
}

func appendKeyValue(b []byte, kv *commonpb.KeyValue) []byte {
	o := openObject(b)
	o.str("key", kv.GetKey())
	if v := kv.GetValue(); v != nil {
		o.key("value")
		o.b = appendAnyValue(o.b, v)
	}
	return o.close()
}

func appendAnyValue(b []byte, v *commonpb.AnyValue) []byte {
	o := openObject(b)
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		o.key("stringValue")
		o.b = appendString(o.b, x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		o.key("boolValue")
		o.b = strconv.AppendBool(o.b, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		o.key("intValue")
		o.b = append(o.b, '"')
		o.b = strconv.AppendInt(o.b, x.IntValue, 10)
		o.b = append(o.b, '"')
	case *commonpb.AnyValue_DoubleValue:
		o.key("doubleValue")
		o.b = appendDouble(o.b, x.DoubleValue)
	case *commonpb.AnyValue_BytesValue:
		// Only ids are hex in OTLP/JSON; other bytes stay base64.
		o.key("bytesValue")
		o.b = append(o.b, '"')
		o.b = base64.StdEncoding.AppendEncode(o.b, x.BytesValue)
		o.b = append(o.b, '"')
	case *commonpb.AnyValue_ArrayValue:
		o.key("arrayValue")
		ao := openObject(o.b)
		list(ao, "values", x.ArrayValue.GetValues(), appendAnyValue)
		o.b = ao.close()
	case *commonpb.AnyValue_KvlistValue:
		o.key("kvlistValue")
		ko := openObject(o.b)
		ko.attrs("values", x.KvlistValue.GetValues())
		o.b = ko.close()
	}
	return o.close()
}

// appendDouble writes a float as protobuf JSON does: a number, or the
// strings "NaN", "Infinity" and "-Infinity", which JSON numbers cannot be.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendString writes s as a JSON string, escaping quotes, backslashes and
// control characters, and replacing invalid UTF-8 with U+FFFD so that each
// line stays valid JSON whatever bytes the log held.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
