package pipeline

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/journal"
	"github.com/logspan/logspan/internal/journal/journaltest"
	"github.com/logspan/logspan/internal/otlptest"
)

// journalRules are the shipped rules, with attributes read from the
// journal's fields added to the HAProxy rule, and a journal input.
func journalRules(t *testing.T, dir string) *config.Config {
	t.Helper()
	shipped, err := os.ReadFile("../../rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const anchor = "      - {name: haproxy.frontend, field: frontend}\n"
	if strings.Count(string(shipped), anchor) < 1 {
		t.Fatalf("rules.yaml no longer has %q", anchor)
	}
	text := strings.Replace(string(shipped), anchor, anchor+`      - {name: systemd.unit, field: _SYSTEMD_UNIT}
      - {name: host.name, field: _HOSTNAME}
      - {name: process.pid, field: _PID, type: int}
      - {name: journal.identifier, field: SYSLOG_IDENTIFIER}
      - {name: journal.priority, field: PRIORITY, type: int}
      - {name: journal.realtime, field: __REALTIME_TIMESTAMP}
`, 1)
	if i := strings.Index(text, "\ninputs:"); i >= 0 {
		t.Fatal("rules.yaml has inputs: now; the test must replace them")
	}
	text += "\ninputs:\n  - journal: {units: [haproxy.service], directory: " + dir + ", start: beginning}\n"
	cfg, err := config.Parse("rules.yaml", []byte(text), config.Options{Local: time.UTC, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// haproxyEntries turns lines of testdata/haproxy/haproxy26-raw.log (HAProxy
// 2.6 with `log stdout format raw`) into journal entries as journald
// writes them for a service's standard output.
func haproxyEntries(t *testing.T, from, to int) []journaltest.Entry {
	t.Helper()
	f, err := os.Open("../../testdata/haproxy/haproxy26-raw.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []journaltest.Entry
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n < from || n > to {
			continue
		}
		out = append(out, journaltest.Entry{
			Time: time.Date(2026, 11, 21, 19, 44, 50, n*int(time.Millisecond), time.UTC),
			Fields: map[string]string{"MESSAGE": sc.Text(), "_SYSTEMD_UNIT": "haproxy.service", "_HOSTNAME": "lb1",
				"_PID": "812", "SYSLOG_IDENTIFIER": "haproxy", "PRIORITY": "6", "_TRANSPORT": "stdout"},
		})
	}
	return out
}

// cursors returns the cursors of the journal's entries of unit, in order,
// as journalctl prints them.
func cursors(t *testing.T, dir, unit string) []string {
	t.Helper()
	out, err := exec.Command("journalctl", "--directory="+dir, "--merge", "--output=json", "_SYSTEMD_UNIT="+unit).Output()
	if err != nil {
		t.Fatal(err)
	}
	var cs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var e struct {
			Cursor string `json:"__CURSOR"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, e.Cursor)
	}
	return cs
}

// TestJournalHAProxy: HAProxy's lines logged to the journal through its
// standard output become the same spans as from a file — exact times, the
// caller's trace as parent — with the journal's fields readable by the
// rule; another unit's entries are not read; the cursor of the last
// acknowledged entry is saved, and a restart sends only what was added.
func TestJournalHAProxy(t *testing.T) {
	if why := journaltest.Missing(); why != "" {
		t.Skip(why)
	}
	jdir := filepath.Join(t.TempDir(), "journal")
	entries := haproxyEntries(t, 1, 3)
	other := journaltest.Entry{Time: entries[2].Time.Add(time.Millisecond), Fields: map[string]string{
		"MESSAGE": entries[0].Fields["MESSAGE"], "_SYSTEMD_UNIT": "nginx.service"}}
	if err := journaltest.Append(jdir, append(entries, other), 0); err != nil {
		t.Fatal(err)
	}
	cfg := journalRules(t, jdir)
	in := cfg.Inputs[0]
	h := newHarness(t)
	h.mutate = func(d *Daemon) {
		d.Streams = []StreamInput{{Name: in.Journal.String(), Stream: journal.New(in.Journal.Options, "", nil), Rules: in.Rules}}
	}
	h.start()
	spans := h.recv.WaitSpans(t, 3, 30*time.Second)
	type want struct {
		name, start, end, trace, parent, status string
		attrs                                   map[string]any
	}
	common := map[string]any{"systemd.unit": "haproxy.service", "host.name": "lb1", "process.pid": int64(812),
		"journal.identifier": "haproxy", "journal.priority": int64(6)}
	wants := []want{
		{"GET web", "2026-11-21T19:44:49.485Z", "2026-11-21T19:44:49.486Z", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "UNSET",
			map[string]any{"http.response.status_code": int64(200), "url.path": "/", "journal.realtime": "1795290290001000"}},
		{"GET web", "2026-11-21T19:44:49.494Z", "2026-11-21T19:44:49.498Z", "", "", "UNSET",
			map[string]any{"http.response.status_code": int64(404), "url.path": "/missing", "journal.realtime": "1795290290002000"}},
		{"GET web", "2026-11-21T19:44:49.512Z", "2026-11-21T19:44:49.514Z", "", "", "UNSET",
			map[string]any{"http.response.status_code": int64(200), "url.scheme": "https", "journal.realtime": "1795290290003000"}},
	}
	byStart := map[string]otlptest.Span{}
	for _, s := range spans {
		byStart[s.Start.UTC().Format("2006-01-02T15:04:05.000Z")] = s
	}
	for i, w := range wants {
		s, ok := byStart[w.start]
		if !ok {
			t.Errorf("entry %d: no span starting at %s", i+1, w.start)
			continue
		}
		if s.Name != w.name || s.End.UTC().Format("2006-01-02T15:04:05.000Z") != w.end || s.StatusCode != w.status || s.Service != "haproxy" {
			t.Errorf("entry %d: %s %q %s→%s %s, want haproxy %q %s→%s %s", i+1, s.Service, s.Name, s.Start, s.End, s.StatusCode, w.name, w.start, w.end, w.status)
		}
		if w.trace != "" && (s.TraceID != w.trace || s.ParentSpanID != w.parent) {
			t.Errorf("entry %d: trace %s parent %s, want %s %s", i+1, s.TraceID, s.ParentSpanID, w.trace, w.parent)
		}
		if w.trace == "" && s.ParentSpanID != "" {
			t.Errorf("entry %d: parent %s, want a root span", i+1, s.ParentSpanID)
		}
		for k, v := range common {
			if s.Attributes[k] != v {
				t.Errorf("entry %d: %s = %v (%T), want %v", i+1, k, s.Attributes[k], s.Attributes[k], v)
			}
		}
		for k, v := range w.attrs {
			if s.Attributes[k] != v {
				t.Errorf("entry %d: %s = %v (%T), want %v", i+1, k, s.Attributes[k], s.Attributes[k], v)
			}
		}
	}
	cs := cursors(t, jdir, "haproxy.service")
	h.waitPosition(in.Journal.Key, cs[2])
	h.stop()

	// Two more entries while logspan is stopped: the next start sends
	// those, and nothing sent before.
	if err := journaltest.Append(jdir, haproxyEntries(t, 4, 5), 4); err != nil {
		t.Fatal(err)
	}
	h.start()
	all := h.recv.WaitSpans(t, 5, 30*time.Second)
	h.waitPosition(in.Journal.Key, cursors(t, jdir, "haproxy.service")[4])
	seen := map[string]int{}
	for _, s := range all {
		seen[s.SpanID]++
	}
	if len(all) != 5 || len(seen) != 5 {
		t.Errorf("%d spans, %d distinct, want 5 each sent once (the nginx entry not read)", len(all), len(seen))
	}
}
