package emit

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// HTTPError is an OTLP/HTTP collector's refusal of a request: its status
// and the message it gave (the google.rpc.Status OTLP puts in the body, or
// the body's text). Result.Err wraps it, as it wraps the gRPC status of a
// gRPC collector.
type HTTPError struct {
	StatusCode int
	Message    string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// readAnswer turns a collector's HTTP answer into a callResult. A 2xx took
// the request, perhaps with a partial success; 429, 502, 503 and 504 are
// transient (OTLP/HTTP's retryable statuses), with the Retry-After the
// collector sent; anything else is a refusal that sending again would not
// change.
func readAnswer(resp *http.Response, body []byte) callResult {
	if resp.StatusCode/100 == 2 {
		var ans coltracepb.ExportTraceServiceResponse
		// An answer that cannot be read still took the request: OTLP
		// counts the status, and the partial success is a detail.
		if len(body) > 0 && unmarshalAnswer(resp, body, &ans) == nil {
			if ps := ans.GetPartialSuccess(); ps != nil {
				return callResult{partial: true, rejected: ps.GetRejectedSpans(), msg: ps.GetErrorMessage()}
			}
		}
		return callResult{}
	}
	r := callResult{err: &HTTPError{StatusCode: resp.StatusCode, Message: statusMessage(resp, body)}, reached: true}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		r.retry, r.retryAfter = true, resp.Header.Get("Retry-After")
	}
	return r
}

// unmarshalAnswer decodes body by the answer's content type: protobuf or
// JSON.
func unmarshalAnswer(resp *http.Response, body []byte, m proto.Message) error {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch ct {
	case "application/x-protobuf":
		return proto.Unmarshal(body, m)
	case "application/json":
		return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, m)
	}
	return fmt.Errorf("content type %q", ct)
}

// statusMessage is the message of an error answer: the google.rpc.Status
// OTLP asks collectors to send, else the start of the body as text.
func statusMessage(resp *http.Response, body []byte) string {
	var st spb.Status
	if unmarshalAnswer(resp, body, &st) == nil && st.GetMessage() != "" {
		return st.GetMessage()
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// retryAfter is the wait an HTTP Retry-After value asks for, in seconds or
// as an HTTP date, measured from now; zero when it is neither or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
