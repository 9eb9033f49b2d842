package emit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/logspan/logspan/mapping"
)

// fromOTLPJSON parses one OTLP/JSON line with protojson after turning the
// hex ids back into the base64 protojson expects. Unknown keys are errors,
// so a misspelt field fails the test.
func fromOTLPJSON(t *testing.T, line []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	var doc any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
	hexToBase64(t, doc)
	fixed, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	if err := protojson.Unmarshal(fixed, req); err != nil {
		t.Fatalf("protojson: %v\n%s", err, fixed)
	}
	return req
}

func hexToBase64(t *testing.T, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "traceId", "spanId", "parentSpanId":
				s, _ := e.(string)
				b, err := hex.DecodeString(s)
				if err != nil {
					t.Fatalf("%s %q is not hex: %v", k, s, err)
				}
				x[k] = base64.StdEncoding.EncodeToString(b)
			default:
				hexToBase64(t, e)
			}
		}
	case []any:
		for _, e := range x {
			hexToBase64(t, e)
		}
	}
}

func TestStdoutWritesOTLPJSONLines(t *testing.T) {
	noOTLPEnv(t)
	var out bytes.Buffer
	e, err := New(context.Background(), Config{Stdout: &out, HostName: "h", Version: "9"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.ToStdout() || e.Destination() != "stdout as OTLP/JSON" {
		t.Fatalf("stdout %v destination %q", e.ToStdout(), e.Destination())
	}
	in := records(3)
	in[1].Service = "other"
	for _, batch := range [][]int{{0, 1}, {2}} {
		var b []mapping.Span
		for _, i := range batch {
			b = append(b, in[i])
		}
		if r := e.Send(context.Background(), e.Encoder().Batch(b)); !r.OK() || r.Exported != len(b) {
			t.Fatalf("result %+v", r)
		}
	}
	lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), out.Bytes())
	}
	seen := map[string]*tracepb.Span{}
	for _, line := range lines {
		if !json.Valid(line) {
			t.Fatalf("invalid JSON: %s", line)
		}
		if !bytes.Contains(line, []byte(`"traceId":"ab`)) {
			t.Errorf("trace id not hex in %s", line)
		}
		req := fromOTLPJSON(t, line)
		// Round trip: re-encoding the parsed request gives the same line.
		if again := appendRequest(nil, req); !bytes.Equal(again, line) {
			t.Errorf("round trip differs:\n%s\n%s", line, again)
		}
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					seen[hex.EncodeToString(s.GetSpanId())] = s
				}
			}
		}
	}
	for i := range in {
		s := seen[hex.EncodeToString(in[i].SpanID[:])]
		if s == nil {
			t.Fatalf("span %d missing", i)
		}
		if hex.EncodeToString(s.GetTraceId()) != in[i].TraceID.String() ||
			s.GetStartTimeUnixNano() != uint64(in[i].Start.UnixNano()) ||
			s.GetEndTimeUnixNano() != uint64(in[i].End.UnixNano()) ||
			s.GetTraceState() != in[i].TraceState || s.GetName() != in[i].Name {
			t.Errorf("span %d: %v", i, s)
		}
		if in[i].HasParent() && hex.EncodeToString(s.GetParentSpanId()) != in[i].Parent.String() {
			t.Errorf("span %d parent %x", i, s.GetParentSpanId())
		}
	}
	if !strings.Contains(out.String(), `"intValue":"503"`) || !strings.Contains(out.String(), `"kind":2`) {
		t.Errorf("64-bit ints must be strings and enums numbers: %s", lines[0])
	}
}

func TestOTLPJSONEncodesEveryValueKind(t *testing.T) {
	kv := func(k string, v *commonpb.AnyValue) *commonpb.KeyValue { return &commonpb.KeyValue{Key: k, Value: v} }
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	dbl := func(f float64) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
	}
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("s"))}, DroppedAttributesCount: 1},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "n", Version: "v"},
			Spans: []*tracepb.Span{{
				TraceId: bytes.Repeat([]byte{0xfe}, 16), SpanId: bytes.Repeat([]byte{1}, 8),
				ParentSpanId: bytes.Repeat([]byte{2}, 8), Flags: 0x301, Name: "quote\" back\\ nl\n tab\t ctl\x01 bad\xff é",
				Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: math.MaxUint64, EndTimeUnixNano: 1,
				Attributes: []*commonpb.KeyValue{
					kv("s", str("x")),
					kv("b", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}),
					kv("i", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: math.MinInt64}}),
					kv("d", dbl(1e300)), kv("d2", dbl(-0.5)), kv("nan", dbl(math.NaN())), kv("inf", dbl(math.Inf(-1))),
					kv("bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 2}}}),
					kv("arr", &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{str("a"), dbl(2)}}}}),
					kv("kv", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{kv("k", str("v"))}}}}),
				},
				DroppedAttributesCount: 3,
				Events:                 []*tracepb.Span_Event{{TimeUnixNano: 5, Name: "e", Attributes: []*commonpb.KeyValue{kv("a", str("b"))}}},
				DroppedEventsCount:     4,
				Links: []*tracepb.Span_Link{{TraceId: bytes.Repeat([]byte{3}, 16), SpanId: bytes.Repeat([]byte{4}, 8),
					TraceState: "a=b", Flags: 1, DroppedAttributesCount: 2}},
				DroppedLinksCount: 6,
				Status:            &tracepb.Status{Message: "m", Code: tracepb.Status_STATUS_CODE_ERROR},
			}},
			SchemaUrl: "https://scope",
		}},
		SchemaUrl: "https://res",
	}}}
	line := appendRequest(nil, req)
	if !json.Valid(line) {
		t.Fatalf("invalid JSON: %s", line)
	}
	got := fromOTLPJSON(t, line)
	// NaN != NaN, so compare it apart and drop it from both.
	attrs := got.ResourceSpans[0].ScopeSpans[0].Spans[0].Attributes
	if !math.IsNaN(attrs[5].GetValue().GetDoubleValue()) {
		t.Errorf("NaN came back as %v", attrs[5])
	}
	for _, r := range []*coltracepb.ExportTraceServiceRequest{req, got} {
		sp := r.ResourceSpans[0].ScopeSpans[0].Spans[0]
		sp.Attributes = append(sp.Attributes[:5:5], sp.Attributes[6:]...)
		sp.Name = strings.ToValidUTF8(sp.Name, "\uFFFD")
	}
	if !proto.Equal(req, got) {
		t.Errorf("round trip differs:\n%v\n%v", req, got)
	}
}

// TestStdoutWritesLinks checks that a record's links reach the OTLP/JSON
// line, ids in hex, with their format attribute and remote flags, as a
// collector's otlpjsonfile receiver would read them.
func TestStdoutWritesLinks(t *testing.T) {
	noOTLPEnv(t)
	var out bytes.Buffer
	e, err := New(context.Background(), Config{Stdout: &out, HostName: "h", Version: "9"})
	if err != nil {
		t.Fatal(err)
	}
	s := record(1)
	s.Links = []mapping.Link{{Flags: trace.FlagsSampled, Format: mapping.FormatXRay}}
	s.Links[0].TraceID[0], s.Links[0].TraceID[15] = 0x5f, 0x01
	s.Links[0].SpanID[0], s.Links[0].SpanID[7] = 0x53, 0x02
	if r := e.Send(context.Background(), e.Encoder().Batch([]mapping.Span{s})); !r.OK() {
		t.Fatalf("result %+v", r)
	}
	want := `"links":[{"traceId":"5f000000000000000000000000000001","spanId":"5300000000000002",` +
		`"attributes":[{"key":"logspan.trace_context.format","value":{"stringValue":"xray"}}],"flags":769}]`
	if !strings.Contains(out.String(), want) {
		t.Errorf("no %s in\n%s", want, out.String())
	}
}
