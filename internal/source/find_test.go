package source

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestInputMatches(t *testing.T) {
	in := Input{Paths: []string{"/var/log/haproxy.log*", "/srv/*/access.log"}, Exclude: []string{"*.gz", "/var/log/haproxy.log.old"}}
	tests := []struct {
		path string
		want bool
	}{
		{"/var/log/haproxy.log", true},
		{"/var/log/haproxy.log.1", true},
		{"/var/log/haproxy.log-20261201", true},
		{"/var/log/haproxy.log.2.gz", false}, // excluded by base name
		{"/var/log/haproxy.log.old", false},  // excluded by full path
		{"/srv/a/access.log", true},
		{"/srv/a/b/access.log", false},
		{"/var/log/syslog", false},
	}
	for _, tt := range tests {
		if got := in.Matches(tt.path); got != tt.want {
			t.Errorf("Matches(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestFinder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "locked"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.log", "a.log.1", "a.log.2.gz", "b.log", "sub/c.log"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	fd := &finder{
		open: func(name string) (*os.File, error) {
			if filepath.Base(name) == "locked" { // root reads anything: deny it as the kernel would
				return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
			}
			return os.Open(name)
		},
		report: newReporter(slog.New(slog.NewTextHandler(&logs, nil))),
	}
	p := func(s string) string { return filepath.Join(dir, s) }
	inputs := []Input{
		{Paths: []string{p("a.log*")}, Exclude: []string{"*.gz"}},
		{Paths: []string{p("*.log"), p("sub/*.log")}},         // a.log again: the first input has it
		{Paths: []string{p("missing.log"), p("later/*.log")}}, // not there yet
		{Paths: []string{p("locked/*.log"), p("[x")}},
		{Paths: []string{p("sub/*.txt")}}, // nothing yet, nothing to say
	}
	got := fd.find(inputs)
	var paths []string
	for _, f := range got {
		paths = append(paths, strings.TrimPrefix(f.path, dir+"/")+":"+string(rune('0'+f.input)))
	}
	want := []string{"a.log:0", "a.log.1:0", "b.log:1", "sub/c.log:1"}
	if !slices.Equal(paths, want) {
		t.Errorf("found %q, want %q", paths, want)
	}
	out := logs.String()
	for _, want := range []string{
		"file does not exist (yet)", "missing.log",
		"directory does not exist (yet)", "later/*.log",
		"cannot read directory " + p("locked"), "permission denied",
		"bad path pattern",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "sub/*.txt") {
		t.Errorf("a glob with nothing yet in a readable directory was reported:\n%s", out)
	}
	n := strings.Count(out, "\n")
	fd.find(inputs)
	if m := strings.Count(logs.String(), "\n"); m != n {
		t.Errorf("a second look logged the same problems again:\n%s", logs.String())
	}
	// Once the file appears, its problem is forgotten: a later one is new.
	if err := os.WriteFile(p("missing.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := fd.find(inputs); len(got) != 5 {
		t.Errorf("found %d after missing.log appeared, want 5", len(got))
	}
	if _, ok := fd.report.last[p("missing.log")]; ok {
		t.Error("the problem of a file that appeared is still remembered")
	}
}
