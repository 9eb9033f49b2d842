package emit

import (
	"testing"
	"time"
)

func TestBackoffGrowsToCap(t *testing.T) {
	rc := Config{}.withDefaults().Retry
	if rc.Initial != 500*time.Millisecond || rc.Max != 30*time.Second || rc.MaxElapsed != 5*time.Minute {
		t.Fatalf("defaults %+v", rc)
	}
	for _, rnd := range []func(int64) int64{
		func(int64) int64 { return 0 },
		func(n int64) int64 { return n - 1 },
	} {
		for attempt := 1; attempt <= 12; attempt++ {
			full := min(rc.Initial<<(attempt-1), rc.Max)
			if w := backoffWait(rc, attempt, rnd); w < full/2 || w >= full {
				t.Errorf("attempt %d: wait %v, want in [%v, %v)", attempt, w, full/2, full)
			}
		}
	}
}
