package pipeline

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source"
)

// shippedWant is what an operator would check in their tracing backend for
// one line read with the shipped rules: which rule took it, the caller's
// context (trace and parent; an empty parent is a root span in that
// trace), the exact start and end, the status, the span's name, events
// and a few attributes. A zero shippedWant expects the line to match no
// rule; noSpan expects a matched line that makes no span (an unsampled
// caller).
type shippedWant struct {
	rule          string
	noSpan        bool
	format        string // the trace-context format found, "" for none
	trace, parent string // trace "" with format "": a new trace, not checked
	name          string
	start, end    string // RFC 3339
	status        string // Unset or Error
	errorType     string
	link          string   // the trace id of the one expected link, "" for none
	events        []string // "name@RFC 3339"
	attrs         map[string]string
}

// checkShipped reads the log at path (gzip or not, as backfill does)
// through the shipped rules.yaml and compares each line with wants, in
// order.
func checkShipped(t *testing.T, path string, wants []shippedWant) {
	t.Helper()
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	f, err := source.Open(filepath.FromSlash(path), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("bad time %q in the test: %v", s, err)
		}
		return tm
	}
	p := NewProcessor(cfg.Rules)
	i := 0
	for ; ; i++ {
		line, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(wants) {
			t.Fatalf("%s: more lines than expected", path)
		}
		w, n := wants[i], i+1
		res := p.Process(line.Data)
		rule := ""
		if res.Rule >= 0 {
			rule = cfg.Rules[res.Rule].Name
		}
		if rule != w.rule {
			t.Errorf("line %d: rule %q, want %q", n, rule, w.rule)
			continue
		}
		if rule == "" {
			continue
		}
		if res.Err != nil {
			t.Errorf("line %d: %v", n, res.Err)
			continue
		}
		if got := res.Outcome.Context.Format; got != w.format {
			t.Errorf("line %d: context format %q, want %q", n, got, w.format)
		}
		s := res.Span
		if w.noSpan {
			if s != nil {
				t.Errorf("line %d: a span for an unsampled caller", n)
			}
			continue
		}
		if s == nil {
			t.Errorf("line %d: no span (%+v)", n, res.Outcome)
			continue
		}
		if w.trace != "" && s.TraceID.String() != w.trace {
			t.Errorf("line %d: trace %s, want %s", n, s.TraceID, w.trace)
		}
		parent := ""
		if s.Parent.IsValid() {
			parent = s.Parent.String()
		}
		if parent != w.parent {
			t.Errorf("line %d: parent %q, want %q", n, parent, w.parent)
		}
		if s.Name != w.name {
			t.Errorf("line %d: name %q, want %q", n, s.Name, w.name)
		}
		if !s.Start.Equal(at(w.start)) || !s.End.Equal(at(w.end)) {
			t.Errorf("line %d: %s → %s, want %s → %s", n, s.Start.Format(time.RFC3339Nano), s.End.Format(time.RFC3339Nano), w.start, w.end)
		}
		if s.Status.String() != w.status {
			t.Errorf("line %d: status %s, want %s", n, s.Status, w.status)
		}
		attrs := map[string]string{}
		for _, kv := range s.Attributes {
			attrs[string(kv.Key)] = kv.Value.String()
		}
		if attrs["error.type"] != w.errorType {
			t.Errorf("line %d: error.type %q, want %q", n, attrs["error.type"], w.errorType)
		}
		for k, v := range w.attrs {
			if attrs[k] != v {
				t.Errorf("line %d: %s = %q, want %q", n, k, attrs[k], v)
			}
		}
		var links []string
		for _, l := range s.Links {
			links = append(links, l.TraceID.String())
		}
		if (w.link == "" && len(links) > 0) || (w.link != "" && (len(links) != 1 || links[0] != w.link)) {
			t.Errorf("line %d: links %q, want %q", n, links, w.link)
		}
		var events []string
		for _, e := range s.Events {
			events = append(events, e.Name+"@"+e.Time.Format(time.RFC3339Nano))
		}
		if len(events) != len(w.events) {
			t.Errorf("line %d: events %q, want %q", n, events, w.events)
			continue
		}
		for j := range events {
			if events[j] != w.events[j] {
				t.Errorf("line %d: event %d %q, want %q", n, j, events[j], w.events[j])
			}
		}
	}
	if i != len(wants) {
		t.Errorf("%s: %d lines, want %d", path, i, len(wants))
	}
}
