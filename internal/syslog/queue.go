package syslog

import (
	"context"
	"sync"
)

// Queue holds messages between the sockets and the pipeline, bounded both
// in messages and in bytes, and allocates nothing once made: message bytes
// are copied into one ring of bytes. Datagram listeners Offer, and a
// message that does not fit is refused (the listener counts it dropped:
// the sender cannot be told to wait); TCP connections Push, which waits for
// room, so a full queue stops them reading. One consumer Takes a batch and
// Releases it once the pipeline has copied it.
type Queue struct {
	mu      sync.Mutex
	buf     []byte   // the message bytes, used as a ring
	recs    []record // the messages, a ring of len(recs)
	head    int      // oldest message in recs
	n       int      // messages queued, taken ones included
	taken   int      // the oldest messages handed out by Take, not yet released
	w       int      // where the next message's bytes go in buf
	wrapped bool     // w is before the oldest message's bytes
	ready   chan struct{}
	room    chan struct{} // closed when a Release makes room, if waiters != 0
	waiters int
}

type record struct {
	off, len int
	cut      bool
}

// Message is a message taken from the queue. Data is valid until Release.
type Message struct {
	Data []byte
	Cut  bool // the sender's message was longer and cut at the limit
}

// NewQueue returns a Queue of at most messages messages and bytes bytes;
// bytes is raised to maxMessage, so that every message fits once the
// queue is empty.
func NewQueue(messages, bytes, maxMessage int) *Queue {
	return &Queue{
		buf:   make([]byte, max(bytes, maxMessage)),
		recs:  make([]record, max(messages, 1)),
		ready: make(chan struct{}, 1),
		room:  make(chan struct{}),
	}
}

// Offer queues a copy of msg and reports whether there was room. Empty
// messages are not queued (they would make no line) and count as queued.
func (q *Queue) Offer(msg []byte, cut bool) bool {
	q.mu.Lock()
	ok := q.put(msg, cut)
	q.mu.Unlock()
	if ok {
		q.signal()
	}
	return ok
}

// Push queues a copy of msg, waiting for room until ctx ends; it returns
// ctx's error then. msg must not be longer than the queue's maxMessage.
func (q *Queue) Push(ctx context.Context, msg []byte, cut bool) error {
	for {
		q.mu.Lock()
		if q.put(msg, cut) {
			q.mu.Unlock()
			q.signal()
			return nil
		}
		q.waiters++
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			q.mu.Lock()
			q.waiters--
			q.mu.Unlock()
			return ctx.Err()
		}
		q.mu.Lock()
		q.waiters--
		q.mu.Unlock()
	}
}

// put copies msg into the ring if it fits. Called with mu held.
func (q *Queue) put(msg []byte, cut bool) bool {
	size := len(msg)
	if size == 0 {
		return true
	}
	if q.n == len(q.recs) {
		return false
	}
	if q.n == 0 {
		q.w, q.wrapped = 0, false
	}
	oldest := q.recs[q.head].off // meaningless when n == 0, unused then
	at := -1
	switch {
	case !q.wrapped && q.w+size <= len(q.buf):
		at = q.w
	case !q.wrapped && size <= oldest:
		at, q.wrapped = 0, true // the end of buf is too short: start over
	case q.wrapped && q.w+size <= oldest:
		at = q.w
	default:
		return false
	}
	copy(q.buf[at:], msg)
	q.recs[(q.head+q.n)%len(q.recs)] = record{off: at, len: size, cut: cut}
	q.n++
	q.w = at + size
	return true
}

// signal wakes the consumer.
func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Take waits until a message is queued that was not taken yet, then
// appends up to limit of them to dst[:0]. Their bytes stay valid until
// Release. It returns ctx's error once ctx ends. Only one goroutine may
// take, and it releases a batch before it takes the next.
func (q *Queue) Take(ctx context.Context, dst []Message, limit int) ([]Message, error) {
	dst = dst[:0]
	for {
		q.mu.Lock()
		for q.taken < q.n && len(dst) < limit {
			r := q.recs[(q.head+q.taken)%len(q.recs)]
			dst = append(dst, Message{Data: q.buf[r.off : r.off+r.len : r.off+r.len], Cut: r.cut})
			q.taken++
		}
		q.mu.Unlock()
		if len(dst) > 0 {
			return dst, nil
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return dst, ctx.Err()
		}
	}
}

// Release frees the messages of the last Take, making room.
func (q *Queue) Release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.taken == 0 {
		return
	}
	before := q.recs[q.head].off
	q.head = (q.head + q.taken) % len(q.recs)
	q.n -= q.taken
	q.taken = 0
	if q.n > 0 && q.recs[q.head].off < before {
		q.wrapped = false // the oldest message is now in the part that wrapped
	}
	if q.waiters > 0 {
		close(q.room)
		q.room = make(chan struct{})
	}
}

// Len is the number of messages queued, taken ones included.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
