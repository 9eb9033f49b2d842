package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// volumeScenario measures what redaction and sampling cost the shipped
// HAProxy rules: the same log backfilled with redaction off, with the
// default redaction, and with the default redaction plus a 10% trace-id
// ratio, one run of each per round, interleaved, so that the noise of a
// shared machine falls on all three alike.
func (b *bench) volumeScenario() error {
	shipped, err := os.ReadFile(filepath.Join(b.root, "rules.yaml"))
	if err != nil {
		return err
	}
	variants := []struct {
		name, top string
	}{
		{"redaction off", "redact: {defaults: false}\n"},
		{"redaction on (default)", ""},
		{"redaction on, ratio 0.1", "sampling: {sampler: traceidratio, ratio: 0.1}\n"},
	}
	configs := make([]string, len(variants))
	for i, v := range variants {
		configs[i] = filepath.Join(b.dir, fmt.Sprintf("volume-%d.yaml", i))
		text := v.top + string(shipped) // -batch-size does not apply here
		if err := os.WriteFile(configs[i], []byte(text), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(b.out, "\nvolume: `logspan backfill` with the shipped rules, redaction and sampling, %s lines, %d interleaved rounds (medians)\n",
		thousands(int64(b.o.lines)), b.o.otherRuns)
	walls := make([][]float64, len(variants))
	cpus := make([][]float64, len(variants))
	rsss := make([][]float64, len(variants))
	for range b.o.otherRuns {
		for i := range variants {
			// Sampling exports fewer spans: check against what logspan
			// says it exported.
			want := b.expected
			if i == 2 {
				want = -1
			}
			u, err := b.backfill(configs[i], want, b.log)
			if err != nil {
				return err
			}
			walls[i] = append(walls[i], u.Wall.Seconds())
			cpus[i] = append(cpus[i], u.CPU.Seconds())
			rsss[i] = append(rsss[i], float64(u.PeakRSS))
		}
	}
	b.header()
	for i, v := range variants {
		b.print(row{name: "logspan backfill, " + v.name, lines: int64(b.o.lines), bytes: b.bytes,
			wall: secs(median(walls[i])), cpu: secs(median(cpus[i])), peakRSS: int64(median(rsss[i]))})
	}
	return nil
}
