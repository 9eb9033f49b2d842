package pipeline

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/time/rate"
)

func TestProblemLogIsRateLimited(t *testing.T) {
	var out bytes.Buffer
	p := newProblemLog(slog.New(slog.NewTextHandler(&out, nil)))
	for i := range 25 {
		p.note("line matches no rule", "/var/log/haproxy.log", int64(i+1), int64(100*i))
	}
	logged := strings.Count(out.String(), `msg="line matches no rule"`)
	if logged != problemsFirst {
		t.Errorf("%d problem lines logged in a burst of 25, want the first %d", logged, problemsFirst)
	}
	if !strings.Contains(out.String(), "file=/var/log/haproxy.log offset=0 line=1\n") {
		t.Errorf("first problem not logged with its file, offset and line:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "further problem lines are counted"); n != 1 {
		t.Errorf("the rate limit explained %d times, want once:\n%s", n, out.String())
	}
	if n := p.skipped.Load(); n != 15 {
		t.Errorf("%d left out, want 15 (reported with the next one logged)", n)
	}
	// The next one logged says how many were left out before it.
	out.Reset()
	p.every = rate.Sometimes{First: 1} // as if the interval had passed
	p.note("rule kv: line not mapped: bad time", "/var/log/haproxy.log", 0, 4242)
	if got := out.String(); !strings.Contains(got, "offset=4242 not_logged_since_last=15") || strings.Contains(got, "line=") {
		t.Errorf("after the interval: %q", got)
	}
}
