package source

import (
	"fmt"
	"time"
)

// lifecycle is where one followed file stands between being found and
// being let go, as a small state machine: the Tailer observes the file at
// each poll (did it grow? where does its path lead?) and feeds the
// observation in as an event; the transition says what to do. Keeping the
// decisions here, apart from the reading and the system calls, lets a table
// test cover every one.
type lifecycle struct {
	state lifeState
	// orphaned is when the file's path stopped leading to it.
	orphaned time.Time
	// grew is when the file last grew.
	grew time.Time
}

// lifeState is a followed file's state.
type lifeState int

const (
	// following: the file's path leads to it; it is read as it grows.
	following lifeState = iota
	// orphaned: rotated away or deleted. Its writer may still append
	// through an open descriptor, so it is read on until it has been idle
	// for rotate_wait.
	orphaned
	// letGo: read to its end and closed.
	letGo
)

func (s lifeState) String() string {
	switch s {
	case following:
		return "following"
	case orphaned:
		return "orphaned"
	case letGo:
		return "let go"
	}
	return fmt.Sprintf("lifeState(%d)", int(s))
}

// lifeEvent is what a poll or a discovery observed of the file.
type lifeEvent int

const (
	// grew: the file is longer than at the last poll. Its path is not
	// looked at: a rotation only matters once the file stops growing.
	grew lifeEvent = iota
	// stillThere: idle, and its path still leads to it.
	stillThere
	// replaced: idle, and its path leads to another file (create-mode
	// rotation: renamed, and a new file made in its place).
	replaced
	// renamedAway: idle, its path leads nowhere, and the file still has a
	// name (renamed out of the way, nothing in its place yet).
	renamedAway
	// deleted: idle, its path leads nowhere, and the file has no name left.
	deleted
	// truncated: the file is shorter than what was read, or was rewritten
	// in place (copytruncate).
	truncated
	// foundAgain: discovery found it under a name of the inputs.
	foundAgain
	// unmatched: no input matches it any more (a reload).
	unmatched
)

func (e lifeEvent) String() string {
	return [...]string{"grew", "still there", "replaced", "renamed away", "deleted", "truncated", "found again", "unmatched"}[e]
}

// lifeAction is what the Tailer does after a transition.
type lifeAction int

const (
	none lifeAction = iota
	// countRotation and countDeletion count the file's orphaning, for the
	// metrics, and log it.
	countRotation
	countDeletion
	// restart reads the file again from its start (and counts a
	// truncation).
	restart
	// release reads what is left and lets the file go.
	release
)

func (a lifeAction) String() string {
	return [...]string{"none", "count rotation", "count deletion", "restart", "release"}[a]
}

// on applies ev, observed at now, and says what to do. An orphaned file is
// released once it has been orphaned and idle for wait.
func (lc *lifecycle) on(ev lifeEvent, now time.Time, wait time.Duration) lifeAction {
	if lc.state == letGo {
		return none
	}
	switch ev {
	case unmatched:
		lc.state = letGo
		return release
	case truncated:
		lc.grew = now
		return restart
	case foundAgain:
		lc.state, lc.orphaned = following, time.Time{}
		return none
	case grew:
		lc.grew = now
		return none
	}
	if lc.state == following {
		switch ev {
		case replaced, renamedAway:
			lc.state, lc.orphaned = orphaned, now
			return countRotation
		case deleted:
			lc.state, lc.orphaned = orphaned, now
			return countDeletion
		}
		return none
	}
	// Orphaned and idle this poll.
	if now.Sub(lc.orphaned) >= wait && now.Sub(lc.grew) >= wait {
		lc.state = letGo
		return release
	}
	return none
}
