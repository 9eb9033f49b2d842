package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/internal/source"
)

// A rule whose lines say their status and length, for sampling tests.
const volumeRules = `
sampling: {sampler: parentbased_traceidratio, ratio: 0.01, keep_slower_than: 1s}
rules:
  - name: kv
    grok: 'at=%%{NUMBER:at} took=%%{INT:took}ms status=%%{INT:status} url=%%{NOTSPACE:url}( tp=%%{NOTSPACE:tp})?'
    start: {field: at, epoch: s}
    duration: {field: took, unit: ms}
    span_name: 'GET {url}'
    attributes:
      - {name: url.full, field: url}
    status:
      - {field: status, range: [500, 599], error_type: '{status}'}
%s`

func volumeConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("rules.yaml", []byte(fmt.Sprintf(volumeRules, extra)), config.Options{Local: time.UTC, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Under ratio 0.01 errors and slow spans all go out, the rest mostly not;
// every drop is counted by rule and reason, in the summary and in the
// Prometheus counter.
func TestSamplingCountsAndKeeps(t *testing.T) {
	cfg := volumeConfig(t, "")
	p := NewProcessor(cfg.Rules)
	stats := NewStats(cfg.Rules)
	matched := stats.counters(cfg.Rules)
	kept, keptErr, keptSlow := 0, 0, 0
	const n = 3000
	for i := range n {
		status, took := 200, 10
		switch i % 10 {
		case 1:
			status = 503
		case 2:
			took = 1500
		}
		res := p.Process(fmt.Appendf(nil, "at=1767225600.%03d took=%dms status=%d url=/a/%d", i%1000, took, status, i))
		stats.count(&res, matched)
		if res.Span == nil {
			continue
		}
		kept++
		switch {
		case status == 503:
			keptErr++
		case took == 1500:
			keptSlow++
		}
	}
	if keptErr != n/10 || keptSlow != n/10 {
		t.Errorf("kept %d errors and %d slow spans of %d each", keptErr, keptSlow, n/10)
	}
	ratioKept := kept - keptErr - keptSlow
	if ratioKept > 60 {
		t.Errorf("ratio 0.01 kept %d of %d", ratioKept, n*8/10)
	}
	dropped := stats.SampledOutBy("kv", sampling.DropRatio)
	if dropped+int64(ratioKept) != n*8/10 || stats.SampledOut.Load() != dropped {
		t.Errorf("dropped %d (total %d), kept %d by ratio", dropped, stats.SampledOut.Load(), ratioKept)
	}
	var sum bytes.Buffer
	stats.WriteSummary(&sum, time.Second)
	for _, w := range []string{
		fmt.Sprintf("sampled out  kv                ratio            %d", dropped),
		fmt.Sprintf("kept by rule kv                kept_error       %d", stats.SampledOutBy("kv", sampling.KeptError)),
	} {
		if !strings.Contains(sum.String(), w) {
			t.Errorf("summary lacks %q:\n%s", w, sum.String())
		}
	}
	d := &Daemon{Stats: stats, Health: &Health{}}
	m := NewMetrics(d)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fams {
		if f.GetName() != "logspan_spans_sampled_out_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["rule"] == "kv" && labels["reason"] == "ratio" && int64(mt.GetCounter().GetValue()) == dropped {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no logspan_spans_sampled_out_total{rule=\"kv\",reason=\"ratio\"} %d", dropped)
	}
}

// A caller that did not sample: dropped as parent_unsampled by the parent
// based sampler (kept when it is an error), its span made by mapping so
// that the keep rules can see it.
func TestParentUnsampledCounted(t *testing.T) {
	cfg := volumeConfig(t, "")
	p := NewProcessor(cfg.Rules)
	stats := NewStats(cfg.Rules)
	matched := stats.counters(cfg.Rules)
	for _, l := range []string{
		"at=1767225600 took=5ms status=200 url=/x tp=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		"at=1767225600 took=5ms status=500 url=/x tp=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		"at=1767225600 took=5ms status=200 url=/x tp=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	} {
		res := p.Process([]byte(l))
		stats.count(&res, matched)
	}
	if got := stats.SampledOutBy("kv", sampling.DropParentUnsampled); got != 1 || stats.Unsampled.Load() != 1 {
		t.Errorf("parent_unsampled %d, unsampled %d", got, stats.Unsampled.Load())
	}
	if got := stats.SampledOutBy("kv", sampling.KeptError); got != 1 {
		t.Errorf("kept_error %d", got)
	}
}

// What logspan test shows is redacted, and says why a span is missing.
func TestDryRunShowsRedactionAndSampling(t *testing.T) {
	cfg := volumeConfig(t, "    sampling: {sampler: always_off, keep_errors: true}\n")
	var out bytes.Buffer
	f := writeLines(t, "at=1767225600 took=5ms status=500 url=/login?access_token=SECRET&next=/home",
		"at=1767225600 took=5ms status=200 url=/ok?q=token")
	if err := DryRun(cfg.Rules, f, &out, false, NewStats(cfg.Rules)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, "SECRET\"") || strings.Count(s, "access_token=REDACTED&next=/home") < 2 {
		t.Errorf("secret not redacted in name and url.full:\n%s", s)
	}
	if !strings.Contains(s, "sampled out (always_off, sampler always_off)") || !strings.Contains(s, "kept (kept_error)") {
		t.Errorf("no sampling notes:\n%s", s)
	}
}

func writeLines(t *testing.T, lines ...string) *source.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := source.Open(path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}
