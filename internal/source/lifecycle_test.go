package source

import (
	"testing"
	"time"
)

func TestLifecycleTransitions(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	const wait = 15 * time.Second
	tests := []struct {
		from       lifeState
		orphanedAt time.Duration // since t0, for an orphaned file
		grewAt     time.Duration // since t0
		ev         lifeEvent
		at         time.Duration // since t0
		to         lifeState
		do         lifeAction
	}{
		{following, 0, 0, grew, 1 * time.Second, following, none},
		{following, 0, 0, stillThere, 20 * time.Second, following, none},
		{following, 0, 0, replaced, time.Second, orphaned, countRotation},
		{following, 0, 0, renamedAway, time.Second, orphaned, countRotation},
		{following, 0, 0, deleted, time.Second, orphaned, countDeletion},
		{following, 0, 0, truncated, time.Second, following, restart},
		{following, 0, 0, foundAgain, time.Second, following, none},
		{following, 0, 0, unmatched, time.Second, letGo, release},
		// Orphaned: read on while it grows or until rotate_wait has passed
		// since both the orphaning and the last growth.
		{orphaned, 0, 0, grew, 20 * time.Second, orphaned, none},
		{orphaned, 0, 0, replaced, 10 * time.Second, orphaned, none},
		{orphaned, 0, 0, replaced, 15 * time.Second, letGo, release},
		{orphaned, 0, 0, deleted, 15 * time.Second, letGo, release},
		{orphaned, 0, 0, renamedAway, 16 * time.Second, letGo, release},
		{orphaned, 0, 0, stillThere, 15 * time.Second, letGo, release},
		{orphaned, 0, 10 * time.Second, deleted, 20 * time.Second, orphaned, none}, // grew 10 s ago
		{orphaned, 10 * time.Second, 0, deleted, 20 * time.Second, orphaned, none}, // orphaned 10 s ago
		{orphaned, 0, 0, truncated, 20 * time.Second, orphaned, restart},
		{orphaned, 0, 0, foundAgain, 20 * time.Second, following, none}, // rotated within the glob
		{orphaned, 0, 0, unmatched, time.Second, letGo, release},
		{letGo, 0, 0, grew, time.Second, letGo, none},
		{letGo, 0, 0, unmatched, time.Second, letGo, none},
		{letGo, 0, 0, foundAgain, time.Second, letGo, none},
	}
	for _, tt := range tests {
		lc := lifecycle{state: tt.from, grew: t0.Add(tt.grewAt)}
		if tt.from == orphaned {
			lc.orphaned = t0.Add(tt.orphanedAt)
		}
		do := lc.on(tt.ev, t0.Add(tt.at), wait)
		if lc.state != tt.to || do != tt.do {
			t.Errorf("%s (orphaned at %v, grew at %v) + %s at %v: %s, %s; want %s, %s",
				tt.from, tt.orphanedAt, tt.grewAt, tt.ev, tt.at, lc.state, do, tt.to, tt.do)
		}
	}
}

func TestLifecycleFollowsAFileThroughARotation(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	lc := lifecycle{grew: t0}
	steps := []struct {
		ev lifeEvent
		at time.Duration
		do lifeAction
	}{
		{grew, time.Second, none},
		{replaced, 2 * time.Second, countRotation}, // logrotate renamed it, made a new one
		{grew, 3 * time.Second, none},              // the writer has not reopened yet
		{replaced, 10 * time.Second, none},
		{replaced, 17 * time.Second, none}, // 15 s since orphaned, 14 s since it grew
		{replaced, 18 * time.Second, release},
		{grew, 19 * time.Second, none}, // let go: nothing more happens
	}
	for i, s := range steps {
		if do := lc.on(s.ev, t0.Add(s.at), 15*time.Second); do != s.do {
			t.Fatalf("step %d (%s at %v): %s, want %s", i, s.ev, s.at, do, s.do)
		}
	}
	if lc.state != letGo {
		t.Errorf("state %s, want let go", lc.state)
	}
}
