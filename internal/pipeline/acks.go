package pipeline

import (
	"sync"
	"time"

	"github.com/logspan/logspan/internal/checkpoint"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/fileid"
)

// acks turns the collector's acknowledgements into checkpoint offsets.
//
// Lines are read in chunks, each chunk one ticket covering a byte range of
// one file. A ticket is done once a worker has processed every line of it
// and the collector has acknowledged (or rejected) every span it made.
// Batches complete out of order, so a file's acknowledged offset is the
// start of its oldest ticket not yet done: everything before it is
// delivered, whatever happened after it.
type acks struct {
	mu sync.Mutex
	// live are the files being followed, by ID.
	live map[uint64]*ackQueue
	// released are files let go this run, kept so that their offsets are
	// saved until forgotten and so that the same file found again under
	// another name continues their queue.
	released map[*fileid.Known]*ackQueue
	// retained are checkpoint entries from startup not matched to a file
	// yet (a rotated file not found so far); they are saved as they were.
	retained map[*fileid.Known]checkpoint.Entry
	// hold makes a failed ticket stop its file's offset (at shutdown, when
	// batches are abandoned and must be read again after the restart);
	// otherwise a failed ticket is counted as dropped and passed.
	hold bool
	// dropped counts spans given up on while running (exporter.retry.
	// max_elapsed was set): they are not sent again.
	dropped int64
	// streams are the queues of streams that can resume, by key.
	streams map[string]*ackQueue
}

// ackQueue is the acknowledgement state of one file's content, or of one
// stream's lines.
type ackQueue struct {
	file *source.Followed // nil once released, and for a stream
	// entry describes the file for the checkpoint once it is released.
	entry checkpoint.Entry
	// pushed is the end of the last ticket handed out.
	pushed int64
	queue  []*ticket
	// acked is, for a stream, the Position of the last line delivered
	// together with every line before it (see Stream).
	acked string
}

// ticket is one chunk of lines of one file or stream.
type ticket struct {
	fa         *ackQueue
	start, end int64
	// position is, for a stream's chunk, its last line's Position.
	position  string
	pending   int // spans handed to the exporter and not yet reported
	processed bool
	failed    bool
}

func newAcks(known map[*fileid.Known]checkpoint.Entry) *acks {
	return &acks{live: map[uint64]*ackQueue{}, released: map[*fileid.Known]*ackQueue{}, retained: known}
}

// open starts tracking a file the tailer opened.
func (a *acks) open(f *source.Followed) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f.Resumed != nil {
		delete(a.retained, f.Resumed)
		if fa, ok := a.released[f.Resumed]; ok {
			// The same content found again (a rotated log, compressed):
			// its unacknowledged lines still hold the offset back.
			delete(a.released, f.Resumed)
			fa.file = f
			a.live[f.ID] = fa
			return
		}
	}
	a.live[f.ID] = &ackQueue{file: f, pushed: f.Start}
}

// close stops tracking f as live; k is what the tailer remembers of it
// (for a truncated file, its content before the truncation, which
// copytruncate's copy may still hold).
func (a *acks) close(f *source.Followed, _ source.Reason, k *fileid.Known) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fa := a.live[f.ID]
	delete(a.live, f.ID)
	if fa == nil || k == nil {
		return
	}
	fa.entry = entryOf(k.Path, f.Identity(), 0, k.Seen)
	fa.entry.Finished = k.Finished
	fa.file = nil
	a.released[k] = fa
}

// push hands out the ticket for a chunk of f covering [start, end).
func (a *acks) push(f *source.Followed, start, end int64) *ticket {
	a.mu.Lock()
	defer a.mu.Unlock()
	fa := a.live[f.ID]
	if fa == nil {
		fa = &ackQueue{file: f, pushed: start}
		a.live[f.ID] = fa
	}
	t := &ticket{fa: fa, start: start, end: end}
	fa.queue = append(fa.queue, t)
	fa.pushed = end
	return t
}

// stream starts tracking a stream whose acknowledged position is from
// (saved by the last run); a stream without key is tracked but not saved.
func (a *acks) stream(key, from string) *ackQueue {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := &ackQueue{acked: from}
	if key != "" {
		if a.streams == nil {
			a.streams = map[string]*ackQueue{}
		}
		a.streams[key] = q
	}
	return q
}

// pushStream hands out the ticket for a chunk of a stream whose last line
// is at position.
func (a *acks) pushStream(q *ackQueue, position string) *ticket {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := &ticket{fa: q, position: position}
	q.queue = append(q.queue, t)
	return t
}

// positions returns the acknowledged position of every stream that can
// resume, by key, over those saved before (kept for streams not configured
// now, so that taking an input out for a while does not lose its place).
func (a *acks) positions(saved map[string]string) map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(saved)+len(a.streams))
	for k, p := range saved {
		out[k] = p
	}
	for k, q := range a.streams {
		if q.acked != "" {
			out[k] = q.acked
		}
	}
	return out
}

// hasStreams says a stream that can resume is tracked.
func (a *acks) hasStreams() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.streams) > 0
}

// adding records a span of t handed to the exporter.
func (a *acks) adding(t *ticket) {
	a.mu.Lock()
	t.pending++
	a.mu.Unlock()
}

// notAdded takes back adding for a span the exporter did not take.
func (a *acks) notAdded(t *ticket) {
	a.mu.Lock()
	t.pending--
	t.failed = true
	a.mu.Unlock()
}

// processed records that every line of t went through the rules.
func (a *acks) processed(t *ticket) {
	a.mu.Lock()
	t.processed = true
	a.advance(t.fa)
	a.mu.Unlock()
}

// reported records the outcome of a batch whose spans came from tickets.
func (a *acks) reported(tickets []*ticket, failed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range tickets {
		t.pending--
		if failed {
			t.failed = true
		}
	}
	for _, t := range tickets {
		a.advance(t.fa)
	}
}

// advance pops the done tickets at the head of fa's queue.
func (a *acks) advance(fa *ackQueue) {
	for len(fa.queue) > 0 {
		t := fa.queue[0]
		if !t.processed || t.pending > 0 {
			return
		}
		if t.failed {
			if a.hold {
				return
			}
			a.dropped++
		}
		if t.position != "" {
			fa.acked = t.position
		}
		fa.queue[0] = nil
		fa.queue = fa.queue[1:]
	}
}

// offset is fa's acknowledged offset.
func (fa *ackQueue) offset() int64 {
	if len(fa.queue) > 0 {
		return fa.queue[0].start
	}
	return fa.pushed
}

// holdFailed makes failed tickets stop their file's offset from now on.
func (a *acks) holdFailed() {
	a.mu.Lock()
	a.hold = true
	a.mu.Unlock()
}

// acked returns the acknowledged offset of a live file (for metrics).
func (a *acks) acked(id uint64) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fa, ok := a.live[id]
	if !ok {
		return 0, false
	}
	return fa.offset(), true
}

// entries returns what to save: every live file, every released file and
// every startup entry not matched yet, each with its acknowledged offset.
// Released and retained entries older than forget are left out for good.
func (a *acks) entries(now time.Time, forget time.Duration) []checkpoint.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Seen moves by the minute only: Save writes nothing when nothing moved.
	seen := now.Truncate(time.Minute)
	var out []checkpoint.Entry
	for _, fa := range a.live {
		f := fa.file
		out = append(out, entryOf(f.Path(), f.Identity(), fa.offset(), seen))
	}
	for k, fa := range a.released {
		if now.Sub(fa.entry.Seen) > forget {
			delete(a.released, k)
			continue
		}
		e := fa.entry
		e.Offset = fa.offset()
		out = append(out, e)
	}
	for k, e := range a.retained {
		if now.Sub(e.Seen) > forget {
			delete(a.retained, k)
			continue
		}
		out = append(out, e)
	}
	return out
}

// entryOf is the checkpoint entry of a file's content.
func entryOf(path string, id fileid.ID, offset int64, seen time.Time) checkpoint.Entry {
	return checkpoint.Entry{Path: path, ID: id, Offset: offset, Seen: seen}
}
