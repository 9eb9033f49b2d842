package main

// backfillVariant is one way of running a backfill in an interleaved
// comparison: the rules file, the spans it must export (-1: whatever
// logspan says it exported), the input's size for the MiB/s column, and
// backfill's arguments after its own (flags, then paths).
type backfillVariant struct {
	name   string
	config string
	want   int64
	bytes  int64
	args   []string
}

// interleave runs every variant once per round, one after the other, for
// the scenarios' number of rounds, so that the machine's drift touches all
// alike; it prints a row of medians per variant and returns the median wall
// times, in the variants' order.
func (b *bench) interleave(vs []backfillVariant) ([]float64, error) {
	walls := make([][]float64, len(vs))
	cpus := make([][]float64, len(vs))
	rsss := make([][]float64, len(vs))
	for range b.o.otherRuns {
		for i, v := range vs {
			u, err := b.backfill(v.config, v.want, v.args...)
			if err != nil {
				return nil, err
			}
			walls[i] = append(walls[i], u.Wall.Seconds())
			cpus[i] = append(cpus[i], u.CPU.Seconds())
			rsss[i] = append(rsss[i], float64(u.PeakRSS))
		}
	}
	b.header()
	medians := make([]float64, len(vs))
	for i, v := range vs {
		medians[i] = median(walls[i])
		b.print(row{name: "logspan backfill, " + v.name, lines: int64(b.o.lines), bytes: v.bytes,
			wall: secs(medians[i]), cpu: secs(median(cpus[i])), peakRSS: int64(median(rsss[i]))})
	}
	return medians, nil
}
