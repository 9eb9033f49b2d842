package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/container"
	"github.com/logspan/logspan/mapping"
)

// Backfill reads whole files once and exports a span for every line a rule
// maps. Lines are read on one goroutine, handed in chunks over a bounded
// queue to parsing workers, and their spans go through the exporter's
// bounded batcher: when the collector is slow, every queue fills and reading
// waits, so memory stays bounded whatever the size of the files.
type Backfill struct {
	Rules  []*config.Rule
	Sender emit.Sender
	// Export holds the batching settings (batch size, flush interval, in-flight limit).
	Export emit.Config
	// Since and Until keep only spans that start in [Since, Until); zero
	// values leave that side open.
	Since, Until time.Time
	// Stdin is what the path "-" reads.
	Stdin io.Reader
	Log   *slog.Logger
	// Workers parse and map in parallel (default GOMAXPROCS).
	Workers int
	// MaxLine is the longest line kept whole (default 64 KiB).
	MaxLine int
	// Format says how the lines of the file at path are wrapped (nil: all
	// plain): a container log's are unwrapped as the daemon does.
	Format func(path string) container.Format
	// FlushTimeout bounds the wait for in-flight spans after an interrupt.
	FlushTimeout time.Duration
	Stats        *Stats

	bytesTotal atomic.Int64
	bytesDone  atomic.Int64
	current    atomic.Pointer[source.File]
	core       *core[struct{}]
	origins    origins // used by the reading goroutine
}

// Progress reports bytes read so far and the total to read (as stored on
// disk; the total is -1 when it includes standard input).
func (b *Backfill) Progress() (done, total int64) {
	done = b.bytesDone.Load()
	if f := b.current.Load(); f != nil {
		done += f.BytesRead()
	}
	return done, b.bytesTotal.Load()
}

// Run imports paths in order. It returns once every span has been
// acknowledged or given up on; the Stats say what happened. Its error is
// non-nil only when the run was interrupted (ctx ended).
func (b *Backfill) Run(ctx context.Context, paths []string) error {
	if b.Workers <= 0 {
		b.Workers = runtime.GOMAXPROCS(0)
	}
	if b.FlushTimeout <= 0 {
		b.FlushTimeout = 30 * time.Second
	}
	if b.Log == nil {
		b.Log = slog.New(slog.DiscardHandler)
	}
	b.core = newCore[struct{}](b.Stats, b.Log)
	var total int64
	for _, p := range paths {
		if p == "-" {
			total = -1
			break
		}
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	b.bytesTotal.Store(total)

	batcher := emit.NewBatcher(b.Sender, b.Export, func(_ []struct{}, r emit.Result) { b.core.reported(r) })
	rules := newRuleSet(b.Rules, b.Stats)
	h := hooks[struct{}]{keep: b.inRange}

	work := make(chan *chunk, 2*b.Workers)
	var wg sync.WaitGroup
	for i := 0; i < b.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.core.work(ctx, work, batcher, h)
		}()
	}
	b.read(ctx, paths, rules, work)
	close(work)
	wg.Wait()

	// Deliver what was built even after an interrupt, within a deadline.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.FlushTimeout)
	defer cancel()
	if err := batcher.Close(fctx); err != nil {
		b.Log.Error("spans still in flight when the flush deadline passed", "err", err)
	}
	return ctx.Err()
}

// read reads every file in turn into chunks.
func (b *Backfill) read(ctx context.Context, paths []string, rules *ruleSet, work chan<- *chunk) {
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		f, err := source.Open(p, b.Stdin, b.MaxLine)
		if err != nil {
			b.Stats.FilesFailed.Add(1)
			b.Log.Error("skipping file: "+err.Error(), "file", p)
			continue
		}
		if b.Format != nil {
			f.SetFormat(b.Format(p))
		}
		b.Stats.Files.Add(1)
		b.current.Store(f)
		err = b.readFile(ctx, f, rules, work)
		b.bytesDone.Add(f.BytesRead())
		b.current.Store(nil)
		f.Close()
		if err != nil && !errors.Is(err, context.Canceled) {
			b.Stats.FilesFailed.Add(1)
			b.Log.Error("stopped reading file: "+err.Error(), "file", p, "offset", f.Offset())
		}
	}
}

func (b *Backfill) readFile(ctx context.Context, f *source.File, rules *ruleSet, work chan<- *chunk) error {
	origin := b.origins.of(f.Name)
	c := newChunk(rules, nil, 0)
	c.origin = origin
	send := func() error {
		if len(c.lines) == 0 {
			return nil
		}
		select {
		case work <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = newChunk(rules, nil, 0)
		c.origin = origin
		return nil
	}
	defer func() { recycle(c) }()
	for {
		line, err := f.Next()
		if err == io.EOF {
			return send()
		}
		if err != nil {
			if serr := send(); serr != nil {
				return serr
			}
			return err
		}
		b.core.read(&line, true)
		if c.full(&line) {
			if err := send(); err != nil {
				return err
			}
		}
		c.add(&line, true)
	}
}

// inRange says a span starts within --since and --until.
func (b *Backfill) inRange(s *mapping.Span) bool {
	if !b.Since.IsZero() && s.Start.Before(b.Since) {
		return false
	}
	if !b.Until.IsZero() && !s.Start.Before(b.Until) {
		return false
	}
	return true
}
