package pipeline

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/logspan/logspan/emit"
)

// Health says whether exports are succeeding, for /healthz.
type Health struct {
	failingSince atomic.Int64 // unix nanoseconds of the first failure in a row; 0 when healthy
}

// Observe records one export call (emit.Config.Observe).
func (h *Health) Observe(a emit.Attempt, now time.Time) {
	if a.Err == nil {
		h.failingSince.Store(0)
		return
	}
	h.failingSince.CompareAndSwap(0, now.UnixNano())
}

// Check returns an error when exports have been failing for longer than
// after.
func (h *Health) Check(now time.Time, after time.Duration) error {
	since := h.failingSince.Load()
	if since == 0 {
		return nil
	}
	failing := now.Sub(time.Unix(0, since))
	if failing < after {
		return nil
	}
	return errors.New("exports have been failing for " + failing.Round(time.Second).String())
}
