package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/checkpoint"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

// The scenario tests follow files with a small rule whose lines are easy to
// write: every line is unique, so the span id derived from it names it.
const daemonRules = `
rules:
  - name: kv
    grok: 'at=%%{NUMBER:at} id=%%{INT:id} took=%%{INT:took}ms'
    start: {field: at, epoch: ms}
    end: {duration: took, unit: ms}
    span_name: 'req {id}'
inputs:
  - paths: ['%s']
    start: beginning
`

// fakeClock is the daemon's clock, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness runs a Daemon on a temporary log directory, with the ticks and
// the clock in the test's hands and a real OTLP receiver.
type harness struct {
	t        *testing.T
	dir      string // the logs
	stateDir string
	recv     *otlptest.Receiver
	clock    *fakeClock
	glob     string
	mutate   func(*Daemon)

	d                    *Daemon
	poll, discover, save chan time.Time
	cancel               context.CancelFunc
	done                 chan error
	exporter             *emit.Exporter
	nextID               int
	written              map[string]bool // span ids of the lines written
	order                []string        // the same, in writing order
	writers              map[string]*os.File
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t: t, dir: dir, stateDir: filepath.Join(t.TempDir(), "state"),
		recv:    otlptest.Start(t),
		clock:   &fakeClock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		glob:    filepath.Join(dir, "app.log*"),
		written: map[string]bool{}, writers: map[string]*os.File{},
	}
	t.Cleanup(func() {
		h.stop()
		for _, f := range h.writers {
			f.Close()
		}
	})
	return h
}

// start starts a daemon (again), loading the checkpoints from the state dir.
func (h *harness) start() {
	h.t.Helper()
	cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(daemonRules, h.glob)), config.Options{Local: time.UTC})
	if err != nil {
		h.t.Fatal(err)
	}
	store, entries, err := checkpoint.Open(h.stateDir)
	if err != nil {
		h.t.Fatal(err)
	}
	ecfg := emit.Config{
		Endpoint: h.recv.Endpoint(), BatchSize: 16, FlushInterval: 5 * time.Millisecond, MaxInFlight: 2,
		Retry: emit.RetryConfig{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxElapsed: -1},
	}
	exp, err := emit.New(context.Background(), ecfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.exporter = exp
	h.poll, h.discover, h.save = make(chan time.Time), make(chan time.Time), make(chan time.Time)
	h.d = &Daemon{
		Inputs: cfg.Inputs, Sender: exp, Export: ecfg, Store: store, Entries: entries,
		Settings: config.Daemon{RotateWait: 5 * time.Second, ShutdownTimeout: 10 * time.Second},
		Stats:    NewStats(cfg.Rules), Now: h.clock.Now, Workers: 2,
		PollTick: h.poll, DiscoverTick: h.discover, SaveTick: h.save,
	}
	if testing.Verbose() {
		h.d.Log = testLogger(h.t)
	}
	if h.mutate != nil {
		h.mutate(h.d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() {
		err := h.d.Run(ctx)
		store.Close()
		h.done <- err
	}()
	<-h.d.Started()
}

// stop stops the daemon cleanly and waits for it.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("daemon: %v", err)
	}
	h.cancel = nil
	_ = h.exporter.Shutdown(context.Background())
}

// tick sends one tick on ch and waits until the reader has handled it: the
// second send is only received once the reader is back waiting.
func (h *harness) tick(ch chan time.Time) {
	h.t.Helper()
	for i := 0; i < 2; i++ {
		select {
		case ch <- h.clock.Now():
		case <-time.After(30 * time.Second):
			h.t.Fatal("daemon does not take ticks (blocked?)")
		}
	}
}

// cycle discovers, then reads.
func (h *harness) cycle() {
	h.tick(h.discover)
	h.tick(h.poll)
}

// write appends n lines (one write each, as HAProxy does) to name in the
// log dir, through a descriptor kept open like a logger's.
func (h *harness) write(name string, n int) {
	h.t.Helper()
	for i := 0; i < n; i++ {
		l := h.line()
		h.writeRaw(name, l+"\n")
		h.record(l)
	}
}

// line makes the next unique line.
func (h *harness) line() string {
	h.nextID++
	return fmt.Sprintf("at=%d id=%d took=%dms", h.clock.Now().UnixMilli()+int64(h.nextID), h.nextID, h.nextID%50)
}

// record notes that line was written whole: its span must arrive.
func (h *harness) record(line string) {
	id := idOf(line)
	h.written[id] = true
	h.order = append(h.order, id)
}

// idOf is the span id logspan derives from a line of the kv rule.
func idOf(line string) string {
	_, sid := mapping.IDs("kv", []byte(line))
	return sid.String()
}

func (h *harness) writeRaw(name, s string) {
	h.t.Helper()
	f := h.writers[name]
	if f == nil {
		var err error
		f, err = os.OpenFile(filepath.Join(h.dir, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			h.t.Fatal(err)
		}
		h.writers[name] = f
	}
	if _, err := f.WriteString(s); err != nil {
		h.t.Fatal(err)
	}
}

// reopen makes the writer of name open the path again at its next write,
// as a logger does after rotation.
func (h *harness) reopen(name string) {
	if f := h.writers[name]; f != nil {
		f.Close()
		delete(h.writers, name)
	}
}

func (h *harness) rename(from, to string) {
	h.t.Helper()
	if err := os.Rename(filepath.Join(h.dir, from), filepath.Join(h.dir, to)); err != nil {
		h.t.Fatal(err)
	}
}

// waitAll waits until every line written has arrived as a span, and returns
// how many spans arrived in all (duplicates included).
func (h *harness) waitAll() int {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, total := h.received()
		if len(got) >= len(h.written) && h.covered(got) {
			return total
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("spans for %d of %d lines arrived; missing: %v", len(got), len(h.written), h.missing(got))
		}
		changed := h.recv.Changed()
		h.tick(h.poll) // lines may still be unread: let the reader go on
		select {
		case <-changed:
		case <-time.After(20 * time.Millisecond): // the reader may need more ticks
		}
	}
}

// received returns the distinct span ids received, and the total.
func (h *harness) received() (map[string]int, int) {
	got := map[string]int{}
	spans := h.recv.Spans()
	for _, s := range spans {
		got[s.SpanID]++
	}
	return got, len(spans)
}

func (h *harness) covered(got map[string]int) bool {
	return len(h.missing(got)) == 0
}

func (h *harness) missing(got map[string]int) []string {
	var out []string
	for id := range h.written {
		if got[id] == 0 {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("... (%d in all)", len(out)))
	}
	return out
}

// expectExactlyOnce asserts the set of spans received equals the set of
// lines written, each once.
func (h *harness) expectExactlyOnce() {
	h.t.Helper()
	total := h.waitAll()
	got, _ := h.received()
	strangers, dups := 0, 0
	for id, n := range got {
		if !h.written[id] {
			if strangers++; strangers <= 3 {
				h.t.Errorf("span %s matches no line written", id)
			}
		}
		if n > 1 {
			if dups++; dups <= 3 {
				h.t.Errorf("span %s arrived %d times", id, n)
			}
		}
	}
	if total != len(h.written) {
		h.t.Errorf("received %d spans for %d lines (%d spans match no line, %d lines arrived more than once)", total, len(h.written), strangers, dups)
	}
}

// checkpointOffsets returns the saved offsets by path.
func (h *harness) checkpointOffsets() map[string]int64 {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.stateDir, "checkpoints.json"))
	if err != nil {
		h.t.Fatal(err)
	}
	var f struct {
		Entries []checkpoint.Entry `json:"entries"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		h.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range f.Entries {
		out[filepath.Base(e.Path)] = e.Offset
	}
	return out
}

// waitCheckpoint saves until name's checkpoint reaches want. The collector
// records spans before it answers, so the acknowledgement reaches the daemon
// a moment after the spans are seen here.
func (h *harness) waitCheckpoint(name string, want int64) {
	h.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		h.tick(h.save)
		got := h.checkpointOffsets()[name]
		if got == want {
			return
		}
		select {
		case <-deadline:
			h.t.Fatalf("checkpoint of %s at %d, want %d", name, got, want)
		case <-time.After(5 * time.Millisecond): // the answer is on its way
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// testLogger writes the daemon's log into the test's output (with -v).
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
