package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/container"
)

// TestPodmanCRILog runs a program that prints HAProxy lines in a real
// container, with podman's k8s-file log driver writing the CRI log a
// kubelet would, under a /var/log/pods-shaped directory, and follows that
// log with the shipped rules: every line becomes the span the same line
// read from a plain file becomes (a line the runtime wrote in pieces,
// whole; one longer than 64 KiB, cut there), with the pod's resource
// attributes.
func TestPodmanCRILog(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed: the test of real container logs needs it (apt-get install podman runc)")
	}
	work := t.TempDir()
	conf := filepath.Join(work, "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_CONF", conf)
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}

	// The program, static, in an image built offline FROM scratch.
	ctx := filepath.Join(work, "image")
	if err := os.Mkdir(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	gobin := filepath.Join(ctx, "haproxylines")
	build := exec.Command("go", "build", "-o", gobin, "../source/container/testdata/cmd/haproxylines")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	containerfile := "FROM scratch\nCOPY haproxylines /haproxylines\nENTRYPOINT [\"/haproxylines\"]\n"
	if err := os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	image := fmt.Sprintf("localhost/logspan-haproxylines-%d:test", os.Getpid())
	run(podman, "build", "-q", "-t", image, ctx)
	t.Cleanup(func() { _ = exec.Command(podman, "rmi", "-f", image).Run() })

	// What it prints, by stream, read outside the container.
	var stdout, stderr bytes.Buffer
	direct := exec.Command(gobin)
	direct.Stdout, direct.Stderr = &stdout, &stderr
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	printed := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	printed = append(printed, strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")...)

	h := newHarness(t)
	const uid = "0c9f4a52-7d1e-4b8a-9f3e-2a6b1c0d9e8f"
	logPath := filepath.Join(h.dir, "var", "log", "pods", "shop_haproxy-7d9f8b-x2x4k_"+uid, "haproxy", "0.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		t.Fatal(err)
	}
	run(podman, "run", "--rm", "--runtime", "runc", "--network", "none",
		"--log-driver", "k8s-file", "--log-opt", "path="+logPath, image)
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if partial := strings.Count(string(raw), " stdout P "); partial < 2 {
		t.Fatalf("podman wrote %d partial records; the long lines should have been split:\n%.400s", partial, raw)
	}

	rulesYAML, err := os.ReadFile("../../rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("rules.yaml", rulesYAML, config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	h.glob = filepath.Join(h.dir, "var", "log", "pods", "*", "*", "*.log")
	h.mutate = func(d *Daemon) {
		in := config.Input{Input: source.Input{Paths: []string{h.glob}, StartAtBeginning: true, Format: container.CRI}, Rules: cfg.Rules}
		d.Inputs, d.Stats = []config.Input{in}, NewStats(cfg.Rules)
	}
	h.start()
	h.cycle()
	spans := waitSpans(t, h, len(printed))

	// Each span is the one its line makes read plain, cut at 64 KiB as any
	// line is.
	p := NewProcessor(cfg.Rules)
	byID := map[string]otlptest.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	for i, line := range printed {
		if len(line) > source.DefaultMaxLineBytes {
			line = line[:source.DefaultMaxLineBytes]
		}
		res := p.Process([]byte(line))
		if res.Span == nil {
			t.Fatalf("line %d does not make a span read plain: %v", i, res.Err)
		}
		want := res.Span
		s, ok := byID[want.SpanID.String()]
		if !ok {
			t.Errorf("line %d (%.60s…): no span %s; got %d spans", i, line, want.SpanID, len(spans))
			continue
		}
		if s.Name != want.Name || !s.Start.Equal(want.Start) || !s.End.Equal(want.End) || s.Service != want.Service {
			t.Errorf("line %d: span %s %s %v-%v, want %s %s %v-%v", i, s.Service, s.Name, s.Start, s.End, want.Service, want.Name, want.Start, want.End)
		}
		for _, kv := range want.Attributes {
			if got := s.Attributes[string(kv.Key)]; got != kv.Value.AsInterface() {
				t.Errorf("line %d: %s = %v, want %v", i, kv.Key, got, kv.Value.AsInterface())
			}
		}
		for k, v := range map[string]string{
			"k8s.namespace.name": "shop", "k8s.pod.name": "haproxy-7d9f8b-x2x4k", "k8s.pod.uid": uid, "k8s.container.name": "haproxy",
		} {
			if s.Resource[k] != v {
				t.Errorf("line %d: resource %s = %q, want %q", i, k, s.Resource[k], v)
			}
		}
	}
	// What a user checks: the times, and the long lines' paths.
	first := byID[spanIDOf(p, printed[0])]
	if want := time.Date(2026, 12, 1, 10, 0, 0, 1e6, time.UTC); !first.Start.Equal(want) || !first.End.Equal(want.Add(10*time.Millisecond)) {
		t.Errorf("first line: %v-%v, want %v + 10ms", first.Start, first.End, want)
	}
	if path, _ := byID[spanIDOf(p, printed[1])].Attributes["url.path"].(string); path != "/long/"+strings.Repeat("a", 20000) {
		t.Errorf("the 20 kB line's url.path has %d bytes, want it whole (20006)", len(path))
	}
	huge := printed[2][:source.DefaultMaxLineBytes]
	if path, _ := byID[spanIDOf(p, huge)].Attributes["url.path"].(string); len(path) != len(huge)-strings.Index(huge, "/huge/") {
		t.Errorf("the 70 kB line's url.path has %d bytes, want it cut with the line at 64 KiB", len(path))
	}
	if n := h.d.Stats.Truncated.Load(); n != 1 {
		t.Errorf("%d lines counted as cut, want 1", n)
	}
}

// spanIDOf is the span id of the span line makes.
func spanIDOf(p *Processor, line string) string {
	res := p.Process([]byte(line))
	if res.Span == nil {
		return ""
	}
	return res.Span.SpanID.String()
}

// waitSpans polls the daemon until the receiver holds n spans.
func waitSpans(t *testing.T, h *harness, n int) []otlptest.Span {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if spans := h.recv.Spans(); len(spans) >= n {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d spans arrived", len(h.recv.Spans()), n)
		}
		changed := h.recv.Changed()
		h.tick(h.poll)
		select {
		case <-changed:
		case <-time.After(20 * time.Millisecond):
		}
	}
}
