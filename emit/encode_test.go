package emit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/logspan/logspan/mapping"
)

// captureClient is an otlptrace.Client that keeps what the SDK's exporter
// hands it: the SDK's own transform of spans into OTLP.
type captureClient struct{ got []*tracepb.ResourceSpans }

func (*captureClient) Start(context.Context) error { return nil }
func (*captureClient) Stop(context.Context) error  { return nil }
func (c *captureClient) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	c.got = append(c.got, rs...)
	return nil
}

// sdkEncoding is what the SDK path makes of records: SDK spans built by a
// TracerProvider, transformed by the OTLP exporter.
func sdkEncoding(t *testing.T, spans []mapping.Span) []*tracepb.ResourceSpans {
	t.Helper()
	base, err := baseResource(context.Background(), Config{HostName: "h", Version: "9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	sb := newSpanBuilder(base, "9.9.9")
	var ro []sdktrace.ReadOnlySpan
	for i := range spans {
		s, err := sb.build(&spans[i])
		if err != nil {
			t.Fatalf("SDK path refused record %d: %v", i, err)
		}
		ro = append(ro, s)
	}
	c := &captureClient{}
	exp, err := otlptrace.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), ro); err != nil {
		t.Fatal(err)
	}
	return c.got
}

// directEncoding is what the encoder makes of records, decoded from its
// bytes as a collector would.
func directEncoding(t *testing.T, spans []mapping.Span) []*tracepb.ResourceSpans {
	t.Helper()
	base, err := baseResource(context.Background(), Config{HostName: "h", Version: "9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	batch := newEncoder(base, "9.9.9").Batch(spans)
	if invalid := batch.Invalid(); len(invalid) > 0 {
		t.Fatalf("encoder refused records: %v", invalid)
	}
	return throughTheWire(t, batch)
}

// byService orders ResourceSpans by service.name: the SDK's exporter groups
// by resource in map order.
func byService(rs []*tracepb.ResourceSpans) []*tracepb.ResourceSpans {
	name := func(r *tracepb.ResourceSpans) string {
		for _, kv := range r.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				return kv.GetValue().GetStringValue()
			}
		}
		return ""
	}
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b *tracepb.ResourceSpans) int { return strings.Compare(name(a), name(b)) })
	return out
}

// encoderCases are records that exercise every rule the SDK applies.
func encoderCases() map[string][]mapping.Span {
	withAttrs := func(attrs ...attribute.KeyValue) []mapping.Span {
		s := record(1)
		s.Attributes = attrs
		return []mapping.Span{s}
	}
	many := make([]attribute.KeyValue, 0, 140)
	for i := range 140 {
		many = append(many, attribute.Int(strings.Repeat("k", i+1), i))
	}
	many = append(many, attribute.Int("k", -5)) // an update past the limit
	cases := map[string][]mapping.Span{
		"typical batch": records(20),
		"zero values":   withAttrs(attribute.String("s", ""), attribute.Int64("i", 0), attribute.Bool("b", false), attribute.Float64("f", 0)),
		"negative and large numbers": withAttrs(attribute.Int64("neg", -1), attribute.Int64("min", -1<<63),
			attribute.Float64("nan-free", -1.5e300), attribute.Int64("max", 1<<63-1)),
		"duplicates keep the last value at the first position": withAttrs(attribute.String("a", "1"), attribute.String("b", "2"),
			attribute.String("a", "3"), attribute.Int("b", 4)),
		"invalid attributes are dropped and counted": withAttrs(attribute.String("", "no key"), attribute.String("ok", "yes"),
			attribute.KeyValue{Key: "novalue"}),
		"over the count limit":            withAttrs(many...),
		"slices":                          withAttrs(attribute.StringSlice("ss", []string{"a", "", "ü"}), attribute.IntSlice("is", []int{1, -2}), attribute.BoolSlice("bs", []bool{true, false}), attribute.Float64Slice("fs", []float64{0.5})),
		"long values need longer lengths": withAttrs(attribute.String("long", strings.Repeat("x", 200)), attribute.String("longer", strings.Repeat("é", 20000))),
	}
	s := record(2)
	s.Name = strings.Repeat("GET /a-long-name ", 20)
	s.Kind = trace.SpanKindUnspecified
	s.Status, s.StatusMessage = codes.Ok, "ignored with Ok"
	s.Flags = 0 // an unsampled caller kept by keep_unsampled
	u := record(3)
	u.Status, u.StatusMessage = codes.Unset, "ignored with Unset"
	u.Events = nil
	u.Service = "other-service"
	v := record(4)
	v.Start = time.Unix(0, 0).Add(-time.Hour) // before the epoch: clamped to 0
	v.Service = "other-service"
	cases["kinds, statuses, flags and services"] = []mapping.Span{s, record(5), u, v, record(6)}
	e := record(7)
	for i := range 5 {
		e.Events = append(e.Events, mapping.Event{Name: "ev" + strings.Repeat("!", i), Time: baseTime.Add(time.Duration(i))})
	}
	cases["events"] = []mapping.Span{e}
	cases["links"] = linkedRecords()
	return cases
}

// TestEncoderMatchesSDK proves the direct encoding is what the SDK path
// produces (SDK span, exporter transform), field for field, for records
// that exercise every rule the SDK applies, with the default limits and
// with limits from the environment.
func TestEncoderMatchesSDK(t *testing.T) {
	for _, env := range []map[string]string{
		nil,
		{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "3", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "2", "OTEL_SPAN_EVENT_COUNT_LIMIT": "2"},
		{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "0", "OTEL_SPAN_EVENT_COUNT_LIMIT": "0", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "0"},
		{"OTEL_SPAN_LINK_COUNT_LIMIT": "2", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT": "0"},
		{"OTEL_SPAN_LINK_COUNT_LIMIT": "0"},
	} {
		for name, spans := range encoderCases() {
			t.Run(name+envName(env), func(t *testing.T) {
				for k, v := range env {
					t.Setenv(k, v)
				}
				want := byService(sdkEncoding(t, spans))
				got := byService(directEncoding(t, spans))
				if len(got) != len(want) {
					t.Fatalf("%d ResourceSpans, the SDK makes %d", len(got), len(want))
				}
				for i := range want {
					if !proto.Equal(got[i], want[i]) {
						t.Errorf("ResourceSpans %d differs from the SDK's:\n got: %s\nwant: %s", i, protojson.Format(got[i]), protojson.Format(want[i]))
					}
				}
			})
		}
	}
}

// linkedRecords are records with links as mapping makes them: a root with
// one, a child with several (sampled or not, one without a format), and
// one with none beside them.
func linkedRecords() []mapping.Span {
	link := func(i int, format string, flags trace.TraceFlags) mapping.Link {
		l := mapping.Link{Flags: flags, Format: format}
		l.TraceID[0], l.TraceID[15] = 0x77, byte(i)
		l.SpanID[0], l.SpanID[7] = 0x88, byte(i)
		return l
	}
	root := record(1)
	root.Links = []mapping.Link{link(1, mapping.FormatXRay, trace.FlagsSampled)}
	child := record(2)
	child.Links = []mapping.Link{
		link(2, mapping.FormatB3, 0),
		link(3, mapping.FormatJaeger, trace.FlagsSampled|trace.FlagsRandom),
		link(4, "", trace.FlagsSampled),
		link(5, mapping.FormatSQLCommenter, trace.FlagsSampled),
	}
	return []mapping.Span{root, child, record(3)}
}

func envName(env map[string]string) string {
	if env == nil {
		return ""
	}
	keys := make([]string, 0, len(env))
	for k, v := range env {
		keys = append(keys, strings.TrimPrefix(k, "OTEL_")+"="+v)
	}
	slices.Sort(keys)
	return " with " + strings.Join(keys, ",")
}

// TestEncoderRejectsBadTraceState checks that a record OTLP cannot carry is
// left out and reported while the rest of the batch is encoded.
func TestEncoderRejectsBadTraceState(t *testing.T) {
	base, err := baseResource(context.Background(), Config{HostName: "h"})
	if err != nil {
		t.Fatal(err)
	}
	spans := records(3)
	spans[1].TraceState = "not a tracestate"
	batch := newEncoder(base, "v").Batch(spans)
	rs, _ := batch.resourceSpans(nil)
	if invalid := batch.Invalid(); len(invalid) != 1 || !strings.Contains(invalid[0].Error(), "tracestate") {
		t.Fatalf("invalid = %v, want one tracestate error", invalid)
	}
	var got tracepb.ResourceSpans
	if err := proto.Unmarshal(rs[0].ProtoReflect().GetUnknown(), &got); err != nil {
		t.Fatal(err)
	}
	if n := len(got.ScopeSpans[0].Spans); n != 2 {
		t.Fatalf("%d spans encoded, want the 2 valid ones", n)
	}
}
