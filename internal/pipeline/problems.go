package pipeline

import (
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// problemLog logs problem lines (no rule matched, not mapped, cut for
// length) at a bounded rate: the first few one by one, then one now and
// then, each saying how many were left out since the one before. A garbage
// file or a wrong rule must not flood the journal, and a daemon running
// for months must still show its problems today, not only its first ten.
// Every problem line is counted in the Stats whatever is logged.
type problemLog struct {
	log     *slog.Logger
	every   rate.Sometimes
	skipped atomic.Int64
	hinted  atomic.Bool // the rate limit was explained
}

// problemsFirst lines are logged one by one; then one per problemsEvery.
const (
	problemsFirst = 10
	problemsEvery = 30 * time.Second
)

func newProblemLog(log *slog.Logger) *problemLog {
	return &problemLog{log: log, every: rate.Sometimes{First: problemsFirst, Interval: problemsEvery}}
}

// note logs (or counts as left out) a problem with a line of file at
// offset. number is the line's number, given when it counts from the
// file's start (0: reading began elsewhere, so it would mislead).
func (p *problemLog) note(msg, file string, number, offset int64) {
	logged := false
	p.every.Do(func() {
		logged = true
		attrs := []any{"file", file, "offset", offset}
		if number > 0 {
			attrs = append(attrs, "line", number)
		}
		if n := p.skipped.Swap(0); n > 0 {
			attrs = append(attrs, "not_logged_since_last", n)
		}
		p.log.Warn(msg, attrs...)
	})
	if !logged && p.skipped.Add(1) == 1 && p.hinted.CompareAndSwap(false, true) {
		p.log.Warn("further problem lines are counted and logged at most every " + problemsEvery.String() + "; `logspan test FILE` shows each")
	}
}
