package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

// daemonWarmup is how long the daemon runs under load before its CPU is
// sampled, so that start-up (rules compiled, first discovery) is left out.
const daemonWarmup = 2 * time.Second

// daemonScenario runs `logspan run` following logs written at a steady
// rate, first one file, then -files files sharing the same rate, and
// reports the share of one core it used and its peak memory.
func (b *bench) daemonScenario() error {
	fmt.Fprintf(b.out, "\ndaemon: `logspan run` following logs written at %s lines/s for %v\n", thousands(int64(b.o.daemonRate)), b.o.daemonFor)
	fmt.Fprintf(b.out, "  %-34s %12s %10s %9s %12s\n", "", "lines/s", "CPU/core", "peak RSS", "spans")
	for i, n := range []int{1, b.o.files} {
		if err := b.daemonRun(n, int64(100+i)); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) daemonRun(nfiles int, seed int64) error {
	dir := filepath.Join(b.dir, fmt.Sprintf("daemon-%d", nfiles))
	logs, state := filepath.Join(dir, "logs"), filepath.Join(dir, "state")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files := make([]*os.File, nfiles)
	for i := range files {
		f, err := os.Create(filepath.Join(logs, fmt.Sprintf("haproxy-%04d.log", i)))
		if err != nil {
			return err
		}
		defer f.Close()
		files[i] = f
	}
	before, _, err := b.recv.counts()
	if err != nil {
		return err
	}
	config, err := b.rules("rules.yaml")
	if err != nil {
		return err
	}
	h, err := start(b.exporterEnv(), nil, b.o.logspan, "run", "--config", config,
		"--state-dir", state, "--listen", "off", "--start", "beginning", "--log-level", "warn", filepath.Join(logs, "*.log"))
	if err != nil {
		return err
	}
	pid := h.cmd.Process.Pid

	// Write in 10 ms ticks, each tick catching up to rate × elapsed, so the
	// rate holds even when a tick runs late.
	g := haproxygen.New(haproxygen.Config{Seed: seed, UnmatchedRatio: 0.03, Start: time.Now(), Step: time.Second / time.Duration(b.o.daemonRate)})
	var buf []byte
	written := 0
	t0 := time.Now()
	var cpu0, cpu1 time.Duration
	var s0, s1 time.Time
	tick := time.NewTicker(10 * time.Millisecond)
	for now := range tick.C {
		el := now.Sub(t0)
		if s0.IsZero() && el >= daemonWarmup {
			if cpu0, err = cpuOf(pid); err != nil {
				break
			}
			s0 = time.Now()
		}
		if el >= b.o.daemonFor {
			cpu1, err = cpuOf(pid)
			s1 = time.Now()
			break
		}
		due := int(el.Seconds() * float64(b.o.daemonRate))
		for written < due {
			f := files[written%nfiles]
			buf = append(g.Append(buf[:0]), '\n')
			if _, werr := f.Write(buf); werr != nil {
				err = werr
				break
			}
			written++
		}
		if err != nil {
			break
		}
	}
	tick.Stop()
	if err != nil {
		_, _ = stopProcess(h, 30*time.Second)
		return fmt.Errorf("daemon with %d files: %w", nfiles, err)
	}
	want := int64(g.Count() - g.Unmatched())
	deadline := time.Now().Add(60 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		s, _, err := b.recv.counts()
		if err != nil {
			return err
		}
		if got = s - before; got >= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	u, err := stopProcess(h, 30*time.Second)
	if err != nil {
		return err
	}
	if s, _, err := b.recv.counts(); err == nil {
		got = s - before
	}
	share := (cpu1 - cpu0).Seconds() / s1.Sub(s0).Seconds()
	name := fmt.Sprintf("logspan run (%d file%s)", nfiles, map[bool]string{true: "", false: "s"}[nfiles == 1])
	fmt.Fprintf(b.out, "  %-34s %12s %9.1f%% %9s %12s\n", name, thousands(int64(float64(written)/b.o.daemonFor.Seconds())),
		100*share, fmt.Sprintf("%.1f MiB", mib(u.PeakRSS)), fmt.Sprintf("%d/%d", got, want))
	if got != want {
		b.failed = true
		fmt.Fprintf(b.out, "  MISSING SPANS: received %d, want %d\n", got, want)
	}
	b.verdict(fmt.Sprintf("under %.0f%% of one core: %.1f%%", 100*targetDaemonCPU, 100*share), share < targetDaemonCPU, false)
	b.verdict(fmt.Sprintf("peak RSS ≤ %.0f MiB: %.1f MiB", mib(targetPeakRSS), mib(u.PeakRSS)), u.PeakRSS <= targetPeakRSS, false)
	return nil
}
