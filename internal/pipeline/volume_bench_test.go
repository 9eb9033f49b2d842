package pipeline

import (
	"os"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/haproxygen"
)

// BenchmarkProcessVolume runs generated HAProxy lines through the shipped
// rules (parse, map, sample, redact) under three settings of the top of
// rules.yaml, to compare the cost of redaction and sampling per line. Run
// with -count and compare the medians: the machine is noisy.
func BenchmarkProcessVolume(b *testing.B) {
	b.Chdir("../..")
	shipped, err := os.ReadFile("rules.yaml")
	if err != nil {
		b.Fatal(err)
	}
	g := haproxygen.New(haproxygen.Config{Seed: 1, UnmatchedRatio: 0.03, Step: time.Millisecond})
	lines := make([][]byte, 4096)
	for i := range lines {
		lines[i] = g.Append(nil)
	}
	for _, c := range []struct{ name, top string }{
		{"redact=off", "redact: {defaults: false}\n"},
		{"redact=on", ""},
		{"redact=on,ratio=0.1", "sampling: {sampler: traceidratio, ratio: 0.1}\n"},
	} {
		cfg, err := config.Parse("rules.yaml", append([]byte(c.top), shipped...), config.Options{Local: time.UTC, Getenv: func(string) string { return "" }})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			p := NewProcessor(cfg.Rules)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.Process(lines[i&4095])
				i++
			}
		})
	}
}
