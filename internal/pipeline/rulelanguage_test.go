package pipeline

import (
	"bufio"
	"os"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/mapping"
)

// TestRuleLanguage reads testdata/rule-language/lines.log (lines made from
// the documented formats of Caddy, PostgreSQL jsonlog, nginx and an AWS load
// balancer) with testdata/rule-language/rules.yaml, through the rules file
// as an operator writes it, and checks what an operator would look for in
// Jaeger: the parent, the exact start and end, links, and which lines were
// not read and why.
func TestRuleLanguage(t *testing.T) {
	t.Chdir("../..")
	cfg, err := config.Load("testdata/rule-language/rules.yaml", config.Options{Local: time.UTC, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/rule-language/lines.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	type want struct {
		rule          string // "" unmatched
		malformed     bool
		noSpan        bool // unsampled
		trace, parent string
		format        string
		start, end    string
		link          string // linked trace id
		status        string
	}
	wants := []want{
		{rule: "caddy", trace: "4bf92f3577b34da6a3ce929d0e0e4736", parent: "00f067aa0ba902b7", format: "w3c",
			start: "2025-12-01T20:40:00.023Z", end: "2025-12-01T20:40:00.123Z", status: "Error"},
		{rule: "caddy", trace: "0000000000000000463ac35c9f6413ad", parent: "a2fb4a1d1a96d312", format: "b3",
			start: "2025-12-01T20:40:01.499070325Z", end: "2025-12-01T20:40:01.5Z", status: "Unset"},
		{rule: "caddy", noSpan: true, format: "b3"},
		{rule: "postgresql", trace: "0af7651916cd43dd8448eb211c80319c", parent: "b7ad6b7169203331", format: "w3c",
			start: "2026-12-01T10:00:00.110655Z", end: "2026-12-01T10:00:00.123Z", status: "Unset"},
		{rule: ""},
		{rule: "nginx", trace: "00000000000000007f3a0c9e2b4d6f81", parent: "b7ad6b7169203331", format: "jaeger",
			start: "2025-12-01T20:40:00.023Z", end: "2025-12-01T20:40:00.123Z", status: "Unset"},
		{rule: "alb", trace: "5759e988bd862e3fe1be46a994272793", parent: "53995c3f42cd8ad8", format: "xray",
			start: "2026-12-01T10:00:00.250123Z", end: "2026-12-01T10:00:00.5Z", link: "4bf92f3577b34da6a3ce929d0e0e4736", status: "Unset"},
		{rule: "", malformed: true},
	}
	p := NewProcessor(cfg.Rules)
	sc := bufio.NewScanner(f)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(wants) {
			t.Fatalf("more lines than expected")
		}
		w := wants[i]
		res := p.Process(sc.Bytes())
		rule := ""
		if res.Rule >= 0 {
			rule = cfg.Rules[res.Rule].Name
		}
		if rule != w.rule {
			t.Errorf("line %d: rule %q, want %q", i+1, rule, w.rule)
			continue
		}
		if (res.Malformed != nil) != w.malformed {
			t.Errorf("line %d: malformed = %v, want %v", i+1, res.Malformed, w.malformed)
		}
		if rule == "" {
			continue
		}
		if res.Err != nil {
			t.Errorf("line %d: %v", i+1, res.Err)
			continue
		}
		if got := res.Outcome.Context.Format; got != w.format {
			t.Errorf("line %d: context format %q, want %q", i+1, got, w.format)
		}
		if w.noSpan {
			if res.Span != nil {
				t.Errorf("line %d: a span for an unsampled caller", i+1)
			}
			continue
		}
		s := res.Span
		if s == nil {
			t.Errorf("line %d: no span (%+v)", i+1, res.Outcome)
			continue
		}
		if s.TraceID.String() != w.trace || s.Parent.String() != w.parent {
			t.Errorf("line %d: trace %s parent %s, want %s %s", i+1, s.TraceID, s.Parent, w.trace, w.parent)
		}
		if !s.Start.Equal(at(w.start)) || !s.End.Equal(at(w.end)) {
			t.Errorf("line %d: %s → %s, want %s → %s", i+1, s.Start.Format(time.RFC3339Nano), s.End.Format(time.RFC3339Nano), w.start, w.end)
		}
		if s.Status.String() != w.status {
			t.Errorf("line %d: status %s, want %s", i+1, s.Status, w.status)
		}
		var links []mapping.Link
		links = append(links, s.Links...)
		switch {
		case w.link == "" && len(links) > 0:
			t.Errorf("line %d: unexpected links %v", i+1, links)
		case w.link != "" && (len(links) != 1 || links[0].TraceID.String() != w.link):
			t.Errorf("line %d: links %v, want one to %s", i+1, links, w.link)
		}
	}
	if i != len(wants) {
		t.Errorf("%d lines, want %d", i, len(wants))
	}
}
