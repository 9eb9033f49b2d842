package haproxygen_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/haproxygen"
	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// rulesFile is the repository's shipped rules, which every generated line
// must suit: the generator is only useful if it feeds the real rule.
const rulesFile = "../../rules.yaml"

// matcher tries the shipped rules in file order, as logspan does.
type matcher struct {
	names   []string
	parsers []*parsers.Parser
	mappers []*mapping.Mapper
	matches []*parsers.Match
	span    mapping.Span
}

func loadRules(t *testing.T) *matcher {
	t.Helper()
	cfg, err := config.Load(rulesFile, config.Options{Local: time.UTC})
	if err != nil {
		t.Fatalf("load %s: %v", rulesFile, err)
	}
	m := &matcher{}
	for _, r := range cfg.Rules {
		m.names = append(m.names, r.Name)
		m.parsers = append(m.parsers, r.Parser)
		m.mappers = append(m.mappers, r.Mapper)
		m.matches = append(m.matches, r.Parser.NewMatch())
	}
	return m
}

// rule returns the name of the first rule that reads line, "" when none
// does or when that rule makes no span (emit: false, the rules that count
// HAProxy's own messages): such a line is not an access-log line.
func (m *matcher) rule(line []byte) string {
	for i, p := range m.parsers {
		if p.Parse(line, m.matches[i]) {
			if m.mappers[i] == nil {
				return ""
			}
			return m.names[i]
		}
	}
	return ""
}

// mapSpan maps the line last read by rule name into a span, as the
// daemon would before exporting it.
func (m *matcher) mapSpan(rule string) (*mapping.Span, mapping.Outcome, error) {
	for i, n := range m.names {
		if n == rule {
			out, err := m.mappers[i].Map(m.matches[i], &m.span)
			return &m.span, out, err
		}
	}
	return nil, mapping.Outcome{}, errors.New("no rule " + rule)
}

// field returns a named field of the line last read by rule name.
func (m *matcher) field(rule, name string) string {
	for i, n := range m.names {
		if n == rule {
			return string(m.matches[i].Field(m.parsers[i].FieldIndex(name)))
		}
	}
	return ""
}

func TestLinesMatchTheHTTPRule(t *testing.T) {
	const n = 10_000
	rules := loadRules(t)
	g := haproxygen.New(haproxygen.Config{Seed: 42, Step: time.Millisecond})
	seen := make(map[string]bool, n)
	statuses := map[string]int{}
	withParent := 0
	var line []byte
	for i := range n {
		line = g.Append(line[:0])
		if bytes.IndexByte(line, '\n') >= 0 {
			t.Fatalf("line %d holds a newline: %q", i, line)
		}
		if got := rules.rule(line); got != "haproxy_http" {
			t.Fatalf("line %d read by rule %q, want haproxy_http:\n%s", i, got, line)
		}
		if seen[string(line)] {
			t.Fatalf("line %d repeats an earlier line:\n%s", i, line)
		}
		seen[string(line)] = true
		// The soak test expects one span per line, with the id derived
		// from the line: no line may be dropped or mapped with flaws.
		span, out, err := rules.mapSpan("haproxy_http")
		if err != nil || !out.Emit || out.BadValues > 0 || out.InvalidTraceContext {
			t.Fatalf("line %d maps to outcome %+v, error %v:\n%s", i, out, err, line)
		}
		if _, sid := mapping.IDs("haproxy_http", line); span.SpanID != sid {
			t.Fatalf("line %d: span id %s, want %s", i, span.SpanID, sid)
		}
		statuses[rules.field("haproxy_http", "status_code")]++
		if bytes.Contains(line, []byte("|00-")) {
			withParent++
		}
	}
	if g.Count() != n {
		t.Errorf("Count() = %d, want %d", g.Count(), n)
	}
	// The mix must look like traffic: mostly 200, but every kind of
	// failure present.
	if statuses["200"] < n/2 {
		t.Errorf("only %d of %d lines are 200: %v", statuses["200"], n, statuses)
	}
	for _, s := range []string{"201", "204", "301", "304", "400", "404", "500", "502", "503", "504"} {
		if statuses[s] == 0 {
			t.Errorf("no line with status %s: %v", s, statuses)
		}
	}
	if withParent < n*4/10 || withParent > n*6/10 {
		t.Errorf("%d of %d lines carry a traceparent, want about half", withParent, n)
	}
}

func TestUnmatchedLinesMatchNoRule(t *testing.T) {
	rules := loadRules(t)
	g := haproxygen.New(haproxygen.Config{Seed: 7, UnmatchedRatio: 1})
	seen := map[string]bool{}
	var line []byte
	for i := range 3000 {
		line = g.Append(line[:0])
		if got := rules.rule(line); got != "" {
			t.Fatalf("unmatched line %d read by rule %q:\n%s", i, got, line)
		}
		if seen[string(line)] {
			t.Fatalf("line %d repeats an earlier line:\n%s", i, line)
		}
		seen[string(line)] = true
	}
}

func TestUnmatchedRatio(t *testing.T) {
	rules := loadRules(t)
	g := haproxygen.New(haproxygen.Config{Seed: 3, UnmatchedRatio: 0.2})
	unmatched := 0
	var line []byte
	const n = 5000
	for range n {
		line = g.Append(line[:0])
		if rules.rule(line) == "" {
			unmatched++
		}
	}
	if unmatched < n*15/100 || unmatched > n*25/100 {
		t.Errorf("%d of %d lines unmatched, want about 20%%", unmatched, n)
	}
	if got := g.Unmatched(); got != uint64(unmatched) {
		t.Errorf("Unmatched() = %d, but %d lines matched no rule", got, unmatched)
	}
}

func TestDeterministic(t *testing.T) {
	start := time.Date(2026, time.March, 1, 8, 30, 0, 0, time.UTC)
	cfg := haproxygen.Config{Seed: 9, Start: start, Step: 250 * time.Millisecond, UnmatchedRatio: 0.1}
	a, b := haproxygen.New(cfg), haproxygen.New(cfg)
	other := haproxygen.New(haproxygen.Config{Seed: 10, Start: start, Step: 250 * time.Millisecond})
	same := 0
	for i := range 1000 {
		la, lb := a.Append(nil), b.Append(nil)
		if !bytes.Equal(la, lb) {
			t.Fatalf("line %d differs between equal configs:\n%s\n%s", i, la, lb)
		}
		if bytes.Equal(la, other.Append(nil)) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d lines equal between seeds 9 and 10", same)
	}
}

func TestDatesFollowStartAndStep(t *testing.T) {
	rules := loadRules(t)
	start := time.Date(2026, time.November, 21, 23, 59, 59, 998_000_000, time.UTC)
	g := haproxygen.New(haproxygen.Config{Start: start, Step: time.Millisecond})
	want := []string{"21/Nov/2026:23:59:59.998", "21/Nov/2026:23:59:59.999", "22/Nov/2026:00:00:00.000"}
	for i, w := range want {
		line := g.Append(nil)
		if rules.rule(line) != "haproxy_http" {
			t.Fatalf("line %d not read: %s", i, line)
		}
		if got := rules.field("haproxy_http", "request_date"); got != w {
			t.Errorf("line %d: date %q, want %q", i, got, w)
		}
	}
}

func TestNoTraceparent(t *testing.T) {
	g := haproxygen.New(haproxygen.Config{TraceparentRatio: -1})
	for range 1000 {
		if line := g.Append(nil); bytes.Contains(line, []byte("|00-")) {
			t.Fatalf("traceparent despite a negative ratio: %s", line)
		}
	}
}

func TestAppendKeepsDst(t *testing.T) {
	g := haproxygen.New(haproxygen.Config{})
	buf := []byte("prefix ")
	buf = g.Append(buf)
	if !bytes.HasPrefix(buf, []byte("prefix 10.")) && !bytes.HasPrefix(buf, []byte("prefix 2001:db8:")) {
		t.Errorf("Append did not append to dst: %q", buf)
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	g := haproxygen.New(haproxygen.Config{UnmatchedRatio: 0.1})
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(1000, func() { buf = g.Append(buf[:0]) })
	if allocs > 0 {
		t.Errorf("Append allocates %.1f times per line", allocs)
	}
}

func BenchmarkAppend(b *testing.B) {
	g := haproxygen.New(haproxygen.Config{Step: time.Millisecond})
	buf := make([]byte, 0, 1024)
	n := 0
	for b.Loop() {
		buf = g.Append(buf[:0])
		n += len(buf)
	}
	b.SetBytes(int64(n / max(b.N, 1)))
}
