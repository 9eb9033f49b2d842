package journal

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/journal/journaltest"
)

// TestRealJournal reads journal files written by systemd-journal-remote
// with the real journalctl: every entry from the beginning with its unit,
// the byte-array form of a message that is not UTF-8, entries appended
// while following, and a second run resuming just after a cursor.
func TestRealJournal(t *testing.T) {
	if why := journaltest.Missing(); why != "" {
		t.Skip(why)
	}
	dir := filepath.Join(t.TempDir(), "journal")
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	entry := func(i int, msg, unit string) journaltest.Entry {
		return journaltest.Entry{Time: t0.Add(time.Duration(i) * time.Second), Fields: map[string]string{
			"MESSAGE": msg, "_SYSTEMD_UNIT": unit, "_HOSTNAME": "lb1", "_PID": "42", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "haproxy",
		}}
	}
	if err := journaltest.Append(dir, []journaltest.Entry{
		entry(0, "one", "haproxy.service"),
		entry(1, "not ours", "nginx.service"),
		entry(2, "bin\xff\x00ary", "haproxy.service"),
		entry(3, "three", "haproxy.service"),
	}, 0); err != nil {
		t.Fatal(err)
	}
	opts := Options{Units: []string{"haproxy"}, Directory: dir, StartAtBeginning: true}
	h := startHarness(t, opts, "", time.Now())
	var lines []got
	for range 3 {
		lines = append(lines, h.next(t))
	}
	for i, want := range []string{"one", "bin\uFFFD\x00ary", "three"} {
		if lines[i].msg != want || lines[i].unit != "haproxy.service" || !strings.HasPrefix(lines[i].pos, "s=") {
			t.Errorf("line %d = %+v, want %q of haproxy.service with a cursor", i, lines[i], want)
		}
	}
	// Entries written while journalctl follows arrive too.
	if err := journaltest.Append(dir, []journaltest.Entry{entry(4, "four", "haproxy.service")}, 4); err != nil {
		t.Fatal(err)
	}
	if l := h.next(t); l.msg != "four" {
		t.Errorf("appended entry: %+v, want four", l)
	}
	h.cancel()
	<-h.done
	h.done <- nil

	// Resuming after the first line's cursor reads the rest, and only
	// the rest.
	h2 := startHarness(t, opts, lines[0].pos, time.Now())
	for _, want := range []string{"bin\uFFFD\x00ary", "three", "four"} {
		if l := h2.next(t); l.msg != want {
			t.Errorf("after the cursor: %+v, want %q", l, want)
		}
	}
	select {
	case l := <-h2.lines:
		t.Errorf("unexpected line %+v", l)
	default:
	}
}
