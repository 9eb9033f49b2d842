package otlptest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// HTTPCounter is Counter for OTLP/HTTP: it acknowledges every well-formed
// protobuf export request posted to /v1/traces and counts its spans
// without decoding them, so that a benchmark measures the exporter rather
// than the receiver.
type HTTPCounter struct {
	addr     string
	srv      *http.Server
	spans    atomic.Int64
	requests atomic.Int64
	bufs     sync.Pool
}

// ListenHTTPCounter serves an HTTPCounter on addr ("127.0.0.1:0" for a free
// port) until Stop.
func ListenHTTPCounter(addr string) (*HTTPCounter, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &HTTPCounter{addr: lis.Addr().String()}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	c.srv = &http.Server{Handler: c}
	go func() { _ = c.srv.Serve(lis) }()
	return c, nil
}

// Endpoint is the counter's base URL, for OTEL_EXPORTER_OTLP_ENDPOINT.
func (c *HTTPCounter) Endpoint() string { return "http://" + c.addr }

// Spans is the number of spans acknowledged so far.
func (c *HTTPCounter) Spans() int64 { return c.spans.Load() }

// Requests is the number of export requests acknowledged so far.
func (c *HTTPCounter) Requests() int64 { return c.requests.Load() }

// Stop closes the listener and every connection at once.
func (c *HTTPCounter) Stop() { _ = c.srv.Close() }

// ServeHTTP counts one request's spans. Its empty answer is the encoding
// of an ExportTraceServiceResponse without partial success.
func (c *HTTPCounter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != TracesPath || req.Header.Get("Content-Encoding") != "" {
		http.Error(w, "otlptest: the counter takes uncompressed protobuf on "+TracesPath, http.StatusBadRequest)
		return
	}
	buf := c.bufs.Get().(*bytes.Buffer)
	defer c.bufs.Put(buf)
	buf.Reset()
	if _, err := io.Copy(buf, req.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n, err := CountSpans(buf.Bytes())
	if err != nil {
		http.Error(w, "bad ExportTraceServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	c.spans.Add(int64(n))
	c.requests.Add(1)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}
