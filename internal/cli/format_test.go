package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestReadsContainerLogs: `logspan test` unwraps a CRI log when told
// with --format, or when the file is one of a rules file input's with
// format: cri, and reads it plain otherwise.
func TestTestReadsContainerLogs(t *testing.T) {
	repoRoot(t)
	base := writeRules(t, "UTC")
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	logs := t.TempDir()
	withInput := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(withInput, []byte(string(data)+"\ninputs:\n  - paths: ['"+logs+"/*.log']\n    format: cri\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	line := `10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"`
	cri := "2026-12-01T10:00:00.000000001Z stdout P " + line[:40] + "\n2026-12-01T10:00:00.000000002Z stdout F " + line[40:] + "\n"
	path := filepath.Join(logs, "0.log")
	if err := os.WriteFile(path, []byte(cri), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"flag", []string{"test", "--config", base, "--format", "cri", path}, "logspan test: 1 lines, 0 unmatched"},
		{"the input's format", []string{"test", "--config", withInput, path}, "logspan test: 1 lines, 0 unmatched"},
		{"flag wins over the input", []string{"test", "--config", withInput, "--format", "plain", path}, "logspan test: 2 lines, 2 unmatched"},
		{"plain by default", []string{"test", "--config", base, path}, "logspan test: 2 lines, 2 unmatched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "", tt.args...)
			if code != 0 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, stderr, tt.want)
			}
			if strings.Contains(tt.want, "0 unmatched") && !strings.Contains(stdout, "/index.html") {
				t.Errorf("stdout does not show the joined line:\n%s", stdout)
			}
		})
	}
	code, _, stderr := run(t, nil, "", "test", "--config", base, "--format", "json-file", path)
	if code != exitUsage || !strings.Contains(stderr, `logspan test: --format: unknown format "json-file" (expected cri, docker, auto or plain)`) {
		t.Errorf("bad --format: exit %d, stderr:\n%s", code, stderr)
	}
}
