// Command bench measures logspan end to end on this machine: it writes a
// realistic HAProxy access log, runs the real logspan binary on it into an
// OTLP/gRPC receiver on loopback (a separate process that acknowledges every
// request), and prints lines/s, MiB/s, CPU seconds and peak RSS, with the
// wall time of `cat FILE >/dev/null` and of a plain bufio.Scanner read of the
// same file measured in the same run as yardsticks, since shared machines
// are too noisy for absolute times to mean much.
//
// Run it from the repository root:
//
//	go run ./bench                    # full: 2,000,000 lines, 3 runs, every scenario
//	go run ./bench -short -gate       # CI: smaller, fails below the gate
//
// Scenarios: "http" (backfill, the shipped rules.yaml), "user" (backfill, a
// hand-written grok rule of typical complexity, bench/user-rule.yaml),
// "files" (backfill of the same lines split into -files files), "json"
// (backfill of Caddy-like JSON lines with a JSON rule, bench/json-rule.yaml),
// "volume" (the shipped rules with redaction off, on, and on with a 10%
// sampling ratio, interleaved; not in the default list), "journal" (the
// same lines read from the systemd journal and from a file by `logspan run`,
// interleaved; not in the default list), "cri" (the http scenario's lines
// plain and in a CRI log, interleaved; not in the default list), "daemon"
// (`logspan run` following a log written at -daemon-rate lines/s, one file
// and -files files), "syslog" (`logspan run` as the syslog server of
// HAProxy lines sent at -syslog-rate messages/s over UDP and TCP; not in
// the default list). Each reports whether it meets the targets of issue 4.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

// Targets from issue 4.
const (
	targetLinesPerSec     = 250_000
	targetCatRatio        = 20.0
	targetUserLinesPerSec = 50_000
	targetPeakRSS         = 100 << 20
	targetDaemonCPU       = 0.15 // of one core
)

// calibratedCatRatio is the target speed as a ratio to cat on the reference
// machine (2 cores, AMD EPYC, shared): there cat reads the page-cached log
// at about 60 million lines/s (59-63 million in five bench runs, about
// 10.5 GB/s), so 250,000 lines/s is logspan's wall time at about 240× cat's.
// (It was first set to 200 from an estimate of 50 million lines/s, which
// the measurements did not bear out.) Issue 4's "20× cat" assumed a cat ten
// times slower (about 5 million lines/s); it is printed, but cannot be the
// gate. The CI gate (-gate) fails above twice this ratio: below half the
// target speed relative to cat, measured in the same run so that a slower or
// busier machine moves both sides.
const calibratedCatRatio = 240.0

type options struct {
	lines      int
	runs       int
	otherRuns  int // runs of the scenarios other than http
	files      int
	logspan    string
	scenarios  string
	daemonRate int
	syslogRate int
	daemonFor  time.Duration
	gate       bool
	keep       bool
	compress   string
	batchSize  int
}

func main() {
	if os.Getenv(receiverEnv) != "" {
		if err := runReceiver(); err != nil {
			fmt.Fprintln(os.Stderr, "receiver:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(benchMain(os.Args[1:], os.Stdout))
}

func benchMain(args []string, out io.Writer) int {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.lines, "lines", 2_000_000, "lines in the generated log")
	fs.IntVar(&o.runs, "runs", 3, "runs of each measurement; medians are printed")
	fs.IntVar(&o.files, "files", 1000, "files for the many-files scenarios")
	fs.StringVar(&o.logspan, "logspan", "", "logspan binary to measure (default: build ./cmd/logspan)")
	fs.StringVar(&o.scenarios, "scenarios", "http,user,files,json,daemon", "comma-separated scenarios to run")
	fs.IntVar(&o.daemonRate, "daemon-rate", 20_000, "lines/s written while `logspan run` follows the log")
	fs.DurationVar(&o.daemonFor, "daemon-for", 20*time.Second, "how long the daemon scenario writes")
	fs.IntVar(&o.syslogRate, "syslog-rate", 50_000, "messages/s sent to `logspan run` in the syslog scenario (for -daemon-for)")
	fs.BoolVar(&o.gate, "gate", false, "exit 1 when the http scenario is slower than half the target ratio to cat, or any span is missing")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory")
	fs.StringVar(&o.compress, "compression", "none", "OTLP compression logspan uses: none or gzip")
	fs.IntVar(&o.batchSize, "batch-size", 0, "spans per export request (default: the rules file's exporter.batch_size)")
	short := fs.Bool("short", false, "a quick form for CI: 400,000 lines, 3 runs of http and 1 of the others, daemon for 8s, 200 files")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.otherRuns = o.runs
	if *short {
		o.lines, o.daemonFor, o.files, o.otherRuns = 400_000, 8*time.Second, 200, 1
	}
	b, err := newBench(o, out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer b.cleanup()
	failed, err := b.run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if failed && o.gate {
		return 1
	}
	return 0
}

// bench holds the generated inputs and the receiver shared by scenarios.
type bench struct {
	o        options
	out      io.Writer
	dir      string
	root     string
	log      string // the generated log
	bytes    int64
	expected int64 // spans the log should give
	recv     *receiverProc
	failed   bool
}

func newBench(o options, out io.Writer) (*bench, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "logspan-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, out: out, dir: dir, root: root}
	if b.o.logspan == "" {
		b.o.logspan = filepath.Join(dir, "logspan")
		cmd := exec.Command("go", "build", "-trimpath", "-o", b.o.logspan, "./cmd/logspan")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := cmd.Run(); err != nil {
			b.cleanup()
			return nil, fmt.Errorf("building logspan: %w", err)
		}
	}
	return b, nil
}

func (b *bench) cleanup() {
	if b.recv != nil {
		b.recv.in.Close()
		_, _ = b.recv.cmd.wait()
	}
	if b.o.keep {
		fmt.Fprintln(os.Stderr, "bench: work directory kept:", b.dir)
		return
	}
	os.RemoveAll(b.dir)
}

// repoRoot finds the module root from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "rules.yaml")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the logspan repository (no go.mod with rules.yaml found)")
		}
		dir = parent
	}
}

func (b *bench) run() (failed bool, err error) {
	fmt.Fprintf(b.out, "logspan bench: %s, %d CPUs, %s/%s, %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	t0 := time.Now()
	if err := b.generate(); err != nil {
		return false, err
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %d lines (%.1f MiB) in %v\n", b.o.lines, mib(b.bytes), time.Since(t0).Round(time.Millisecond))
	if b.recv, err = startReceiver(); err != nil {
		return false, err
	}
	want := strings.Split(b.o.scenarios, ",")
	for _, sc := range []struct {
		name string
		fn   func() error
	}{
		{"http", b.httpScenario},
		{"user", b.userScenario},
		{"files", b.filesScenario},
		{"json", b.jsonScenario},
		{"volume", b.volumeScenario},
		{"journal", b.journalScenario},
		{"cri", b.criScenario},
		{"daemon", b.daemonScenario},
		{"syslog", b.syslogScenario},
	} {
		if !slices.Contains(want, sc.name) {
			continue
		}
		if err := sc.fn(); err != nil {
			return b.failed, fmt.Errorf("scenario %s: %w", sc.name, err)
		}
	}
	if b.failed {
		fmt.Fprintln(b.out, "bench: FAIL")
	} else {
		fmt.Fprintln(b.out, "bench: PASS")
	}
	return b.failed, nil
}

// generate writes the benchmark log: haproxygen's realistic traffic, half
// the requests with a traceparent, 3% of lines that match no rule.
func (b *bench) generate() error {
	b.log = filepath.Join(b.dir, "haproxy.log")
	f, err := os.Create(b.log)
	if err != nil {
		return err
	}
	g := haproxygen.New(haproxygen.Config{Seed: 1, UnmatchedRatio: 0.03, Step: 250 * time.Microsecond,
		Start: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)})
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for range b.o.lines {
		line = append(g.Append(line[:0]), '\n')
		w.Write(line)
		b.bytes += int64(len(line))
	}
	b.expected = int64(g.Count() - g.Unmatched())
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// yardsticks measures cat and bufio.Scanner on path.
func yardsticks(path string) (cat, scan time.Duration, err error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer devnull.Close()
	h, err := start(nil, devnull, "cat", path)
	if err != nil {
		return 0, 0, err
	}
	u, err := h.wait()
	if err != nil {
		return 0, 0, err
	}
	t := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n += len(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	return u.Wall, time.Since(t), nil
}

// backfill runs `logspan backfill` on paths with config and checks that the
// receiver got every span logspan reports exported and, when want is not
// negative, that this is want.
func (b *bench) backfill(config string, want int64, paths ...string) (usage, error) {
	before, _, err := b.recv.counts()
	if err != nil {
		return usage{}, err
	}
	args := append([]string{"backfill", "--config", config, "--progress=false", "--log-level", "warn"}, paths...)
	u, stderr, err := run(b.exporterEnv(), b.o.logspan, args...)
	if err != nil {
		return u, err
	}
	after, _, err := b.recv.counts()
	if err != nil {
		return u, err
	}
	got := after - before
	m := exportedRE.FindStringSubmatch(stderr)
	if m == nil {
		return u, fmt.Errorf("logspan printed no \"spans exported\" summary:\n%s", lastLines(stderr, 10))
	}
	exported, _ := strconv.ParseInt(m[1], 10, 64)
	if got != exported || (want >= 0 && got != want) {
		b.failed = true
		fmt.Fprintf(b.out, "  MISSING SPANS: received %d, logspan exported %d, expected %d\n", got, exported, want)
	}
	return u, nil
}

// exportedRE finds the count in backfill's closing summary.
var exportedRE = regexp.MustCompile(`spans exported\s+(\d+)`)

// rules returns the path of a rules file of the repository, or of a copy in
// the work directory with -batch-size applied.
func (b *bench) rules(name string) (string, error) {
	path := filepath.Join(b.root, name)
	if b.o.batchSize <= 0 {
		return path, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	text := string(data)
	if strings.Contains(text, "batch_size:") {
		text = batchSizeRE.ReplaceAllString(text, fmt.Sprintf("batch_size: %d", b.o.batchSize))
	} else if strings.HasPrefix(text, "rules:") || strings.Contains(text, "\nrules:") {
		text = fmt.Sprintf("exporter:\n  batch_size: %d\n", b.o.batchSize) + text
	}
	out := filepath.Join(b.dir, fmt.Sprintf("batch%d-%s", b.o.batchSize, filepath.Base(name)))
	return out, os.WriteFile(out, []byte(text), 0o644)
}

var batchSizeRE = regexp.MustCompile(`batch_size: *\d+`)

func (b *bench) exporterEnv() []string {
	return []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + b.recv.addr,
		"OTEL_EXPORTER_OTLP_COMPRESSION=" + b.o.compress,
		"OTEL_SERVICE_NAME=", // the rules' service names apply
	}
}

// row is one printed measurement: medians over runs.
type row struct {
	name    string
	lines   int64
	bytes   int64
	wall    time.Duration
	cpu     time.Duration
	peakRSS int64
}

func (b *bench) header() {
	fmt.Fprintf(b.out, "  %-34s %12s %8s %8s %8s %9s\n", "", "lines/s", "MiB/s", "wall s", "CPU s", "peak RSS")
}

func (b *bench) print(r row) {
	rate := float64(r.lines) / r.wall.Seconds()
	rss := "-"
	if r.peakRSS > 0 {
		rss = fmt.Sprintf("%.1f MiB", mib(r.peakRSS))
	}
	cpu := "-"
	if r.cpu > 0 {
		cpu = fmt.Sprintf("%.2f", r.cpu.Seconds())
	}
	fmt.Fprintf(b.out, "  %-34s %12s %8.1f %8.3f %8s %9s\n", r.name, thousands(int64(rate)), mib(r.bytes)/r.wall.Seconds(), r.wall.Seconds(), cpu, rss)
}

// verdict prints a target line and records a miss.
func (b *bench) verdict(what string, ok bool, gate bool) {
	mark := "meets"
	if !ok {
		mark = "MISSES"
		if gate {
			mark = "FAILS"
			b.failed = true
		}
	}
	fmt.Fprintf(b.out, "  %-7s %s\n", mark, what)
}

func (b *bench) httpScenario() error {
	fmt.Fprintf(b.out, "\nhttp: `logspan backfill` with the shipped rules.yaml, %s lines (%.1f MiB), %d spans expected, %d runs (medians)\n",
		thousands(int64(b.o.lines)), mib(b.bytes), b.expected, b.o.runs)
	config, err := b.rules("rules.yaml")
	if err != nil {
		return err
	}
	var cats, scans, walls, cpus, rsss, ratios, scanRatios []float64
	for range b.o.runs {
		cat, scan, err := yardsticks(b.log)
		if err != nil {
			return err
		}
		u, err := b.backfill(config, b.expected, b.log)
		if err != nil {
			return err
		}
		cats, scans = append(cats, cat.Seconds()), append(scans, scan.Seconds())
		walls, cpus, rsss = append(walls, u.Wall.Seconds()), append(cpus, u.CPU.Seconds()), append(rsss, float64(u.PeakRSS))
		ratios = append(ratios, u.Wall.Seconds()/cat.Seconds())
		scanRatios = append(scanRatios, u.Wall.Seconds()/scan.Seconds())
	}
	n := int64(b.o.lines)
	b.header()
	b.print(row{name: "cat FILE >/dev/null", lines: n, bytes: b.bytes, wall: secs(median(cats))})
	b.print(row{name: "bufio.Scanner", lines: n, bytes: b.bytes, wall: secs(median(scans))})
	r := row{name: "logspan backfill", lines: n, bytes: b.bytes, wall: secs(median(walls)), cpu: secs(median(cpus)), peakRSS: int64(median(rsss))}
	b.print(r)
	rate := float64(n) / r.wall.Seconds()
	ratio := median(ratios)
	fmt.Fprintf(b.out, "  logspan's wall time is %.1f× cat's and %.1f× bufio.Scanner's (medians of per-run ratios)\n", ratio, median(scanRatios))
	b.verdict(fmt.Sprintf("≥ %s lines/s: %s", thousands(targetLinesPerSec), thousands(int64(rate))), rate >= targetLinesPerSec, false)
	b.verdict(fmt.Sprintf("within %.0f× of cat (the issue's ratio; see calibratedCatRatio): %.1f×", targetCatRatio, ratio), ratio <= targetCatRatio, false)
	b.verdict(fmt.Sprintf("within %.0f× of cat (250,000 lines/s on the reference machine): %.1f×", calibratedCatRatio, ratio), ratio <= calibratedCatRatio, false)
	if b.o.gate {
		b.verdict(fmt.Sprintf("CI gate: within %.0f× of cat (half the target speed relative to cat): %.1f×", 2*calibratedCatRatio, ratio), ratio <= 2*calibratedCatRatio, true)
	}
	b.verdict(fmt.Sprintf("peak RSS ≤ %.0f MiB: %.1f MiB", mib(targetPeakRSS), mib(r.peakRSS)), r.peakRSS <= targetPeakRSS, false)
	return nil
}

func (b *bench) userScenario() error {
	config, err := b.rules(filepath.Join("bench", "user-rule.yaml"))
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\nuser: `logspan backfill` with a hand-written grok rule (bench/user-rule.yaml), %d runs (medians)\n", b.o.otherRuns)
	var walls, cpus, rsss []float64
	for range b.o.otherRuns {
		// The user's rule reads fewer lines than the shipped one (not
		// <BADREQ> lines, for one): check against what logspan exported.
		u, err := b.backfill(config, -1, b.log)
		if err != nil {
			return err
		}
		walls, cpus, rsss = append(walls, u.Wall.Seconds()), append(cpus, u.CPU.Seconds()), append(rsss, float64(u.PeakRSS))
	}
	b.header()
	r := row{name: "logspan backfill (user rule)", lines: int64(b.o.lines), bytes: b.bytes, wall: secs(median(walls)), cpu: secs(median(cpus)), peakRSS: int64(median(rsss))}
	b.print(r)
	rate := float64(r.lines) / r.wall.Seconds()
	b.verdict(fmt.Sprintf("≥ %s lines/s: %s", thousands(targetUserLinesPerSec), thousands(int64(rate))), rate >= targetUserLinesPerSec, false)
	return nil
}

// filesScenario splits the log into many files and backfills them all, to
// show that peak memory does not depend on the number of files.
func (b *bench) filesScenario() error {
	dir := filepath.Join(b.dir, "many")
	paths, err := split(b.log, dir, b.o.files)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\nfiles: `logspan backfill` of the same lines split into %d files, %d runs (medians)\n", len(paths), b.o.otherRuns)
	config, err := b.rules("rules.yaml")
	if err != nil {
		return err
	}
	var walls, cpus, rsss []float64
	for range b.o.otherRuns {
		u, err := b.backfill(config, b.expected, paths...)
		if err != nil {
			return err
		}
		walls, cpus, rsss = append(walls, u.Wall.Seconds()), append(cpus, u.CPU.Seconds()), append(rsss, float64(u.PeakRSS))
	}
	b.header()
	r := row{name: fmt.Sprintf("logspan backfill (%d files)", len(paths)), lines: int64(b.o.lines), bytes: b.bytes, wall: secs(median(walls)), cpu: secs(median(cpus)), peakRSS: int64(median(rsss))}
	b.print(r)
	b.verdict(fmt.Sprintf("peak RSS ≤ %.0f MiB: %.1f MiB", mib(targetPeakRSS), mib(r.peakRSS)), r.peakRSS <= targetPeakRSS, false)
	return os.RemoveAll(dir)
}

// split writes path's lines round-robin into n files under dir.
func split(path, dir string, n int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	paths := make([]string, n)
	ws := make([]*bufio.Writer, n)
	fs := make([]*os.File, n)
	for i := range n {
		paths[i] = filepath.Join(dir, fmt.Sprintf("haproxy-%04d.log", i))
		if fs[i], err = os.Create(paths[i]); err != nil {
			return nil, err
		}
		ws[i] = bufio.NewWriterSize(fs[i], 16<<10)
	}
	sc := bufio.NewScanner(in)
	for i := 0; sc.Scan(); i++ {
		w := ws[i%n]
		w.Write(sc.Bytes())
		w.WriteByte('\n')
	}
	for i := range n {
		if err := ws[i].Flush(); err != nil {
			return nil, err
		}
		if err := fs[i].Close(); err != nil {
			return nil, err
		}
	}
	return paths, sc.Err()
}

// stopProcess sends SIGTERM and waits up to timeout.
func stopProcess(h *procHandle, timeout time.Duration) (usage, error) {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan struct{})
	var u usage
	var err error
	go func() { u, err = h.wait(); close(done) }()
	select {
	case <-done:
		return u, err
	case <-ctx.Done():
		_ = h.cmd.Process.Kill()
		<-done
		return u, fmt.Errorf("logspan did not stop within %v of SIGTERM", timeout)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// thousands formats n with commas: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cpuModel names the processor, for the record.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
