package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/internal/source/container"
)

// containerRules is daemonRules reading the container runtime's values too.
const containerRules = `
rules:
  - name: kv
    grok: 'at=%%{NUMBER:at} id=%%{INT:id} took=%%{INT:took}ms'
    start: {field: at, epoch: ms}
    end: {duration: took, unit: ms}
    span_name: 'req {id}'
    attributes:
      - {name: log.iostream, field: container.stream}
      - {name: container.time, field: container.time}
inputs:
  - paths: ['%s']
    start: beginning
    format: cri
`

const podUID = "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab"

// TestDaemonFollowsCRILog follows a kubelet-shaped CRI log: each line's
// span carries the runtime's stream and time and the pod's resource
// attributes; a line whose last piece is not written yet keeps the
// checkpoint at its first piece across a restart, and arrives whole, once.
func TestDaemonFollowsCRILog(t *testing.T) {
	h := newHarness(t)
	rel := filepath.Join("pods", "shop_web-7d9f_"+podUID, "haproxy", "0.log")
	if err := os.MkdirAll(filepath.Dir(filepath.Join(h.dir, rel)), 0o755); err != nil {
		t.Fatal(err)
	}
	h.glob = filepath.Join(h.dir, "pods", "*", "*", "*.log")
	h.mutate = func(d *Daemon) {
		cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(containerRules, h.glob)), config.Options{Local: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Inputs[0].Format != container.CRI {
			t.Fatalf("input format %v", cfg.Inputs[0].Format)
		}
		d.Inputs, d.Stats = cfg.Inputs, NewStats(cfg.Rules)
	}
	const ts = "2026-12-01T10:00:00.000000123Z"
	writeCRI := func(stream, tag, text string) { h.writeRaw(rel, ts+" "+stream+" "+tag+" "+text+"\n") }
	var lines []string
	for i := range 3 {
		l := h.line()
		stream := "stdout"
		if i == 1 {
			stream = "stderr"
		}
		writeCRI(stream, "F", l)
		h.record(l)
		lines = append(lines, l)
	}
	long := h.line()
	half := len(long) / 2
	before := fileSize(t, filepath.Join(h.dir, rel))
	writeCRI("stdout", "P", long[:half])

	h.start()
	h.cycle()
	h.expectExactlyOnce()
	h.waitCheckpoint("0.log", before)
	for _, s := range h.recv.Spans() {
		want := map[string]string{
			"k8s.namespace.name": "shop", "k8s.pod.name": "web-7d9f", "k8s.pod.uid": podUID, "k8s.container.name": "haproxy",
		}
		for k, v := range want {
			if s.Resource[k] != v {
				t.Errorf("span %s: resource %s = %q, want %q", s.Name, k, s.Resource[k], v)
			}
		}
		wantStream := "stdout"
		if s.SpanID == idOf(lines[1]) {
			wantStream = "stderr"
		}
		if s.Attributes["log.iostream"] != wantStream || s.Attributes["container.time"] != ts {
			t.Errorf("span %s: log.iostream %v container.time %v, want %s %s", s.Name, s.Attributes["log.iostream"], s.Attributes["container.time"], wantStream, ts)
		}
	}
	h.stop()

	// The rest of the long line comes while logspan is down: it is read
	// from its first piece at the restart.
	writeCRI("stdout", "F", long[half:])
	h.record(long)
	h.start()
	h.cycle()
	h.expectExactlyOnce()
	h.waitCheckpoint("0.log", fileSize(t, filepath.Join(h.dir, rel)))
	if n := h.d.Stats.NotRecords.Load(); n != 0 {
		t.Errorf("%d lines not records", n)
	}
}

// TestBackfillUnwrapsDockerLog: a backfill of a json-file log given the
// docker format reads the program's lines, joined, with their stream.
func TestBackfillUnwrapsDockerLog(t *testing.T) {
	rcv := otlptest.Start(t)
	cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(containerRules, "/unused")), config.Options{Local: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "abc-json.log")
	const ts = "2026-12-01T10:00:00.5Z"
	a, b := "at=1764583200000 id=1 took=5ms", "at=1764583200001 id=2 took=7ms"
	data := `{"log":"` + a + `\n","stream":"stdout","time":"` + ts + `"}` + "\n" +
		`{"log":"` + b[:10] + `","stream":"stderr","time":"` + ts + `"}` + "\n" +
		`{"log":"` + b[10:] + `\n","stream":"stderr","time":"` + ts + `"}` + "\n" +
		"not json\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	ecfg := emit.Config{Endpoint: rcv.Endpoint(), FlushInterval: time.Millisecond}
	exp, err := emit.New(t.Context(), ecfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = exp.Shutdown(context.Background()) }()
	stats := NewStats(cfg.Rules)
	bf := &Backfill{Rules: cfg.Rules, Sender: exp, Export: ecfg, Stats: stats,
		Format: func(string) container.Format { return container.Docker }}
	if err := bf.Run(t.Context(), []string{path}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range rcv.Spans() {
		got = append(got, fmt.Sprintf("%s %s %v pod=%q", s.Name, s.Attributes["log.iostream"], s.End.Sub(s.Start), s.Resource["k8s.pod.name"]))
	}
	slices.Sort(got)
	want := `req 1 stdout 5ms pod=""|req 2 stderr 7ms pod=""`
	if strings.Join(got, "|") != want {
		t.Errorf("spans %q, want %q", got, want)
	}
	if stats.NotRecords.Load() != 1 || stats.Unmatched.Load() != 1 || stats.Lines.Load() != 3 {
		t.Errorf("lines %d, not records %d, unmatched %d; want 3, 1, 1", stats.Lines.Load(), stats.NotRecords.Load(), stats.Unmatched.Load())
	}
}
