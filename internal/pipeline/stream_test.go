package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// memStream is a Stream over lines held in memory, each at position
// "p<its index+1>", delivered in batches of three; it records where each
// Run started and then waits for ctx, like a journal with nothing new.
type memStream struct {
	key   string
	mu    sync.Mutex
	lines []string
	froms []string
	more  chan struct{} // a send delivers lines added since
}

func (m *memStream) Key() string { return m.key }

func (m *memStream) Run(ctx context.Context, from string, deliver func([]source.Line) error) error {
	m.mu.Lock()
	m.froms = append(m.froms, from)
	m.mu.Unlock()
	next := 0
	if from != "" {
		if _, err := fmt.Sscanf(from, "p%d", &next); err != nil {
			return fmt.Errorf("bad position %q", from)
		}
	}
	for {
		m.mu.Lock()
		lines := m.lines
		m.mu.Unlock()
		for next < len(lines) {
			var batch []source.Line
			for ; next < len(lines) && len(batch) < 3; next++ {
				batch = append(batch, source.Line{
					Data: []byte(lines[next]), Position: fmt.Sprintf("p%d", next+1),
					Meta: []linemeta.Value{{Field: linemeta.JournalUnit, Value: []byte("app.service")}},
				})
			}
			if err := deliver(batch); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-m.more:
		}
	}
}

// addLines makes n unique lines of the harness's rule, records them as
// lines whose spans must arrive, adds them to m, and returns them.
func (m *memStream) addLines(h *harness, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		l := h.line()
		h.record(l)
		out = append(out, l)
	}
	m.add(out...)
	return out
}

func (m *memStream) add(lines ...string) {
	m.mu.Lock()
	m.lines = append(m.lines, lines...)
	m.mu.Unlock()
}

// streamPositions reads streams.json.
func (h *harness) streamPositions() map[string]string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.stateDir, "streams.json"))
	if err != nil {
		h.t.Fatal(err)
	}
	var f struct {
		Positions map[string]string `json:"positions"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		h.t.Fatal(err)
	}
	return f.Positions
}

// waitPosition saves until the stream's saved position is want.
func (h *harness) waitPosition(key, want string) {
	h.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		h.tick(h.save)
		if _, err := os.Stat(filepath.Join(h.stateDir, "streams.json")); err == nil && h.streamPositions()[key] == want {
			return
		}
		select {
		case <-deadline:
			h.t.Fatalf("position of %s never reached %s", key, want)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestStreamResumesAfterItsAcknowledgedPosition: a stream's lines become
// spans; the position saved is the last acknowledged line's; after a
// restart the stream is asked to start after it, and every line arrives
// exactly once. While the collector is down, the position does not move.
func TestStreamResumesAfterItsAcknowledgedPosition(t *testing.T) {
	h := newHarness(t)
	s := &memStream{key: "journal:app.service", more: make(chan struct{})}
	h.mutate = func(d *Daemon) {
		cfg := d.Inputs[0].Rules
		d.Streams = []StreamInput{{Name: "journal app.service", Stream: s, Rules: cfg}}
	}
	s.addLines(h, 10)
	h.start()
	h.waitAll()
	h.waitPosition(s.key, "p10")

	// The collector goes away: new lines are read but not acknowledged.
	h.recv.Stop()
	s.addLines(h, 4)
	s.more <- struct{}{}
	h.tick(h.save)
	if got := h.streamPositions()[s.key]; got != "p10" {
		t.Errorf("position moved to %s while the collector was down", got)
	}
	h.stop()
	if got := h.streamPositions()[s.key]; got != "p10" {
		t.Errorf("position at shutdown %s, want p10 (lines 11-14 were never acknowledged)", got)
	}

	h.recv.Restart(t)
	s.addLines(h, 2)
	h.start()
	h.expectExactlyOnce()
	h.waitPosition(s.key, "p16")
	s.mu.Lock()
	froms := s.froms
	s.mu.Unlock()
	if len(froms) != 2 || froms[0] != "" || froms[1] != "p10" {
		t.Errorf("runs started at %q, want the start, then after p10", froms)
	}
}

// TestReloadStreamRulesTakeTheNextLines: after ReloadStream, the lines a
// stream delivers go through the new rules, without a restart of the
// stream and with its position kept; a name the daemon runs no stream
// under is refused.
func TestReloadStreamRulesTakeTheNextLines(t *testing.T) {
	h := newHarness(t)
	s := &memStream{key: "journal:app.service", more: make(chan struct{})}
	const name = "journal app.service"
	h.mutate = func(d *Daemon) {
		d.Streams = []StreamInput{{Name: name, Stream: s, Rules: d.Inputs[0].Rules}}
	}
	before := s.addLines(h, 3)
	h.start()
	h.waitAll()

	renamed := strings.Replace(fmt.Sprintf(daemonRules, h.glob), "span_name: 'req {id}'", "span_name: 'renamed {id}'", 1)
	cfg, err := config.Parse("rules.yaml", []byte(renamed), config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ok, err := h.d.ReloadStream(ctx, name, cfg.Inputs[0].Rules); !ok || err != nil {
		t.Fatalf("ReloadStream(%q) = %v, %v; want true", name, ok, err)
	}
	if ok, err := h.d.ReloadStream(ctx, "journal other.service", cfg.Inputs[0].Rules); ok || err != nil {
		t.Errorf("ReloadStream of a stream not run = %v, %v; want false", ok, err)
	}
	after := s.addLines(h, 3)
	s.more <- struct{}{}
	h.expectExactlyOnce()

	names := map[string]string{}
	for _, sp := range h.recv.Spans() {
		names[sp.SpanID] = sp.Name
	}
	for i, l := range append(before, after...) {
		want := "req "
		if i >= len(before) {
			want = "renamed "
		}
		want += strings.TrimPrefix(strings.Fields(l)[1], "id=")
		if got := names[idOf(l)]; got != want {
			t.Errorf("line %q: span %q, want %q", l, got, want)
		}
	}
	s.mu.Lock()
	froms := s.froms
	s.mu.Unlock()
	if len(froms) != 1 {
		t.Errorf("the stream was started %d times (%q), want once: a reload must not restart it", len(froms), froms)
	}
}
