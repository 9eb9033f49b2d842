package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// criPod is the kubelet-shaped directory the cri scenario's log sits in,
// so that its spans get the pod's resource attributes as in a cluster.
const criPod = "pods/ingress_haproxy-7d9f8b-x2x4k_0c9f4a52-7d1e-4b8a-9f3e-2a6b1c0d9e8f/haproxy"

// writeCRILog writes the lines of plain as a container runtime's CRI log
// (each line one full record, "<time> stdout F <line>", as HAProxy's lines,
// far below the runtimes' 8-16 KiB pieces, are) and returns its size.
func writeCRILog(plain, path string) (int64, error) {
	in, err := os.Open(plain)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	ts := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var size int64
	var rec []byte
	for sc.Scan() {
		ts = ts.Add(250*time.Microsecond + 123)
		rec = ts.AppendFormat(rec[:0], time.RFC3339Nano)
		rec = append(rec, " stdout F "...)
		rec = append(append(rec, sc.Bytes()...), '\n')
		w.Write(rec)
		size += int64(len(rec))
	}
	if err := sc.Err(); err != nil {
		out.Close()
		return 0, err
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return 0, err
	}
	return size, out.Close()
}

// targetCRIRatio is issue 17's bar: HAProxy lines in a CRI log within 15%
// of the same lines in a plain file.
const targetCRIRatio = 1.15

// criScenario backfills the benchmark log and its CRI-wrapped copy (in a
// /var/log/pods-shaped directory, --format cri) with the shipped rules, one
// run of each per round, interleaved, and compares their medians.
func (b *bench) criScenario() error {
	dir := filepath.Join(b.dir, filepath.FromSlash(criPod))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	log := filepath.Join(dir, "0.log")
	size, err := writeCRILog(b.log, log)
	if err != nil {
		return err
	}
	config, err := b.rules("rules.yaml")
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\ncri: `logspan backfill` with the shipped rules, the same %s lines plain and in a CRI log (--format cri, %.1f MiB), %d interleaved rounds (medians)\n",
		thousands(int64(b.o.lines)), mib(size), b.o.otherRuns)
	walls, err := b.interleave([]backfillVariant{
		{name: "plain file", config: config, want: b.expected, bytes: b.bytes, args: []string{b.log}},
		{name: "CRI log", config: config, want: b.expected, bytes: size, args: []string{"--format", "cri", log}},
	})
	if err != nil {
		return err
	}
	ratio := walls[1] / walls[0]
	b.verdict(fmt.Sprintf("CRI within 15%% of plain (wall time): %.2f×", ratio), ratio <= targetCRIRatio, false)
	return nil
}
