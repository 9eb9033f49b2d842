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

// goldenDirs are the directories of test logs the shipped rules are checked
// against: HAProxy's lines, lines recorded from the real nginx, Caddy and
// PostgreSQL by scripts/record-testdata.sh, and lines made from the
// documented formats of AWS ALB (gzipped, as AWS writes them), Envoy and
// Traefik.
var goldenDirs = []string{"haproxy", "nginx", "caddy", "postgresql", "alb", "envoy", "traefik"}

// goldenFile is where the expected output for the test log path is kept:
// testdata/golden/NAME.jsonl for HAProxy's logs (the first ones, kept where
// they were), testdata/golden/DIR/NAME.jsonl for the others, whose file names
// repeat (access.log).
func goldenFile(path string) string {
	dir := filepath.Base(filepath.Dir(path))
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".gz"), ".log") + ".jsonl"
	if dir == "haproxy" {
		return filepath.Join("testdata", "golden", name)
	}
	return filepath.Join("testdata", "golden", dir, name)
}

// TestGolden runs every line of testdata/{haproxy,nginx,caddy,
// postgresql}/*.log through the shipped rules, as `logspan test --json` does,
// and compares the result with its golden file (see goldenFile): which rule
// matched, every field, and the exact span (ids, parent, start, end,
// attributes, events, status). Run with -update after an intended change and
// review the diff.
func TestGolden(t *testing.T) {
	t.Chdir("../..")
	cfg := loadShippedRules(t)
	for _, dir := range goldenDirs {
		logs, err := filepath.Glob(filepath.Join("testdata", dir, "*.log"))
		gz, _ := filepath.Glob(filepath.Join("testdata", dir, "*.log.gz"))
		logs = append(logs, gz...)
		if err != nil || len(logs) == 0 {
			t.Fatalf("no test logs in testdata/%s: %v", dir, err)
		}
		for _, path := range logs {
			t.Run(dir+"/"+strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".gz"), ".log"), func(t *testing.T) {
				checkGolden(t, cfg, path)
			})
		}
	}
}

// checkGolden compares the dry run of one test log with its golden file, or
// rewrites the golden file with -update.
func checkGolden(t *testing.T, cfg *config.Config, path string) {
	f, err := source.Open(path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got bytes.Buffer
	if err := DryRun(cfg.Rules, f, &got, true, NewStats(cfg.Rules)); err != nil {
		t.Fatal(err)
	}
	golden := goldenFile(path)
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
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
}
