package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

// TestLines checks that the command prints the generator's lines, one per
// line, as many as asked, and that two seeds share no line.
func TestLines(t *testing.T) {
	lines := func(args ...string) []string {
		t.Helper()
		var out bytes.Buffer
		if err := run(args, &out, io.Discard); err != nil {
			t.Fatalf("run(%q): %v", args, err)
		}
		s := out.String()
		if !strings.HasSuffix(s, "\n") {
			t.Fatalf("run(%q): output does not end with a newline", args)
		}
		return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	one := lines("-seed", "1", "-n", "50", "-step", "2ms")
	if len(one) != 50 {
		t.Fatalf("-n 50 printed %d lines", len(one))
	}
	g := haproxygen.New(haproxygen.Config{Seed: 1, Step: 2 * time.Millisecond})
	for i, got := range one {
		if want := string(g.Append(nil)); got != want {
			t.Fatalf("line %d:\n got %s\nwant %s", i+1, got, want)
		}
	}
	seen := make(map[string]bool)
	for _, l := range append(one, lines("-seed", "2", "-n", "50", "-step", "2ms")...) {
		if seen[l] {
			t.Fatalf("line printed twice: %s", l)
		}
		seen[l] = true
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-n", "-1"}, {"-n", "x"}, {"extra"}, {"-step", "1"}} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}
