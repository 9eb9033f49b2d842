package emit

import (
	"context"
	"fmt"
	"io"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// stdoutClient is an otlptrace.Client that writes each export request as one
// OTLP/JSON line instead of sending it over the network. It receives the
// same request bytes the encoder made for gRPC and OTLP/HTTP (carried as
// unknown fields, see decodeEncoded) and decodes them only to print them, so
// what a user sees on stdout is what a collector would have received, and
// the Collector's otlpjsonfile receiver can replay it.
type stdoutClient struct {
	mu  sync.Mutex // serializes writes so lines never interleave
	w   io.Writer
	buf []byte
}

// Start does nothing: there is no connection to make.
func (*stdoutClient) Start(context.Context) error { return nil }

// Stop does nothing: the writer belongs to the caller (usually os.Stdout).
func (*stdoutClient) Stop(context.Context) error { return nil }

// UploadTraces writes the spans as one line with a single Write call.
func (c *stdoutClient) UploadTraces(ctx context.Context, rs []*tracepb.ResourceSpans) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rs, err := decodeEncoded(rs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = appendRequest(c.buf[:0], &coltracepb.ExportTraceServiceRequest{ResourceSpans: rs})
	c.buf = append(c.buf, '\n')
	_, err = c.w.Write(c.buf)
	if cap(c.buf) > 1<<22 {
		c.buf = nil // do not keep a huge buffer after one outsized batch
	}
	return err
}

// decodeEncoded returns rs with the messages whose content the encoder wrote
// as unknown fields (see encoder) decoded into ordinary structs, which the
// JSON writer needs.
func decodeEncoded(rs []*tracepb.ResourceSpans) ([]*tracepb.ResourceSpans, error) {
	out := make([]*tracepb.ResourceSpans, len(rs))
	for i, r := range rs {
		raw := r.ProtoReflect().GetUnknown()
		if len(raw) == 0 {
			out[i] = r
			continue
		}
		d := &tracepb.ResourceSpans{}
		if err := proto.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("emit: decoding spans for stdout: %w", err)
		}
		out[i] = d
	}
	return out, nil
}
