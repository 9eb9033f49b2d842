package pipeline

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
)

// Stream is an input whose lines arrive as they are produced instead of
// being read from files: the systemd journal, a syslog socket. The daemon
// reads every stream on a goroutine of its own, runs its lines through the
// stream's rules like a file's, and keeps, per stream, the Position of the
// last line that was delivered together with every line before it, so that
// a stream that can replay (the journal) resumes there after a restart.
type Stream interface {
	// Key names the stream in the state directory, stable across
	// restarts (e.g. "journal:haproxy.service"); "" means the stream
	// cannot resume, and nothing is kept (syslog).
	Key() string
	// Run reads lines until ctx ends, starting just after position from
	// ("" = where the input starts by its own configuration). It hands
	// the lines at hand to deliver, in order, at least one at a time;
	// deliver copies them, so the slice and the bytes may be reused once
	// it returns. deliver blocks while the pipeline is full (the
	// backpressure) and fails only once ctx has ended; Run then returns.
	// Run returns before ctx ends only for a problem it cannot recover
	// from, which the daemon logs.
	Run(ctx context.Context, from string, deliver func([]source.Line) error) error
}

// StreamInput is a stream and the rules its lines go through.
type StreamInput struct {
	// Name names the stream in messages (and is the File of its lines
	// when the stream gives none), e.g. "journal haproxy.service"; unique
	// among the daemon's streams, as ReloadStream finds a stream by it.
	Name   string
	Stream Stream
	Rules  []*config.Rule
}

// setStreams gives every stream its starting rules.
func (d *Daemon) setStreams() {
	d.streamSets = make(map[string]*atomic.Pointer[ruleSet], len(d.Streams))
	for _, s := range d.Streams {
		p := &atomic.Pointer[ruleSet]{}
		p.Store(newRuleSet(s.Rules, d.Stats))
		d.streamSets[s.Name] = p
	}
}

// ReloadStream replaces the rules of the stream whose StreamInput.Name is
// name: the lines it delivers from then on go through them, while lines
// already read finish with the rules they were read under. Its position
// and its reading are untouched. False when the daemon runs no stream of
// that name (streams are opened at startup, so a new one needs a
// restart). It waits until Run has started, or ctx ends.
func (d *Daemon) ReloadStream(ctx context.Context, name string, rules []*config.Rule) (bool, error) {
	select {
	case <-d.Started():
	case <-ctx.Done():
		return false, ctx.Err()
	}
	p := d.streamSets[name]
	if p == nil {
		return false, nil
	}
	p.Store(newRuleSet(rules, d.Stats))
	return true, nil
}

// runStreams starts a reading goroutine per stream; wait returns once all
// have stopped, which they do when ctx ends.
func (d *Daemon) runStreams(ctx context.Context, work chan<- *chunk) (wait func()) {
	var wg sync.WaitGroup
	for _, s := range d.Streams {
		q := d.acks.stream(s.Stream.Key(), d.positions[s.Stream.Key()])
		set := d.streamSets[s.Name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.readStream(ctx, s, set, q, work)
		}()
	}
	return wg.Wait
}

// readStream runs one stream, turning what it delivers into chunks with
// tickets on the stream's queue.
func (d *Daemon) readStream(ctx context.Context, s StreamInput, set *atomic.Pointer[ruleSet], q *ackQueue, work chan<- *chunk) {
	var cur *chunk
	send := func() error {
		c := cur
		cur = nil
		c.ticketed(d.acks.pushStream(q, c.position))
		select {
		case work <- c:
			return nil
		case <-ctx.Done():
			// Never handed to a worker: its ticket stays undone, so the
			// stream's position stays before its lines.
			recycle(c)
			return ctx.Err()
		}
	}
	deliver := func(lines []source.Line) error {
		for i := range lines {
			l := lines[i]
			if l.File == "" {
				l.File = s.Name
			}
			if cur != nil && cur.full(&l) {
				if err := send(); err != nil {
					return err
				}
			}
			if cur == nil {
				cur = newChunk(set.Load(), nil, 0)
			}
			d.core.read(&l, false)
			cur.add(&l, false)
		}
		if cur == nil {
			return ctx.Err()
		}
		return send()
	}
	from := q.acked
	err := s.Stream.Run(ctx, from, deliver)
	if ctx.Err() == nil {
		d.Log.Error("input stopped: its lines are no longer read until logspan restarts", "input", s.Name, "err", err)
	}
}
