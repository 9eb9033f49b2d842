package otlptest

import (
	"compress/gzip"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TracesPath is where an OTLP/HTTP collector takes traces.
const TracesPath = "/v1/traces"

// HTTPReceiver is an in-process OTLP/HTTP collector for traces: a net/http
// server on loopback taking ExportTraceServiceRequest as protobuf or
// OTLP/JSON, gzip-compressed or not, on /v1/traces. It records what it
// takes as Receiver does (the same Spans, WaitSpans, RejectNext, Hold) and
// can answer with an error status and a Retry-After header (FailNext).
type HTTPReceiver struct {
	recorder

	addr string
	tls  bool
	srv  *http.Server

	failN      int
	failStatus int
	failAfter  string
	path       string // path of the latest request
}

// StartHTTP serves OTLP/HTTP on a free loopback port until the test ends.
func StartHTTP(t testing.TB) *HTTPReceiver { return StartHTTPTLS(t, nil) }

// StartHTTPTLS is StartHTTP serving HTTPS with cfg (nil: plain HTTP): its
// certificate, and ClientAuth and ClientCAs for mutual TLS.
func StartHTTPTLS(t testing.TB, cfg *tls.Config) *HTTPReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("otlptest: %v", err)
	}
	r := &HTTPReceiver{addr: lis.Addr().String(), tls: cfg != nil, recorder: newRecorder()}
	// Handshake failures are what TLS tests provoke: keep them off stderr.
	r.srv = &http.Server{Handler: r, TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0)}
	if cfg != nil {
		lis = tls.NewListener(lis, cfg)
	}
	go func() { _ = r.srv.Serve(lis) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// Addr is the receiver's "127.0.0.1:port".
func (r *HTTPReceiver) Addr() string { return r.addr }

// Endpoint is the receiver's base URL, "http://127.0.0.1:port" (https://
// when it serves TLS), which exporters append /v1/traces to.
func (r *HTTPReceiver) Endpoint() string {
	if r.tls {
		return "https://" + r.addr
	}
	return "http://" + r.addr
}

// URL is the receiver's traces URL, Endpoint with /v1/traces.
func (r *HTTPReceiver) URL() string { return r.Endpoint() + TracesPath }

// Path is the path of the latest request, whatever it was.
func (r *HTTPReceiver) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path
}

// FailNext makes the next n requests answer with the HTTP status (e.g.
// 503) and, unless empty, the Retry-After header value, recording nothing.
func (r *HTTPReceiver) FailNext(n, status int, retryAfter string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failN, r.failStatus, r.failAfter = n, status, retryAfter
}

// ServeHTTP takes one export request as an OTLP/HTTP collector does.
func (r *HTTPReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.path = req.URL.Path
	r.mu.Unlock()
	if req.Method != http.MethodPost || req.URL.Path != TracesPath {
		http.NotFound(w, req)
		return
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	headers := map[string][]string{}
	for k, v := range req.Header {
		headers[strings.ToLower(k)] = v
	}
	cancelled := func() error { return req.Context().Err() }
	if err := r.arrive(req.Context().Done(), cancelled, headers, req.Header.Get("Content-Encoding"), req.TLS); err != nil {
		return
	}
	body, err := readBody(req)
	var msg *coltracepb.ExportTraceServiceRequest
	if err == nil {
		msg, err = decodeRequest(ct, body)
	}
	if err != nil {
		writeStatus(w, ct, http.StatusBadRequest, "", err.Error())
		return
	}
	r.mu.Lock()
	if r.failN > 0 {
		r.failN--
		status, after, left := r.failStatus, r.failAfter, r.failN
		r.notify()
		r.mu.Unlock()
		writeStatus(w, ct, status, after, fmt.Sprintf("otlptest: failing as told (%d more)", left))
		return
	}
	resp := r.take(msg)
	r.mu.Unlock()
	writeMessage(w, ct, http.StatusOK, resp)
}

// readBody reads the request body, gunzipping it if it says so.
func readBody(req *http.Request) ([]byte, error) {
	var body io.Reader = req.Body
	switch req.Header.Get("Content-Encoding") {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		body = zr
	default:
		return nil, fmt.Errorf("unknown Content-Encoding %q", req.Header.Get("Content-Encoding"))
	}
	return io.ReadAll(io.LimitReader(body, 64<<20))
}

// decodeRequest decodes an export request in the content type it came in.
func decodeRequest(ct string, body []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	msg := &coltracepb.ExportTraceServiceRequest{}
	switch ct {
	case "application/x-protobuf":
		return msg, proto.Unmarshal(body, msg)
	case "application/json":
		fixed, err := hexIDsToBase64(body)
		if err != nil {
			return nil, err
		}
		return msg, protojson.Unmarshal(fixed, msg)
	}
	return nil, fmt.Errorf("unsupported Content-Type %q", ct)
}

// hexIDsToBase64 rewrites OTLP/JSON's hex trace and span ids as the base64
// protojson reads bytes fields in; everything else is left as it is, so
// that a misspelt field still fails protojson.
func hexIDsToBase64(body []byte) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	var fix func(v any) error
	fix = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
					b, err := hex.DecodeString(s)
					if err != nil {
						return fmt.Errorf("%s %q is not hex", k, s)
					}
					x[k] = base64.StdEncoding.EncodeToString(b)
					continue
				}
				if err := fix(e); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := fix(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := fix(doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// writeStatus answers an error as OTLP/HTTP says: a google.rpc.Status in
// the request's content type.
func writeStatus(w http.ResponseWriter, ct string, code int, retryAfter, msg string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeMessage(w, ct, code, &spb.Status{Code: 14, Message: msg})
}

// writeMessage writes m in the content type ct names (protobuf unless
// JSON).
func writeMessage(w http.ResponseWriter, ct string, code int, m proto.Message) {
	var b []byte
	var err error
	if ct == "application/json" {
		b, err = protojson.Marshal(m)
	} else {
		ct = "application/x-protobuf"
		b, err = proto.Marshal(m)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
