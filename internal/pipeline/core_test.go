package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/mapping"
)

// TestCoreWork runs the worker loop that backfill and daemon share on one
// chunk, with hooks recording what it does.
func TestCoreWork(t *testing.T) {
	cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(daemonRules, "/nowhere")), config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	recv := otlptest.Start(t)
	ecfg := emit.Config{Endpoint: recv.Endpoint(), BatchSize: 16, FlushInterval: 5 * time.Millisecond, MaxInFlight: 1,
		Retry: emit.RetryConfig{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxElapsed: -1}}
	exp, err := emit.New(context.Background(), ecfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = exp.Shutdown(context.Background()) }()

	for _, cancelled := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelled=%v", cancelled), func(t *testing.T) {
			var logs bytes.Buffer
			stats := NewStats(cfg.Rules)
			c := newCore[string](stats, slog.New(slog.NewTextHandler(&logs, nil)))
			var mu sync.Mutex
			var events []string
			record := func(what string) func(*chunk) {
				return func(*chunk) { mu.Lock(); events = append(events, what); mu.Unlock() }
			}
			var tags []string
			batcher := emit.NewBatcher(exp, ecfg, func(got []string, r emit.Result) {
				c.reported(r)
				mu.Lock()
				tags = append(tags, got...)
				mu.Unlock()
			})
			early := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			h := hooks[string]{
				tag:       func(*chunk) string { return "chunk-1" },
				keep:      func(s *mapping.Span) bool { return s.Start.After(early) },
				adding:    record("adding"),
				notAdded:  record("not added"),
				processed: record("processed"),
			}
			ch := newChunk(newRuleSet(cfg.Rules, stats), nil, 0)
			for i, text := range []string{
				"at=1700000000000 id=1 took=5ms", // before `early`: out of range
				"garbage",
				fmt.Sprintf("at=%d id=2 took=5ms", early.Add(time.Hour).UnixMilli()),
			} {
				l := source.Line{Data: []byte(text), File: "app.log", Number: int64(i + 1), Offset: int64(100 * i)}
				c.read(&l, true)
				ch.add(&l, true)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if cancelled {
				cancel()
			}
			defer cancel()
			work := make(chan *chunk, 1)
			work <- ch
			close(work)
			c.work(ctx, work, batcher, h)
			if err := batcher.Close(context.Background()); err != nil && !cancelled {
				t.Fatal(err)
			}
			want := []string{"adding", "processed"}
			if cancelled {
				want = []string{"adding", "not added"}
			}
			if strings.Join(events, ",") != strings.Join(want, ",") {
				t.Errorf("hooks %q, want %q", events, want)
			}
			if !cancelled && (len(tags) != 1 || tags[0] != "chunk-1" || stats.SpansExported.Load() != 1) {
				t.Errorf("tags %q, exported %d; want one span tagged chunk-1", tags, stats.SpansExported.Load())
			}
			if stats.Lines.Load() != 3 || stats.Unmatched.Load() != 1 || stats.OutOfRange.Load() != 1 {
				t.Errorf("lines %d unmatched %d out of range %d; want 3, 1, 1", stats.Lines.Load(), stats.Unmatched.Load(), stats.OutOfRange.Load())
			}
			if !strings.Contains(logs.String(), `msg="line matches no rule" file=app.log offset=100 line=2`) {
				t.Errorf("the unmatched line is not logged with its file, offset and line:\n%s", logs.String())
			}
		})
	}
}
