package syslog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

func offerAll(q *Queue, msgs ...string) (accepted int) {
	for _, m := range msgs {
		if q.Offer([]byte(m), false) {
			accepted++
		}
	}
	return accepted
}

func take(t *testing.T, q *Queue, limit int) []string {
	t.Helper()
	ms, err := q.Take(context.Background(), nil, limit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Data))
	}
	return out
}

func TestQueueBoundInMessages(t *testing.T) {
	q := NewQueue(3, 1<<10, 100)
	if n := offerAll(q, "a", "b", "c", "d", "e"); n != 3 {
		t.Fatalf("accepted %d of 5 messages in a queue of 3", n)
	}
	if got := fmt.Sprint(take(t, q, 2)); got != "[a b]" {
		t.Fatalf("took %s, want [a b]", got)
	}
	// Taken but not released: still no room.
	if q.Offer([]byte("f"), false) {
		t.Fatal("a message fit while the queue was full of taken messages")
	}
	q.Release()
	if n := offerAll(q, "f", "g", "h"); n != 2 {
		t.Fatalf("accepted %d after releasing 2, want 2", n)
	}
	if got := fmt.Sprint(take(t, q, 10)); got != "[c f g]" {
		t.Fatalf("took %s, want [c f g]", got)
	}
}

func TestQueueBoundInBytes(t *testing.T) {
	q := NewQueue(100, 10, 4)
	if n := offerAll(q, "aaaa", "bbbb", "cccc"); n != 2 {
		t.Fatalf("accepted %d messages of 4 bytes in 10 bytes, want 2", n)
	}
	if !q.Offer([]byte("dd"), false) || q.Offer([]byte("e"), false) {
		t.Fatal("the last 2 bytes should take a message of 2 and then nothing")
	}
	if got := fmt.Sprint(take(t, q, 1)); got != "[aaaa]" {
		t.Fatalf("took %s", got)
	}
	q.Release()
	// aaaa's 4 bytes are free at the start of the ring: a message wraps there.
	if !q.Offer([]byte("ffff"), true) || q.Offer([]byte("g"), false) {
		t.Fatal("a message of 4 should wrap into the 4 bytes freed, and fill the queue")
	}
	ms, _ := q.Take(context.Background(), nil, 10)
	if got := fmt.Sprint(ms); got != fmt.Sprint([]Message{{[]byte("bbbb"), false}, {[]byte("dd"), false}, {[]byte("ffff"), true}}) {
		t.Fatalf("took %s", got)
	}
	q.Release()
	if q.Len() != 0 || !q.Offer([]byte("hhhh"), false) {
		t.Fatal("an empty queue must take a message of the largest size")
	}
}

func TestQueueLargestMessageFitsWhenEmpty(t *testing.T) {
	q := NewQueue(10, 1, 8) // bytes raised to the largest message
	if !q.Offer([]byte("12345678"), false) {
		t.Fatal("a message of maxMessage bytes did not fit an empty queue")
	}
}

// TestQueueAgainstModel runs random offers, takes and releases and checks
// that messages come out in order, intact until released, and that the
// bounds hold.
func TestQueueAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const msgs, bytes, largest = 7, 64, 20
	q := NewQueue(msgs, bytes, largest)
	var queued []string // what the queue should hold, oldest first
	var taken []Message
	var takenWant []string
	next := 0
	for step := 0; step < 20000; step++ {
		switch op := rng.IntN(3); {
		case op == 0 || op == 1 && len(queued) == 0:
			m := fmt.Sprintf("%d:%s", next, "xxxxxxxxxxxxxxxxxxxx"[:rng.IntN(15)])
			next++
			ok := q.Offer([]byte(m), false)
			if ok {
				queued = append(queued, m)
			}
			if len(queued) > msgs {
				t.Fatalf("step %d: %d messages queued, bound %d", step, len(queued), msgs)
			}
			if !ok && len(queued) == 0 {
				t.Fatalf("step %d: an empty queue refused %q", step, m)
			}
			// The free bytes are in at most two pieces, or one and the
			// end left unused when the ring wrapped (shorter than the
			// largest message): a refusal with more free is a leak.
			if used := usedBytes(queued); !ok && len(queued) < msgs && bytes-used >= len(m)+largest {
				t.Fatalf("step %d: refused %q with %d of %d bytes free", step, m, bytes-used, bytes)
			}
		case op == 1 && taken == nil:
			limit := 1 + rng.IntN(4)
			ms, err := q.Take(context.Background(), nil, limit)
			if err != nil {
				t.Fatal(err)
			}
			want := queued[:min(limit, len(queued))]
			for i, m := range ms {
				if i >= len(want) || string(m.Data) != want[i] {
					t.Fatalf("step %d: took %v, want %q", step, ms, want)
				}
			}
			taken, takenWant = ms, want
		default:
			for i, m := range taken {
				if string(m.Data) != takenWant[i] {
					t.Fatalf("step %d: taken message %q overwritten with %q before Release", step, takenWant[i], m.Data)
				}
			}
			q.Release()
			queued = queued[len(taken):]
			taken = nil
		}
		if used := usedBytes(queued); used > bytes {
			t.Fatalf("step %d: %d bytes queued, bound %d", step, used, bytes)
		}
	}
}

func TestQueuePushWaitsForRoom(t *testing.T) {
	q := NewQueue(1, 100, 10)
	ctx := context.Background()
	if err := q.Push(ctx, []byte("a"), false); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, m := range []string{"b", "c"} {
		go func() { done <- q.Push(ctx, []byte(m), false) }()
	}
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return q.waiters == 2 })
	select {
	case err := <-done:
		t.Fatalf("Push returned %v while the queue was full", err)
	default:
	}
	for range 2 {
		if got := take(t, q, 10); len(got) != 1 {
			t.Fatalf("took %v, want one message", got)
		}
		q.Release()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := take(t, q, 10); len(got) != 1 || got[0] != "b" && got[0] != "c" {
		t.Fatalf("took %v, want the last message pushed", got)
	}
}

func TestQueuePushAndTakeEndWithTheContext(t *testing.T) {
	q := NewQueue(1, 100, 10)
	q.Offer([]byte("a"), false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Push(ctx, []byte("b"), false) }()
	waitFor(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return q.waiters == 1 })
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Push returned %v, want context.Canceled", err)
	}
	take(t, q, 1)
	q.Release()
	if _, err := q.Take(ctx, nil, 1); err != context.Canceled {
		t.Fatalf("Take on an empty queue returned %v, want context.Canceled", err)
	}
}

func TestQueueAllocatesNothing(t *testing.T) {
	q := NewQueue(100, 1<<10, 100)
	msg := []byte(haproxyHTTP[:90])
	batch := make([]Message, 0, 10)
	if n := testing.AllocsPerRun(100, func() {
		q.Offer(msg, false)
		batch, _ = q.Take(context.Background(), batch, 10)
		q.Release()
	}); n != 0 {
		t.Errorf("offer, take, release: %v allocations", n)
	}
}

// waitFor yields until cond holds: for a goroutine to reach a blocking
// call, without sleeping.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 1e7 {
			t.Fatal("condition never held")
		}
		runtime.Gosched()
	}
}

func usedBytes(msgs []string) (n int) {
	for _, m := range msgs {
		n += len(m)
	}
	return n
}
