package emit

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

// httpTransport sends OTLP/HTTP: each batch is one POST of an encoded
// ExportTraceServiceRequest (the bytes the encoder wrote, not re-encoded),
// or of its OTLP/JSON form. It keeps connections alive between batches, up
// to one idle connection per batch that may be in flight.
type httpTransport struct {
	url     string
	json    bool
	gzip    bool
	timeout time.Duration
	header  http.Header
	// newTransport makes a connection pool; reconnect replaces the one in
	// tr with a fresh one after the certificates were reloaded.
	newTransport func() *http.Transport
	tr           atomic.Pointer[http.Transport]
	closed       atomic.Bool
}

// errShutdown is the error of a Send after Shutdown.
var errShutdown = errors.New("the exporter is shut down")

// maxAnswer bounds how much of a collector's answer is read: a partial
// success or an error status is a few hundred bytes.
const maxAnswer = 1 << 20

func newHTTPTransport(t target, cfg Config) *httpTransport {
	pool := func() *http.Transport {
		tr := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          cfg.MaxInFlight,
			MaxIdleConnsPerHost:   cfg.MaxInFlight,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			// A batch is a few hundred KiB: write it in few calls.
			WriteBufferSize: 64 << 10,
		}
		if t.tls != nil {
			tr.TLSClientConfig = t.tls.config()
		}
		return tr
	}
	h := http.Header{}
	for k, v := range t.headers {
		h.Set(k, v)
	}
	json := t.protocol == protoHTTPJSON
	if json {
		h.Set("Content-Type", "application/json")
	} else {
		h.Set("Content-Type", "application/x-protobuf")
	}
	gz := t.compression == "gzip"
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("User-Agent", "logspan/"+cfg.Version)
	ht := &httpTransport{url: t.url, json: json, gzip: gz, timeout: t.timeout, header: h, newTransport: pool}
	ht.tr.Store(pool())
	return ht
}

func (h *httpTransport) call(ctx context.Context, b *Batch) callResult {
	if h.closed.Load() {
		return callResult{err: errShutdown}
	}
	bp := encodeBuffers.Get().(*[]byte)
	body, err := h.body(b, (*bp)[:0])
	if err != nil {
		putEncodeBuffer(bp, body)
		return callResult{err: err}
	}
	var zb *bytes.Buffer
	if h.gzip {
		zb = compressBuffers.Get().(*bytes.Buffer)
		defer compressBuffers.Put(zb)
		if err := compress(zb, body); err != nil {
			putEncodeBuffer(bp, body)
			return callResult{err: err}
		}
		putEncodeBuffer(bp, body)
		body = zb.Bytes()
	} else {
		defer putEncodeBuffer(bp, body)
	}

	callCtx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return callResult{err: err}
	}
	req.Header = h.header.Clone()
	resp, err := h.tr.Load().RoundTrip(req)
	if err != nil {
		if h.closed.Load() {
			return callResult{err: errShutdown}
		}
		// Refused, reset, timed out, TLS failed: all may pass.
		return callResult{err: err, reached: true, retry: true}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && resp.StatusCode/100 != 2 {
		return callResult{err: fmt.Errorf("HTTP %s, answer unreadable: %w", resp.Status, err), reached: true, retry: true}
	}
	return readAnswer(resp, data)
}

// body appends the request body for b to buf.
func (h *httpTransport) body(b *Batch, buf []byte) ([]byte, error) {
	if !h.json {
		return b.request(buf), nil
	}
	rs, buf := b.resourceSpans(buf)
	dec, err := decodeEncoded(rs)
	if err != nil {
		return buf, err
	}
	return appendRequest(buf[:0], &coltracepb.ExportTraceServiceRequest{ResourceSpans: dec}), nil
}

// compressBuffers and gzipWriters are reused between gzip-compressed
// requests: a gzip.Writer allocates some hundred KiB of state.
var (
	compressBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzipWriters     = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
		return w
	}}
)

// compress writes data gzip-compressed into buf, after emptying it. The
// fastest level: spans repeat themselves enough that it gets most of the
// reduction, at a fraction of the default level's cost.
func compress(buf *bytes.Buffer, data []byte) error {
	buf.Reset()
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(buf)
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}

// reconnect makes the next requests use new connections (and so new TLS
// handshakes, with the certificates just reloaded). Requests under way
// finish on the old ones, which close as they fall idle.
func (h *httpTransport) reconnect() {
	old := h.tr.Swap(h.newTransport())
	old.CloseIdleConnections()
	// A connection still finishing a request goes idle later.
	time.AfterFunc(2*h.timeout, old.CloseIdleConnections)
}

func (h *httpTransport) shutdown(context.Context) error {
	h.closed.Store(true)
	h.tr.Load().CloseIdleConnections()
	return nil
}
