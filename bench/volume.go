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
	runs := make([]backfillVariant, len(variants))
	for i, v := range variants {
		runs[i] = backfillVariant{name: v.name, config: configs[i], want: b.expected, bytes: b.bytes, args: []string{b.log}}
	}
	// Sampling exports fewer spans: check against what logspan says it
	// exported.
	runs[2].want = -1
	_, err = b.interleave(runs)
	return err
}
