package pipeline

import (
	"log/slog"
	"sync/atomic"
)

// lineLog logs the first problem lines one by one and then only counts
// them, so a garbage file does not flood the journal.
type lineLog struct {
	log *slog.Logger
	n   atomic.Int64
}

// maxLogged is how many problem lines are logged one by one.
const maxLogged = 10

func (ll *lineLog) note(msg string, l chunkLine) {
	n := ll.n.Add(1)
	if n <= maxLogged {
		ll.log.Warn(msg, "file", l.file, "line", l.number)
	}
	if n == maxLogged {
		ll.log.Warn("further unmatched or unmapped lines are counted, not logged; `logspan test FILE` shows each")
	}
}
