package otlptest

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// flatten turns an export request into one Span per span, copying resource
// and scope into each so tests need not know how the exporter grouped them.
func flatten(req *coltracepb.ExportTraceServiceRequest) []Span {
	var out []Span
	for _, rs := range req.GetResourceSpans() {
		res := make(map[string]string)
		for _, kv := range rs.GetResource().GetAttributes() {
			res[kv.GetKey()] = anyString(kv.GetValue())
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				out = append(out, flattenSpan(res, ss.GetScope(), s))
			}
		}
	}
	return out
}

func flattenSpan(res map[string]string, scope *commonpb.InstrumentationScope, s *tracepb.Span) Span {
	sp := Span{
		Service:       res["service.name"],
		Resource:      res,
		Scope:         scope.GetName(),
		ScopeVersion:  scope.GetVersion(),
		TraceID:       hex.EncodeToString(s.GetTraceId()),
		SpanID:        hex.EncodeToString(s.GetSpanId()),
		ParentSpanID:  hex.EncodeToString(s.GetParentSpanId()),
		TraceState:    s.GetTraceState(),
		Name:          s.GetName(),
		Kind:          strings.TrimPrefix(s.GetKind().String(), "SPAN_KIND_"),
		Start:         unixNano(s.GetStartTimeUnixNano()),
		End:           unixNano(s.GetEndTimeUnixNano()),
		Attributes:    make(map[string]any, len(s.GetAttributes())),
		StatusCode:    strings.TrimPrefix(s.GetStatus().GetCode().String(), "STATUS_CODE_"),
		StatusMessage: s.GetStatus().GetMessage(),
		Flags:         s.GetFlags(),
	}
	for _, kv := range s.GetAttributes() {
		sp.Attributes[kv.GetKey()] = anyValue(kv.GetValue())
	}
	for _, e := range s.GetEvents() {
		sp.Events = append(sp.Events, Event{Name: e.GetName(), Time: unixNano(e.GetTimeUnixNano())})
	}
	return sp
}

func unixNano(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns)) //nolint:gosec // OTLP times fit in int64 until 2262.
}

// anyValue converts an OTLP value to the closest Go type.
func anyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		vals := x.ArrayValue.GetValues()
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = anyValue(e)
		}
		return out
	default:
		return nil
	}
}

// anyString renders a value as text, for resource attributes, which tests
// compare as strings.
func anyString(v *commonpb.AnyValue) string {
	switch x := anyValue(v).(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	default:
		return v.String()
	}
}
