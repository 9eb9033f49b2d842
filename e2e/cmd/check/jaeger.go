package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// span is one span as Jaeger's API v3 returns it (OTLP JSON), flattened.
type span struct {
	TraceID, SpanID, ParentID string
	Service                   string
	Name                      string
	Kind                      string // SERVER, CLIENT, ...
	Start, End                time.Time
	Error                     bool // status code Error
	StatusMessage             string
	Attrs                     map[string]string // every value as text
	Events                    []event
}

type event struct {
	Name string
	Time time.Time
}

// jaeger queries Jaeger's HTTP API v3 (/api/v3/...). Traces are asked for
// raw: without the query service's adjusters, which would hide duplicate
// spans.
type jaeger struct {
	base string
	http *http.Client
}

// ready tells whether the query API answers.
func (j *jaeger) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.base+"/api/v3/services", nil)
	if err != nil {
		return err
	}
	resp, err := j.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v3/services: %s", resp.Status)
	}
	return nil
}

// trace returns the spans of a trace; none when Jaeger does not know it.
func (j *jaeger) trace(ctx context.Context, traceID string) ([]span, error) {
	return j.get(ctx, "/api/v3/traces/"+url.PathEscape(traceID)+"?raw_traces=true")
}

// find returns the spans of the traces holding a span of service (and
// operation, when not empty) that started in [from, to].
func (j *jaeger) find(ctx context.Context, service, operation string, from, to time.Time) ([]span, error) {
	q := url.Values{}
	q.Set("query.service_name", service)
	if operation != "" {
		q.Set("query.operation_name", operation)
	}
	q.Set("query.start_time_min", from.UTC().Format(time.RFC3339Nano))
	q.Set("query.start_time_max", to.UTC().Format(time.RFC3339Nano))
	q.Set("query.num_traces", "100000")
	q.Set("query.raw_traces", "true")
	return j.get(ctx, "/api/v3/traces?"+q.Encode())
}

func (j *jaeger) get(ctx context.Context, path string) ([]span, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := j.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaeger: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("jaeger: GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jaeger: GET %s: %s: %.200s", path, resp.Status, body)
	}
	spans, err := parseTraces(body)
	if err != nil {
		return nil, fmt.Errorf("jaeger: GET %s: %w", path, err)
	}
	return spans, nil
}

// The OTLP JSON of API v3, as much of it as the checks need.
type (
	apiResponse struct {
		Result struct {
			ResourceSpans []struct {
				Resource struct {
					Attributes []keyValue `json:"attributes"`
				} `json:"resource"`
				ScopeSpans []struct {
					Spans []apiSpan `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		} `json:"result"`
	}
	apiSpan struct {
		TraceID      string          `json:"traceId"`
		SpanID       string          `json:"spanId"`
		ParentSpanID string          `json:"parentSpanId"`
		Name         string          `json:"name"`
		Kind         json.RawMessage `json:"kind"`
		Start        json.RawMessage `json:"startTimeUnixNano"`
		End          json.RawMessage `json:"endTimeUnixNano"`
		Attributes   []keyValue      `json:"attributes"`
		Events       []struct {
			Name string          `json:"name"`
			Time json.RawMessage `json:"timeUnixNano"`
		} `json:"events"`
		Status struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"status"`
	}
	keyValue struct {
		Key   string `json:"key"`
		Value struct {
			StringValue *string          `json:"stringValue"`
			IntValue    *json.RawMessage `json:"intValue"`
			BoolValue   *bool            `json:"boolValue"`
			DoubleValue *float64         `json:"doubleValue"`
		} `json:"value"`
	}
)

func parseTraces(body []byte) ([]span, error) {
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var out []span
	for _, rs := range r.Result.ResourceSpans {
		service := attrs(rs.Resource.Attributes)["service.name"]
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				start, err := nanos(s.Start)
				if err != nil {
					return nil, fmt.Errorf("span %s start: %w", s.SpanID, err)
				}
				end, err := nanos(s.End)
				if err != nil {
					return nil, fmt.Errorf("span %s end: %w", s.SpanID, err)
				}
				sp := span{
					TraceID: strings.ToLower(s.TraceID), SpanID: strings.ToLower(s.SpanID),
					ParentID: strings.ToLower(s.ParentSpanID),
					Service:  service, Name: s.Name, Kind: kind(s.Kind),
					Start: start, End: end,
					Error:         enum(s.Status.Code) == "2" || enum(s.Status.Code) == "STATUS_CODE_ERROR",
					StatusMessage: s.Status.Message,
					Attrs:         attrs(s.Attributes),
				}
				for _, e := range s.Events {
					t, err := nanos(e.Time)
					if err != nil {
						return nil, fmt.Errorf("span %s event %q: %w", s.SpanID, e.Name, err)
					}
					sp.Events = append(sp.Events, event{Name: e.Name, Time: t})
				}
				out = append(out, sp)
			}
		}
	}
	return out, nil
}

func attrs(kvs []keyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.Value
		switch {
		case v.StringValue != nil:
			m[kv.Key] = *v.StringValue
		case v.IntValue != nil:
			m[kv.Key] = strings.Trim(string(*v.IntValue), `"`)
		case v.BoolValue != nil:
			m[kv.Key] = strconv.FormatBool(*v.BoolValue)
		case v.DoubleValue != nil:
			m[kv.Key] = strconv.FormatFloat(*v.DoubleValue, 'g', -1, 64)
		default:
			m[kv.Key] = ""
		}
	}
	return m
}

// enum returns a protobuf enum as JSON gives it: a number or a name.
func enum(raw json.RawMessage) string {
	return strings.Trim(string(raw), `"`)
}

func kind(raw json.RawMessage) string {
	switch k := enum(raw); k {
	case "1":
		return "INTERNAL"
	case "2":
		return "SERVER"
	case "3":
		return "CLIENT"
	case "4":
		return "PRODUCER"
	case "5":
		return "CONSUMER"
	case "", "0":
		return "UNSPECIFIED"
	default:
		return strings.TrimPrefix(k, "SPAN_KIND_")
	}
}

// nanos reads a fixed64 time in nanoseconds, a JSON string or number.
func nanos(raw json.RawMessage) (time.Time, error) {
	s := strings.Trim(string(raw), `"`)
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q", s)
	}
	return time.Unix(0, n), nil
}
