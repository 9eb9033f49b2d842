package pipeline

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/linemeta"
	"github.com/logspan/logspan/mapping"
)

// core is what a backfill and the daemon share, so that both treat a line
// the same way: counting it as read, logging problem lines at a bounded
// rate, running chunks through their rules on worker goroutines, handing
// the spans to the batcher, and counting each batch's outcome. What
// differs is told by hooks: the daemon tracks acknowledgements per chunk,
// a backfill keeps only spans in its time range.
type core[T any] struct {
	stats    *Stats
	log      *slog.Logger
	problems *problemLog
}

func newCore[T any](stats *Stats, log *slog.Logger) *core[T] {
	return &core[T]{stats: stats, log: log, problems: newProblemLog(log)}
}

// hooks are what the caller of core.work does with each chunk and span.
type hooks[T any] struct {
	// tag is what the batcher hands back with each span of c when its
	// batch is reported.
	tag func(c *chunk) T
	// keep says whether a span goes out (nil: every span); a span left
	// out is counted as out of range.
	keep func(s *mapping.Span) bool
	// adding is called before a span of c goes to the batcher, notAdded
	// when the batcher refused it (the context ended), and processed once
	// every line of c went through the rules. Any may be nil.
	adding, notAdded, processed func(c *chunk)
}

// read counts a line as read and logs one cut for length; the reading
// goroutine calls it for every line before it joins a chunk. startsAtZero
// says the line numbers count from the file's start.
func (c *core[T]) read(l *source.Line, startsAtZero bool) {
	c.stats.countLine(l)
	if l.Truncated {
		c.problems.note("line too long: cut", l.File, lineNumber(l.Number, startsAtZero), l.Offset)
	}
	if l.WrapperErr != nil {
		c.problems.note(l.WrapperErr.Error()+": passed on as written", l.File, lineNumber(l.Number, startsAtZero), l.Offset)
	}
}

func lineNumber(n int64, startsAtZero bool) int64 {
	if startsAtZero {
		return n
	}
	return 0
}

// work is one worker goroutine: it runs the chunks from work through their
// rules until work is closed, and hands the spans to the batcher. After the
// batcher refuses a span (ctx ended), the rest of that chunk is skipped.
func (c *core[T]) work(ctx context.Context, work <-chan *chunk, batcher *emit.Batcher[T], h hooks[T]) {
	procs := map[*ruleSet]*Processor{}
	for ch := range work {
		p := procs[ch.rules]
		if p == nil {
			if len(procs) > 64 {
				clear(procs) // rule sets of earlier reloads
			}
			p = NewProcessor(ch.rules.rules)
			procs[ch.rules] = p
		}
		if c.process(ctx, ch, p, batcher, h) && h.processed != nil {
			h.processed(ch)
		}
		recycle(ch)
	}
}

// process runs ch's lines through p; false when the batcher refused a span.
func (c *core[T]) process(ctx context.Context, ch *chunk, p *Processor, batcher *emit.Batcher[T], h hooks[T]) bool {
	var meta []linemeta.Value
	for i := range ch.lines {
		l := &ch.lines[i]
		meta = ch.lineMeta(l, meta)
		res := p.ProcessMeta(ch.data[l.start:l.end], meta)
		c.stats.count(&res, ch.rules.matched)
		switch {
		case res.Rule < 0 && res.Malformed != nil:
			c.problems.note("line matches no rule: "+res.Malformed.Error(), l.file, l.number, l.offset)
		case res.Rule < 0:
			c.problems.note("line matches no rule", l.file, l.number, l.offset)
		case res.Err != nil:
			c.problems.note(fmt.Sprintf("rule %s: line not mapped: %v", ch.rules.rules[res.Rule].Name, res.Err), l.file, l.number, l.offset)
		case res.Span != nil:
			if h.keep != nil && !h.keep(res.Span) {
				c.stats.OutOfRange.Add(1)
				continue
			}
			if h.adding != nil {
				h.adding(ch)
			}
			var tag T
			if h.tag != nil {
				tag = h.tag(ch)
			}
			if err := batcher.AddFrom(ctx, res.Span, ch.origin, tag); err != nil {
				if h.notAdded != nil {
					h.notAdded(ch)
				}
				return false
			}
		}
	}
	return true
}

// reported counts a batch's outcome and logs a failed export; the
// batcher calls it (through the caller's own done function) for every
// batch.
func (c *core[T]) reported(r emit.Result) {
	c.stats.SpansExported.Add(int64(r.Exported))
	c.stats.SpansRejected.Add(int64(r.Rejected))
	c.stats.SpansFailed.Add(int64(r.Failed))
	if r.Err != nil {
		c.log.Error("export failed", "spans_failed", r.Failed, "spans_rejected", r.Rejected, "attempts", r.Attempts, "err", r.Err)
	}
}

// ruleSet is the rules of one input and their match counters.
type ruleSet struct {
	rules   []*config.Rule
	matched []*ruleCount
}

// newRuleSet pairs rules with their counters in stats, which carry on
// across reloads by rule name.
func newRuleSet(rules []*config.Rule, stats *Stats) *ruleSet {
	return &ruleSet{rules: rules, matched: stats.counters(rules)}
}
