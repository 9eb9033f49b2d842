package pipeline

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/internal/source"
)

// Stats counts what happened to every line and span. Its counters are
// updated by several goroutines and may be read at any time.
type Stats struct {
	Files       atomic.Int64 // files opened
	FilesFailed atomic.Int64 // files that could not be opened or read to the end
	Lines       atomic.Int64
	Bytes       atomic.Int64 // bytes of lines, as decompressed
	Unmatched   atomic.Int64 // lines no rule matched
	Malformed   atomic.Int64 // unmatched lines that began as JSON but were not valid JSON
	Truncated   atomic.Int64 // lines cut at the length limit
	// NotRecords counts lines of a container log that were not records of
	// its format (source.Line.WrapperErr): passed on as written.
	NotRecords  atomic.Int64
	InvalidUTF8 atomic.Int64 // lines whose invalid UTF-8 was replaced
	MapErrors   atomic.Int64 // matched lines that could not become spans
	BadValues   atomic.Int64 // attribute values left out for not converting
	// InvalidTraceContext counts lines with a traceparent-shaped value that
	// failed validation (the span became a root).
	InvalidTraceContext atomic.Int64
	Unsampled           atomic.Int64 // lines whose parent was not sampled: no span
	// SampledOut counts spans the samplers dropped, every reason (the
	// unsampled parents included); per rule and reason in the summary.
	SampledOut    atomic.Int64
	OutOfRange    atomic.Int64 // spans left out by --since/--until
	SpansExported atomic.Int64
	SpansRejected atomic.Int64 // refused by the collector (partial success)
	SpansFailed   atomic.Int64 // not delivered
	// The daemon's own events.
	CheckpointWrites atomic.Int64
	CheckpointErrors atomic.Int64
	Reloads          atomic.Int64 // rules reloaded
	ReloadFailures   atomic.Int64 // reloads refused (invalid rules)
	ExportCalls      atomic.Int64 // export calls, retries included
	ExportRetries    atomic.Int64 // export calls that failed and will be retried

	mu    sync.Mutex
	rules []*ruleCount // lines matched per rule name, in first-seen order
}

// ruleCount counts the lines one rule matched. Counters are kept by rule
// name, so they carry on across a reload of the rules.
type ruleCount struct {
	name   string
	noSpan bool
	n      atomic.Int64
	// sampled counts the sampler's decisions by kind (dropped and kept by
	// a keep rule; Sampled is not counted).
	sampled [sampling.NumDecisions]atomic.Int64
}

// NewStats returns zeroed Stats, listing rules in the summary even when they
// match nothing.
func NewStats(rules []*config.Rule) *Stats {
	s := &Stats{}
	s.counters(rules)
	return s
}

// counters returns the match counters of rules, in their order, adding the
// rules not counted yet.
func (s *Stats) counters(rules []*config.Rule) []*ruleCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*ruleCount, len(rules))
	for i, r := range rules {
		var c *ruleCount
		for _, x := range s.rules {
			if x.name == r.Name {
				c = x
				break
			}
		}
		if c == nil {
			c = &ruleCount{name: r.Name}
			s.rules = append(s.rules, c)
		}
		c.noSpan = r.Mapper == nil
		out[i] = c
	}
	return out
}

// Matched returns how many lines the rule named matched.
func (s *Stats) Matched(rule string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.rules {
		if c.name == rule {
			return c.n.Load()
		}
	}
	return 0
}

// eachRule calls fn for every rule counted, in first-seen order.
func (s *Stats) eachRule(fn func(name string, noSpan bool, n int64)) {
	for _, c := range s.ruleCounts() {
		fn(c.name, c.noSpan, c.n.Load())
	}
}

func (s *Stats) ruleCounts() []*ruleCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*ruleCount(nil), s.rules...)
}

// eachSampled calls fn for every rule and sampler decision other than
// Sampled that happened at least once.
func (s *Stats) eachSampled(fn func(rule string, d sampling.Decision, n int64)) {
	for _, c := range s.ruleCounts() {
		for d := sampling.Sampled + 1; d < sampling.NumDecisions; d++ {
			if n := c.sampled[d].Load(); n > 0 {
				fn(c.name, d, n)
			}
		}
	}
}

// SampledOutBy returns how many spans of the rule named the samplers
// dropped (or kept by a keep rule) with decision d.
func (s *Stats) SampledOutBy(rule string, d sampling.Decision) int64 {
	for _, c := range s.ruleCounts() {
		if c.name == rule && d < sampling.NumDecisions {
			return c.sampled[d].Load()
		}
	}
	return 0
}

// countLine records one line read, before any rule sees it.
func (s *Stats) countLine(l *source.Line) {
	s.Lines.Add(1)
	s.Bytes.Add(int64(len(l.Data)))
	if l.Truncated {
		s.Truncated.Add(1)
	}
	if l.InvalidUTF8 {
		s.InvalidUTF8.Add(1)
	}
	if l.WrapperErr != nil {
		s.NotRecords.Add(1)
	}
}

// count records one processed line; matched are the counters of the rules
// the line was tried against (from counters).
func (s *Stats) count(res *Result, matched []*ruleCount) {
	if res.Rule < 0 {
		s.Unmatched.Add(1)
		if res.Malformed != nil {
			s.Malformed.Add(1)
		}
		return
	}
	rc := matched[res.Rule]
	rc.n.Add(1)
	if res.Err != nil {
		s.MapErrors.Add(1)
		return
	}
	if d := res.Sampling; d != sampling.Sampled {
		rc.sampled[d].Add(1)
		if d.Dropped() {
			s.SampledOut.Add(1)
		}
		if d == sampling.DropParentUnsampled && res.Outcome.Emit {
			s.Unsampled.Add(1) // the sampler's, not mapping's early drop
		}
	}
	o := res.Outcome
	if o.InvalidTraceContext {
		s.InvalidTraceContext.Add(1)
	}
	if o.Unsampled && !o.Emit {
		s.Unsampled.Add(1)
	}
	if o.BadValues > 0 {
		s.BadValues.Add(int64(o.BadValues))
	}
}

// Failed reports whether anything was lost: a file not read, or a span not
// delivered. Unmatched lines are not failures: they are reported.
func (s *Stats) Failed() bool {
	return s.FilesFailed.Load() > 0 || s.SpansFailed.Load() > 0 || s.SpansRejected.Load() > 0
}

// WriteSummary writes the end-of-run summary an operator reads.
func (s *Stats) WriteSummary(w io.Writer, elapsed time.Duration) {
	lines := s.Lines.Load()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(lines) / elapsed.Seconds()
	}
	fmt.Fprintf(w, "logspan: read %d lines (%s) from %d files in %s (%.0f lines/s)\n",
		lines, byteSize(s.Bytes.Load()), s.Files.Load(), elapsed.Round(time.Millisecond), rate)
	s.eachRule(func(name string, noSpan bool, n int64) {
		note := ""
		if noSpan {
			note = " (counted, no spans)"
		}
		fmt.Fprintf(w, "  matched %-22s %d%s\n", name, n, note)
	})
	fmt.Fprintf(w, "  unmatched                      %d\n", s.Unmatched.Load())
	if n := s.Malformed.Load(); n > 0 {
		fmt.Fprintf(w, "    of which malformed JSON      %d\n", n)
	}
	for _, c := range []struct {
		name string
		n    int64
	}{
		{"not mapped (bad values)", s.MapErrors.Load()},
		{"truncated (too long)", s.Truncated.Load()},
		{"invalid UTF-8 replaced", s.InvalidUTF8.Load()},
		{"not container log records", s.NotRecords.Load()},
		{"invalid trace context", s.InvalidTraceContext.Load()},
		{"unsampled parent, no span", s.Unsampled.Load()},
		{"outside --since/--until", s.OutOfRange.Load()},
		{"attribute values dropped", s.BadValues.Load()},
		{"files not read", s.FilesFailed.Load()},
	} {
		if c.n > 0 {
			fmt.Fprintf(w, "  %-30s %d\n", c.name, c.n)
		}
	}
	s.eachSampled(func(rule string, d sampling.Decision, n int64) {
		what := "sampled out"
		if !d.Dropped() {
			what = "kept by rule"
		}
		fmt.Fprintf(w, "  %-12s %-17s %-16s %d\n", what, rule, d, n)
	})
	fmt.Fprintf(w, "  spans exported                 %d\n", s.SpansExported.Load())
	if n := s.SpansRejected.Load(); n > 0 {
		fmt.Fprintf(w, "  spans rejected by collector    %d\n", n)
	}
	fmt.Fprintf(w, "  spans failed                   %d\n", s.SpansFailed.Load())
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
