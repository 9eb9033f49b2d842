package otlptest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
)

func post(t *testing.T, url, ct, enc string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestHTTPReceiver(t *testing.T) {
	r := StartHTTP(t)
	wire, err := proto.Marshal(RequestWithSpanIDs([]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	if err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(wire)
	_ = zw.Close()

	// gzip protobuf, with a partial success asked for.
	r.RejectNext(1, "nope")
	resp, data := post(t, r.URL(), "application/x-protobuf", "gzip", zipped.Bytes())
	var ans coltracepb.ExportTraceServiceResponse
	if resp.StatusCode != 200 || proto.Unmarshal(data, &ans) != nil || ans.GetPartialSuccess().GetRejectedSpans() != 1 {
		t.Fatalf("status %d answer %v", resp.StatusCode, &ans)
	}
	if s := r.WaitSpans(t, 1, 10*time.Second); s[0].SpanID != "0102030405060708" || r.Compression() != "gzip" {
		t.Fatalf("spans %+v compression %q", s, r.Compression())
	}

	// OTLP/JSON with hex ids.
	resp, _ = post(t, r.URL(), "application/json", "", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"000102030405060708090a0b0c0d0e0f","spanId":"0807060504030201","name":"j"}]}]}]}`))
	if s := r.WaitSpans(t, 2, 10*time.Second); resp.StatusCode != 200 || s[1].SpanID != "0807060504030201" || s[1].Name != "j" {
		t.Fatalf("status %d spans %+v", resp.StatusCode, s)
	}

	// Told to fail: the status, Retry-After and a google.rpc.Status.
	r.FailNext(1, 503, "3")
	resp, data = post(t, r.URL(), "application/x-protobuf", "", wire)
	var st spb.Status
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3" || proto.Unmarshal(data, &st) != nil || st.GetMessage() == "" {
		t.Fatalf("status %d retry-after %q body %v", resp.StatusCode, resp.Header.Get("Retry-After"), &st)
	}

	// Not OTLP: refused, nothing recorded.
	if resp, _ := post(t, r.URL(), "application/x-protobuf", "", []byte{0xff, 0xff}); resp.StatusCode != 400 {
		t.Errorf("garbage: status %d", resp.StatusCode)
	}
	if resp, _ := post(t, r.Endpoint()+"/v1/metrics", "application/x-protobuf", "", wire); resp.StatusCode != 404 || r.Path() != "/v1/metrics" {
		t.Errorf("wrong path: status %d", resp.StatusCode)
	}
	if r.Calls() != 4 || len(r.Spans()) != 2 {
		t.Errorf("calls %d spans %d, want 4 and 2", r.Calls(), len(r.Spans()))
	}
}
