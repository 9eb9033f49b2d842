package pipeline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden from the current output")

// loadShippedRules compiles the repository's rules.yaml with HAProxy's local
// time taken as UTC, so the goldens do not depend on the machine's zone.
func loadShippedRules(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.Load("rules.yaml", config.Options{
		Local:  time.UTC,
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatalf("shipped rules.yaml: %v", err)
	}
	return cfg
}

// goldenLogs are the test logs of the shipped rules, one glob a program.
// File names are unique across them: the golden of NAME.log (or
// NAME.log.gz, read through source.Open as gzip by its content) is
// testdata/golden/NAME.jsonl.
var goldenLogs = []string{
	"testdata/haproxy/*.log",
	"testdata/alb/*.log.gz",
	"testdata/envoy/*.log",
	"testdata/traefik/*.log",
}

// TestGoldenHAProxy runs every line of the goldenLogs through the shipped
// rules, as `logspan test --json` does, and compares the result with
// testdata/golden/NAME.jsonl: which rule matched, every field, and the exact
// span (ids, parent, start, end, attributes, events, status). Run with
// -update after an intended change and review the diff.
func TestGoldenHAProxy(t *testing.T) {
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	var logs []string
	for _, pattern := range goldenLogs {
		matched, err := filepath.Glob(pattern)
		if err != nil || len(matched) == 0 {
			t.Fatalf("no test logs for %s: %v", pattern, err)
		}
		logs = append(logs, matched...)
	}
	for _, path := range logs {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".gz"), ".log")
		t.Run(name, func(t *testing.T) {
			f, err := source.Open(path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var got bytes.Buffer
			if err := DryRun(cfg.Rules, f, &got, true, NewStats(cfg.Rules)); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".jsonl")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/pipeline -run Golden -update to create it)", err)
			}
			gotLines := strings.Split(got.String(), "\n")
			wantLines := strings.Split(string(want), "\n")
			for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
				var g, w string
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if g != w {
					t.Errorf("%s line %d differs from %s\n got: %s\nwant: %s", path, i+1, golden, g, w)
				}
			}
		})
	}
}
