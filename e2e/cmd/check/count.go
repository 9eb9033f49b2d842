package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// countConfig is the -count mode of check, for e2e/gateway.sh: the spans of
// one service in Jaeger are counted, with no per-request record to check
// them against, because the lines came from haproxygen rather than from a
// client. logspan derives a span's id from its line, so a line sent twice
// shows as a repeated span id, and a lost line as a missing span.
type countConfig struct {
	want     int           // spans expected, each exactly once
	service  string        // service.name of the spans counted
	from, to time.Time     // the window their start times lie in
	timeout  time.Duration // how long to wait for want spans
	settle   time.Duration // then wait this long and count again
}

// tally is what one query found.
type tally struct {
	spans, distinct int
}

func countOnce(ctx context.Context, j *jaeger, c countConfig) (tally, error) {
	spans, err := j.find(ctx, c.service, "", c.from, c.to)
	if err != nil {
		return tally{}, err
	}
	seen := make(map[string]bool, len(spans))
	var t tally
	for _, s := range spans {
		if s.Service != c.service {
			continue
		}
		t.spans++
		if !seen[s.SpanID] {
			seen[s.SpanID] = true
			t.distinct++
		}
	}
	return t, nil
}

// count polls Jaeger until it holds at least c.want spans of c.service or
// c.timeout passes, counts once more after c.settle (a late duplicate shows
// then), prints the result and tells whether every span arrived exactly
// once.
func count(ctx context.Context, j *jaeger, c countConfig, w io.Writer) (bool, error) {
	begin := time.Now()
	deadline := begin.Add(c.timeout)
	var t tally
	for {
		var err error
		if t, err = countOnce(ctx, j, c); err != nil {
			return false, err
		}
		if t.spans >= c.want || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	arrived := time.Since(begin).Round(time.Second)
	if t.spans >= c.want && c.settle > 0 {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(c.settle):
		}
		var err error
		if t, err = countOnce(ctx, j, c); err != nil {
			return false, err
		}
	}
	ok := t.spans == c.want && t.distinct == c.want
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s: %d %s spans in Jaeger (%d distinct), want %d each once; waited %s\n",
		verdict, t.spans, c.service, t.distinct, c.want, arrived)
	return ok, nil
}
