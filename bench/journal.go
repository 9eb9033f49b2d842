package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/logspan/logspan/internal/journal/journaltest"
)

// journalScenario measures the journal input against a plain file: the
// benchmark log's lines as journal entries of haproxy.service (written by
// systemd-journal-remote, as journald would store HAProxy's `log stdout`),
// and the same lines as a file, each read by `logspan run` from the
// beginning until the receiver has every span, one run of each per round,
// interleaved. The journal's time includes journalctl, a second process
// formatting every entry as JSON, whose CPU is reported on its own.
func (b *bench) journalScenario() error {
	if why := journaltest.Missing(); why != "" {
		fmt.Fprintf(b.out, "\njournal: skipped: %s\n", why)
		return nil
	}
	dir := filepath.Join(b.dir, "journal")
	t0 := time.Now()
	if err := b.writeJournal(dir); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %d journal entries in %v\n", b.o.lines, time.Since(t0).Round(time.Millisecond))
	shipped, err := os.ReadFile(filepath.Join(b.root, "rules.yaml"))
	if err != nil {
		return err
	}
	configs := map[string]string{
		"journal": "\ninputs:\n  - journal: {units: [haproxy.service], directory: " + dir + ", start: beginning}\n",
		"file":    "\ninputs:\n  - paths: ['" + b.log + "']\n    start: beginning\n",
	}
	for name, inputs := range configs {
		path := filepath.Join(b.dir, "journal-bench-"+name+".yaml")
		if err := os.WriteFile(path, append(append([]byte(nil), shipped...), inputs...), 0o644); err != nil {
			return err
		}
		configs[name] = path
	}
	fmt.Fprintf(b.out, "\njournal: `logspan run` from the beginning until every span arrived, %s lines, %d interleaved rounds (medians)\n",
		thousands(int64(b.o.lines)), b.o.otherRuns)
	fmt.Fprintf(b.out, "  %-34s %12s %10s %14s %9s\n", "", "lines/s", "wall", "CPU logspan", "CPU journalctl")
	kinds := []string{"file", "journal"}
	walls, cpus, jcpus := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	for round := range b.o.otherRuns {
		for _, k := range kinds {
			wall, cpu, jcpu, err := b.runUntilAll(configs[k], filepath.Join(b.dir, fmt.Sprintf("journal-state-%s-%d", k, round)))
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			walls[k] = append(walls[k], wall.Seconds())
			cpus[k] = append(cpus[k], cpu.Seconds())
			jcpus[k] = append(jcpus[k], jcpu.Seconds())
		}
	}
	for _, k := range kinds {
		w := median(walls[k])
		fmt.Fprintf(b.out, "  %-34s %12s %9.2fs %13.2fs %9.2fs\n", "logspan run, "+k, thousands(int64(float64(b.o.lines)/w)), w, median(cpus[k]), median(jcpus[k]))
	}
	return nil
}

// writeJournal writes the benchmark log's lines to a journal in dir, as
// entries of haproxy.service one millisecond apart, streaming the export
// format into systemd-journal-remote.
func (b *bench) writeJournal(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(journaltest.RemoteBinary, "--output="+filepath.Join(dir, "bench.journal"), "-")
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	f, err := os.Open(b.log)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	w := bufio.NewWriterSize(in, 1<<20)
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).UnixMicro()
	for n := 1; sc.Scan(); n++ {
		fmt.Fprintf(w, "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_SYSTEMD_UNIT=haproxy.service\n_PID=812\nSYSLOG_IDENTIFIER=haproxy\nPRIORITY=6\n_TRANSPORT=stdout\nMESSAGE=",
			t+int64(n)*1000, n, journaltest.BootID)
		w.Write(sc.Bytes())
		w.WriteString("\n\n")
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("systemd-journal-remote: %w: %s", err, stderr.String())
	}
	return nil
}

// runUntilAll runs `logspan run` with config until the receiver has every
// span of the benchmark log, and returns the wall time, logspan's CPU and
// that of its child processes (journalctl) while they ran.
func (b *bench) runUntilAll(config, state string) (wall, cpu, childCPU time.Duration, err error) {
	defer os.RemoveAll(state)
	before, _, err := b.recv.counts()
	if err != nil {
		return 0, 0, 0, err
	}
	t0 := time.Now()
	h, err := start(b.exporterEnv(), nil, b.o.logspan, "run", "--config", config, "--state-dir", state, "--listen", "off", "--log-level", "warn")
	if err != nil {
		return 0, 0, 0, err
	}
	pid := h.cmd.Process.Pid
	deadline := t0.Add(10 * time.Minute)
	for {
		s, _, cerr := b.recv.counts()
		if cerr != nil {
			err = cerr
			break
		}
		if s-before >= b.expected {
			wall = time.Since(t0)
			break
		}
		if time.Now().After(deadline) {
			err = fmt.Errorf("received %d spans of %d in 10 minutes", s-before, b.expected)
			break
		}
		for _, c := range children(pid) {
			if c, cerr := cpuOf(c); cerr == nil {
				childCPU = max(childCPU, c) // read while it lives
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range children(pid) {
		if c, cerr := cpuOf(c); cerr == nil {
			childCPU = max(childCPU, c)
		}
	}
	cpu, _ = cpuOf(pid)
	if _, serr := stopProcess(h, 30*time.Second); err == nil && serr != nil {
		err = serr
	}
	return wall, cpu, childCPU, err
}

// children returns the pids of pid's child processes.
func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, t := range tasks {
		data, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(data)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
