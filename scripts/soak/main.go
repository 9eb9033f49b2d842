// Command soak proves that `logspan run` loses no line under the conditions
// a production daemon meets: log rotation, crashes (SIGKILL) and restarts,
// and a collector outage, while it reads a steady stream of HAProxy
// access-log lines for minutes.
//
// It builds logspan, starts an in-process OTLP receiver (a separate process
// from logspan, acknowledging every request), writes lines from
// internal/haproxygen to a log file that it rotates, kills and restarts
// logspan, stops the receiver for a while, and at the end checks that the
// span of every written line arrived (duplicates after a crash or an outage
// are allowed, losses and strangers are not; without either, duplicates
// fail too), that logspan exits cleanly on SIGTERM and that its memory
// stayed flat.
//
// By default it rotates by renaming, as logrotate's create mode does. With
// -logrotate FILE it runs the real logrotate instead (logrotate -s STATE -f
// CONF), with the directives in FILE (e.g. scripts/soak/compress-
// delaycompress.conf): compression, delaycompress and copytruncate are then
// exactly what a production host does.
//
// Run it from the repository with scripts/soak.sh or
//
//	go run ./scripts/soak [-duration 5m] [-rate 2000] [-rotate 5s] [-kills 2] [-outage 30s] [-logrotate FILE] ...
//
// It prints a few "soak:" lines with the figures and PASS or FAIL, and exits
// with status 1 on failure. Progress and events go to stderr.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/internal/haproxygen"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

// ruleName is the rule every generated line must be read by; span ids
// derive from it and the line.
const ruleName = "haproxy_http"

// logName is the log file's name inside the log directory; rotated
// generations are logName.1, logName.2, ...
const logName = "haproxy.log"

// lateLines is how many lines go to the old file after it was renamed, as
// HAProxy (or any writer) keeps writing to its open descriptor until it
// reopens the log.
const lateLines = 5

// stopTimeout is how long logspan may take to exit after SIGTERM.
const stopTimeout = 30 * time.Second

// rssNoise is the absolute RSS growth under which memory counts as flat
// whatever the ratio: small heaps grow by a few MiB for unrelated reasons.
const rssNoise = 20 << 20

// options are the command-line settings.
type options struct {
	duration  time.Duration
	rate      int
	rotate    time.Duration
	keepGens  int
	kills     int
	outage    time.Duration
	drain     time.Duration
	logspan   string
	keep      bool
	rssGrowth float64
	seed      int64
	// logrotate is a file of logrotate directives: rotate with the real
	// logrotate and them instead of renaming.
	logrotate string
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	os.Exit(run(os.Args[1:], os.Stdout))
}

// run is the whole soak; it returns the process exit status.
func run(args []string, stdout io.Writer) int {
	opts, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := newSoak(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		if s != nil {
			os.RemoveAll(s.tmp)
		}
		return 1
	}
	res, err := s.run(ctx)
	code := 0
	if err != nil {
		if t := tailLines(s.logPath, 10); t != "" {
			fmt.Fprintf(os.Stderr, "soak: the end of logspan's log:\n%s", t)
		}
		fmt.Fprintln(stdout, "soak: FAIL:", err)
		code = 1
	} else {
		res.print(stdout)
		fails := res.failures(opts.rssGrowth)
		if len(fails) > 0 {
			fmt.Fprintln(stdout, "soak: FAIL: "+strings.Join(fails, "; "))
			code = 1
		} else {
			fmt.Fprintln(stdout, "soak: PASS")
		}
	}
	s.cleanup(stdout, code == 0)
	return code
}

// tailLines returns the last n lines of the file at path, "" when it
// cannot be read or is empty; logspan's own words usually say why it
// could not run.
func tailLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.SplitAfter(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "") + "\n"
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "how long to write lines")
	fs.IntVar(&o.rate, "rate", 2000, "lines written per second")
	fs.DurationVar(&o.rotate, "rotate", 5*time.Second, "time between log rotations")
	fs.IntVar(&o.keepGens, "generations", 0, "rotated files kept (haproxy.log.1 ... .N); 0: enough that a file outlives the outage by 20s, at least 3")
	fs.IntVar(&o.kills, "kills", 2, "times logspan is killed with SIGKILL and restarted, evenly spread")
	fs.DurationVar(&o.outage, "outage", 30*time.Second, "how long the collector is down, in the middle of the run")
	fs.DurationVar(&o.drain, "drain", 60*time.Second, "how long to wait after writing stops for every span to arrive")
	fs.StringVar(&o.logspan, "logspan", "", "prebuilt logspan binary (default: go build ./cmd/logspan)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, state, binary) even when the soak passes")
	fs.Float64Var(&o.rssGrowth, "rss-growth", 1.5, "largest allowed ratio of last-fifth to first-fifth median RSS (beyond 20 MiB of growth)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated lines")
	fs.StringVar(&o.logrotate, "logrotate", "", "rotate with the real logrotate, using the directives in this file (e.g. scripts/soak/compress-delaycompress.conf) instead of renaming")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.rate <= 0:
		return o, errors.New("-rate must be positive")
	case o.rotate <= 0:
		return o, errors.New("-rotate must be positive")
	case o.kills < 0 || o.outage < 0 || o.drain < 0 || o.keepGens < 0:
		return o, errors.New("-kills, -outage, -drain and -generations cannot be negative")
	case o.outage >= o.duration:
		return o, errors.New("-outage must be shorter than -duration")
	case o.rssGrowth < 1:
		return o, errors.New("-rss-growth must be at least 1")
	}
	if o.keepGens == 0 {
		o.keepGens = autoGenerations(o.rotate, o.outage)
	}
	return o, nil
}

// autoGenerations is how many rotated files to keep so that a file lives
// longer than the collector outage plus 20 seconds: logspan cannot read
// ahead while its exports are blocked, and a file deleted before it was
// opened would be lost by the test rig, not by logspan.
func autoGenerations(rotate, outage time.Duration) int {
	n := int(math.Ceil(float64(outage+20*time.Second) / float64(rotate)))
	return max(n, 3)
}

// soak holds one run's resources.
type soak struct {
	opts     options
	repo     string
	tmp      string
	logDir   string
	stateDir string
	logPath  string // logspan's stderr and stdout
	bin      string
	recv     *otlptest.Receiver
	daemon   *daemon
	writer   *writer
	rss      rssTracker
}

func newSoak(opts options) (*soak, error) {
	repo, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "logspan-soak-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	s := &soak{
		opts:     opts,
		repo:     repo,
		tmp:      tmp,
		logDir:   filepath.Join(tmp, "logs"),
		stateDir: filepath.Join(tmp, "state"),
		logPath:  filepath.Join(tmp, "logspan.log"),
		bin:      opts.logspan,
	}
	for _, d := range []string{s.logDir, s.stateDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return s, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return s, nil
}

// repoRoot finds the module's root from the working directory upwards, so
// the soak runs from anywhere inside the repository.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module github.com/logspan/logspan\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the logspan repository (no go.mod of github.com/logspan/logspan above the working directory)")
		}
		dir = parent
	}
}

// cleanup removes the bulky part of the temporary directory after a pass
// (unless -keep) and says where logspan's log is, which is always kept.
func (s *soak) cleanup(stdout io.Writer, passed bool) {
	if s.recv != nil {
		s.recv.Stop()
	}
	if passed && !s.opts.keep {
		for _, p := range []string{s.logDir, s.stateDir, filepath.Join(s.tmp, "logspan")} {
			if err := os.RemoveAll(p); err != nil {
				slog.Warn("cannot remove", "path", p, "err", err)
			}
		}
		fmt.Fprintln(stdout, "soak: logspan's log:", s.logPath)
		return
	}
	fmt.Fprintln(stdout, "soak: logspan's log:", s.logPath, "(files, state and binary kept in", s.tmp+")")
}

// run performs the soak and gathers its figures. An error means the soak
// could not be carried out (build failure, logspan not starting, I/O
// errors, interruption), as opposed to a soak that ran and found faults.
func (s *soak) run(ctx context.Context) (*result, error) {
	o := s.opts
	if s.bin == "" {
		s.bin = filepath.Join(s.tmp, "logspan")
		slog.Info("building logspan", "output", s.bin)
		build := exec.CommandContext(ctx, "go", "build", "-o", s.bin, "./cmd/logspan")
		build.Dir = s.repo
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("build logspan: %w", err)
		}
	}
	recv, err := otlptest.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the OTLP receiver: %w", err)
	}
	recv.KeepIDsOnly()
	s.recv = recv

	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open logspan's log: %w", err)
	}
	defer logFile.Close()
	s.daemon = &daemon{
		bin: s.bin,
		args: []string{"run",
			"--config", filepath.Join(s.repo, "rules.yaml"),
			"--state-dir", s.stateDir,
			"--listen", "127.0.0.1:0",
			"--start", "beginning",
			"--poll-interval", "200ms",
			filepath.Join(s.logDir, logName+"*"),
		},
		env: daemonEnv(os.Environ(), recv.Endpoint()),
		out: logFile,
	}

	step := time.Second / time.Duration(o.rate)
	t0 := time.Now()
	genCfg := haproxygen.Config{Seed: o.seed, TraceparentRatio: 0.5, Start: t0, Step: step}
	s.writer = &writer{
		dir:   s.logDir,
		keep:  o.keepGens,
		rate:  o.rate,
		every: o.rotate,
		gen:   haproxygen.New(genCfg),
		recv:  recv,
	}
	if o.logrotate != "" {
		lr, err := newLogrotate(o.logrotate, s.tmp, filepath.Join(s.logDir, logName), o.keepGens)
		if err != nil {
			return nil, err
		}
		if lr.keep < o.keepGens {
			slog.Warn("the logrotate configuration keeps fewer generations than the outage needs: lines in files it deletes before logspan opens them are lost by the test rig", "rotate", lr.keep, "needed", o.keepGens)
		}
		s.writer.lr, s.writer.keep = lr, lr.keep
	}
	slog.Info("soak starting", "duration", o.duration, "rate", o.rate, "rotate", o.rotate,
		"generations", s.writer.keep, "logrotate", o.logrotate, "kills", o.kills, "outage", o.outage, "dir", s.tmp,
		"collector", recv.Addr())

	if err := s.daemon.start(); err != nil {
		return nil, err
	}
	wctx, cancelWriter := context.WithDeadline(ctx, t0.Add(o.duration))
	defer cancelWriter()
	writerDone := make(chan error, 1)
	go func() { writerDone <- s.writer.run(wctx, t0) }()

	writing := true
	abort := func(err error) (*result, error) {
		cancelWriter()
		if writing {
			<-writerDone
		}
		s.daemon.kill()
		return nil, err
	}

	evs := schedule(o.duration, o.kills, o.outage)
	sample := time.NewTicker(time.Second)
	defer sample.Stop()
	next := time.NewTimer(time.Until(t0.Add(evs[0].at)))
	defer next.Stop()
	var outageStart time.Time // zero when the collector is up
	var outageTotal time.Duration
	kills := 0
	for writing {
		select {
		case <-ctx.Done():
			return abort(errors.New("interrupted"))
		case err := <-writerDone:
			writing = false
			if err != nil {
				return abort(err)
			}
		case <-sample.C:
			s.rss.sample(s.daemon.pid(), time.Since(t0))
		case exit := <-s.daemon.exited():
			if err := s.daemon.unexpectedExit(exit); err != nil {
				return abort(fmt.Errorf("%w; see %s", err, s.logPath))
			}
		case <-next.C:
			ev := evs[0]
			evs = evs[1:]
			switch ev.kind {
			case evKill:
				s.rss.beforeStop(s.daemon.pid())
				old := s.daemon.pid()
				s.daemon.kill()
				if err := s.daemon.start(); err != nil {
					return abort(err)
				}
				kills++
				slog.Info("killed logspan with SIGKILL and restarted it", "old_pid", old, "pid", s.daemon.pid(), "lines_written", s.writer.count())
			case evOutageStart:
				recv.Stop()
				outageStart = time.Now()
				slog.Info("collector stopped", "for", o.outage, "spans_received", recv.SpanCount())
			case evOutageEnd:
				if err := s.endOutage(&outageStart, &outageTotal); err != nil {
					return abort(err)
				}
			}
			if len(evs) > 0 {
				next.Reset(time.Until(t0.Add(evs[0].at)))
			}
		}
	}
	writeEnd := time.Now()
	// A timer that fires late could leave the collector down past the end
	// of writing; it must be up for the drain.
	if err := s.endOutage(&outageStart, &outageTotal); err != nil {
		return abort(err)
	}
	w := s.writer
	slog.Info("writing stopped; waiting for the remaining spans", "lines_written", w.count(), "spans_received", recv.SpanCount(), "drain", o.drain)

	// Drain: wait until every written line's span has arrived.
	drainEnd := writeEnd.Add(o.drain)
	catchUp := time.Duration(-1)
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	lastReport := time.Now()
drain:
	for {
		select {
		case <-ctx.Done():
			return abort(errors.New("interrupted"))
		case <-sample.C:
			s.rss.sample(s.daemon.pid(), time.Since(t0))
		case exit := <-s.daemon.exited():
			if err := s.daemon.unexpectedExit(exit); err != nil {
				return abort(fmt.Errorf("%w; see %s", err, s.logPath))
			}
		case now := <-poll.C:
			if recv.DistinctSpanIDs() >= len(w.ids) && countMissing(w.ids, recv.SpanIDCount) == 0 {
				catchUp = now.Sub(writeEnd)
				break drain
			}
			if now.After(drainEnd) {
				break drain
			}
			if now.Sub(lastReport) >= 10*time.Second {
				lastReport = now
				slog.Info("draining", "distinct_spans", recv.DistinctSpanIDs(), "lines_written", len(w.ids))
			}
		}
	}

	// Stop logspan the way a service manager does.
	s.rss.sample(s.daemon.pid(), time.Since(t0))
	s.rss.beforeStop(s.daemon.pid())
	stopStart := time.Now()
	exitCode, exitErr := s.daemon.stop(stopTimeout)
	stopTook := time.Since(stopStart)

	received := recv.SpanIDs()
	cmp := compare(w.ids, received)
	res := &result{
		Duration:      o.duration,
		Written:       len(w.ids),
		Rotations:     w.rotations,
		DeletedFiles:  len(w.deleted),
		Generations:   w.keep,
		Logrotate:     o.logrotate,
		Kills:         kills,
		SelfExits:     s.daemon.selfExits,
		Outage:        outageTotal,
		Received:      recv.SpanCount(),
		Distinct:      len(received),
		Missing:       len(cmp.missing),
		Unexpected:    cmp.unexpected,
		CatchUp:       catchUp,
		ExitCode:      exitCode,
		ExitErr:       exitErr,
		StopTook:      stopTook,
		PeakRSS:       s.rss.peak,
		RSSSamples:    len(s.rss.series),
		RSSFirstFifth: -1,
		RSSLastFifth:  -1,
	}
	res.RSSFirstFifth, res.RSSLastFifth = fifthMedians(s.rss.series)
	res.Garbage = countGarbage(s.logPath)
	for _, i := range cmp.missing {
		if w.inDeletedFile(i) {
			res.MissingDeleted++
		}
	}
	if len(cmp.missing) > 0 {
		res.MissingExamples = missingExamples(genCfg, w, cmp.missing, 5)
	}
	return res, nil
}

// endOutage brings the collector back if it is down (*since not zero),
// adding the time it was down to *total.
func (s *soak) endOutage(since *time.Time, total *time.Duration) error {
	if since.IsZero() {
		return nil
	}
	if err := s.recv.Resume(); err != nil {
		return fmt.Errorf("restart the collector: %w", err)
	}
	*total += time.Since(*since)
	*since = time.Time{}
	slog.Info("collector back", "spans_received", s.recv.SpanCount())
	return nil
}

// daemonEnv is the soak's environment without any OTEL_ variable (so
// nothing from the caller's shell redirects or alters the export), plus the
// variables pointing logspan at the receiver.
func daemonEnv(environ []string, endpoint string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint,
		"OTEL_EXPORTER_OTLP_INSECURE=true",
	)
}

// event kinds of the schedule.
const (
	evKill = iota
	evOutageStart
	evOutageEnd
)

type event struct {
	at   time.Duration // since writing started
	kind int
}

// schedule places the kills evenly over the run (at i/(kills+1) of it) and
// the outage in its middle, in time order. It always holds at least one
// event, so the caller's timer has something to wait for: a last one past
// the end of the run, which never fires in practice, when there is nothing
// else.
func schedule(duration time.Duration, kills int, outage time.Duration) []event {
	var evs []event
	for i := 1; i <= kills; i++ {
		evs = append(evs, event{at: duration * time.Duration(i) / time.Duration(kills+1), kind: evKill})
	}
	if outage > 0 {
		begin := duration/2 - outage/2
		evs = append(evs, event{at: begin, kind: evOutageStart}, event{at: begin + outage, kind: evOutageEnd})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return int(a.at - b.at) })
	if len(evs) == 0 {
		evs = append(evs, event{at: duration + time.Hour, kind: -1})
	}
	return evs
}

// writer writes the log the way HAProxy does (one write per line) and
// rotates it the way logrotate does, remembering every line's span id.
type writer struct {
	dir   string
	keep  int // rotated generations kept
	rate  int
	every time.Duration // rotation period
	gen   *haproxygen.Generator
	recv  *otlptest.Receiver
	// lr rotates with the real logrotate; nil: rotateFiles renames.
	lr *logrotate

	mu sync.Mutex
	// ids holds the expected span id of every written line, in order.
	ids []trace.SpanID
	// genFirst holds the index in ids of each file generation's first line;
	// generation g was created by the g-th rotation.
	genFirst []int
	// deleted lists the generations whose file rotation removed.
	deleted   []int
	rotations int

	f   *os.File
	buf []byte
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.ids)
}

// run writes lines at w.rate from t0 until ctx ends, rotating every
// w.every; it returns nil when ctx's deadline ends the writing.
func (w *writer) run(ctx context.Context, t0 time.Time) error {
	if err := w.open(); err != nil {
		return err
	}
	defer w.f.Close()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	nextRotation := t0.Add(w.every)
	deadline, hasDeadline := ctx.Deadline()
	for {
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil
			}
			// Catch up to the deadline, so that the count of lines is
			// rate × duration however late the last tick came.
			if err := w.writeUpTo(t0, deadline); err != nil {
				return err
			}
			if err := w.f.Sync(); err != nil {
				return fmt.Errorf("sync log file: %w", err)
			}
			return nil
		case now := <-tick.C:
			if hasDeadline && now.After(deadline) {
				now = deadline
			}
			if err := w.writeUpTo(t0, now); err != nil {
				return err
			}
			if !now.Before(nextRotation) {
				nextRotation = nextRotation.Add(w.every)
				if err := w.rotate(); err != nil {
					return err
				}
			}
		}
	}
}

// writeUpTo writes the lines due by now at w.rate since t0.
func (w *writer) writeUpTo(t0, now time.Time) error {
	due := int(int64(now.Sub(t0)) * int64(w.rate) / int64(time.Second))
	for w.count() < due {
		if err := w.writeLine(w.f); err != nil {
			return err
		}
	}
	return nil
}

// open opens the current log file, a new generation: it creates it after
// the soak's own renames, and opens (or creates, with nocreate) the one
// logrotate's create made.
func (w *writer) open() error {
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if w.lr == nil {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(filepath.Join(w.dir, logName), flags, 0o644)
	if err != nil {
		return fmt.Errorf("create log file: %w", err)
	}
	w.newGeneration()
	w.f = f
	return nil
}

// newGeneration notes that the next line starts a new file generation.
func (w *writer) newGeneration() {
	w.mu.Lock()
	w.genFirst = append(w.genFirst, len(w.ids))
	w.mu.Unlock()
}

// writeLine writes the next line with a single write, as HAProxy does, so
// a reader never sees half a line from a partial write of ours.
func (w *writer) writeLine(f *os.File) error {
	w.buf = w.gen.Append(w.buf[:0])
	_, sid := mapping.IDs(ruleName, w.buf)
	w.buf = append(w.buf, '\n')
	if _, err := f.Write(w.buf); err != nil {
		return fmt.Errorf("write log line: %w", err)
	}
	w.mu.Lock()
	w.ids = append(w.ids, sid)
	w.mu.Unlock()
	return nil
}

// rotate renames the log files one generation up (or has logrotate rotate
// them), writes a few lines more to the renamed file's open descriptor,
// then switches to a new file. With copytruncate the descriptor stays the
// log's: the late lines start its new generation.
func (w *writer) rotate() error {
	var deleted bool
	var err error
	if w.lr != nil {
		err = w.lr.run()
		deleted = w.rotations+1 > w.keep
	} else {
		deleted, err = rotateFiles(w.dir, logName, w.keep)
	}
	if err != nil {
		return err
	}
	w.rotations++
	cur := len(w.genFirst) - 1
	if w.lr != nil && w.lr.copytruncate {
		w.newGeneration()
	}
	if deleted {
		g := cur - w.keep
		w.deleted = append(w.deleted, g)
		if n := w.unreceived(g); n > 0 {
			slog.Warn("rotation deleted a file whose lines the collector has not all received; logspan may still hold it open, else they are lost",
				"file", fmt.Sprintf("%s.%d", logName, w.keep), "generation", g, "lines_not_received", n)
		}
	}
	for range lateLines {
		if err := w.writeLine(w.f); err != nil {
			return err
		}
	}
	if w.lr != nil && w.lr.copytruncate {
		return nil
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close rotated log file: %w", err)
	}
	return w.open()
}

// unreceived counts generation g's lines whose span has not arrived yet.
func (w *writer) unreceived(g int) int {
	w.mu.Lock()
	lo, hi := w.genRange(g)
	ids := w.ids[lo:hi]
	w.mu.Unlock()
	return countMissing(ids, w.recv.SpanIDCount)
}

// genRange is the range of ids written to generation g; w.mu held.
func (w *writer) genRange(g int) (lo, hi int) {
	lo = w.genFirst[g]
	hi = len(w.ids)
	if g+1 < len(w.genFirst) {
		hi = w.genFirst[g+1]
	}
	return lo, hi
}

// generation is the file generation line i was written to.
func (w *writer) generation(i int) int {
	g, found := slices.BinarySearch(w.genFirst, i)
	if !found {
		g--
	}
	return g
}

// inDeletedFile says whether line i's file was deleted by rotation.
func (w *writer) inDeletedFile(i int) bool {
	return slices.Contains(w.deleted, w.generation(i))
}

// rotateFiles does what logrotate does in create mode with `rotate keep`:
// it removes base.keep, renames base.(n) to base.(n+1) from the oldest down,
// and base to base.1. The caller then creates a new base. Missing
// generations are skipped. deleted reports whether base.keep existed.
func rotateFiles(dir, base string, keep int) (deleted bool, err error) {
	if keep < 1 {
		return false, fmt.Errorf("rotate %s: keep must be at least 1, got %d", base, keep)
	}
	name := func(n int) string {
		if n == 0 {
			return filepath.Join(dir, base)
		}
		return filepath.Join(dir, base+"."+strconv.Itoa(n))
	}
	switch err := os.Remove(name(keep)); {
	case err == nil:
		deleted = true
	case !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("rotate: %w", err)
	}
	for n := keep - 1; n >= 0; n-- {
		err := os.Rename(name(n), name(n+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("rotate: %w", err)
		}
	}
	return deleted, nil
}

// comparison is what compare finds.
type comparison struct {
	// missing holds the indices of written lines whose span never arrived.
	missing []int
	// unexpected counts distinct received span ids no written line has.
	unexpected int
}

// countGarbage counts the problem lines in logspan's log at path: the
// daemon logs some of the lines no rule matches or that do not map (not
// all: it limits the rate), so any count above zero means lines were read
// wrong.
func countGarbage(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte(`msg="line matches no rule"`)) + bytes.Count(data, []byte(`line not mapped`))
}

// compare matches the written lines' span ids against the received ones.
func compare(written []trace.SpanID, received map[[8]byte]int) comparison {
	var c comparison
	want := make(map[[8]byte]struct{}, len(written))
	for i, id := range written {
		want[id] = struct{}{}
		if received[id] == 0 {
			c.missing = append(c.missing, i)
		}
	}
	for id := range received {
		if _, ok := want[id]; !ok {
			c.unexpected++
		}
	}
	return c
}

// countMissing counts the ids for which count reports no span.
func countMissing(ids []trace.SpanID, count func([8]byte) int) int {
	n := 0
	for _, id := range ids {
		if count(id) == 0 {
			n++
		}
	}
	return n
}

// missingExamples regenerates the text of up to max missing lines (the
// generator is deterministic), so an operator can see which lines were lost
// and grep logspan's log for their file.
func missingExamples(cfg haproxygen.Config, w *writer, missing []int, limit int) []string {
	g := haproxygen.New(cfg)
	var out []string
	var buf []byte
	next := 0
	for i := 0; next < len(missing) && len(out) < limit; i++ {
		buf = g.Append(buf[:0])
		if i == missing[next] {
			gen := w.generation(i)
			state := "kept"
			if slices.Contains(w.deleted, gen) {
				state = "deleted by rotation"
			}
			out = append(out, fmt.Sprintf("line %d (file generation %d, %s): %s", i+1, gen, state, buf))
			next++
		}
	}
	return out
}

// daemon runs logspan and restarts it.
type daemon struct {
	bin  string
	args []string
	env  []string
	out  io.Writer

	mu        sync.Mutex
	cmd       *exec.Cmd
	startedAt time.Time
	done      chan exitInfo // receives the current process's exit, once
	selfExits int           // exits nobody asked for
}

// exitInfo is a logspan process's end.
type exitInfo struct {
	pid   int
	state *os.ProcessState
	err   error
	after time.Duration // since it started
}

func (d *daemon) start() error {
	cmd := exec.Command(d.bin, d.args...)
	cmd.Env = d.env
	cmd.Stdout, cmd.Stderr = d.out, d.out
	// Its own process group: a Ctrl-C in the terminal reaches the soak,
	// which then ends logspan, rather than both at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start logspan: %w", err)
	}
	done := make(chan exitInfo, 1)
	startedAt := time.Now()
	go func() {
		err := cmd.Wait()
		done <- exitInfo{pid: cmd.Process.Pid, state: cmd.ProcessState, err: err, after: time.Since(startedAt)}
	}()
	d.mu.Lock()
	d.cmd, d.done, d.startedAt = cmd, done, startedAt
	d.mu.Unlock()
	slog.Info("logspan started", "pid", cmd.Process.Pid)
	return nil
}

// pid is the running logspan's process id, 0 when there is none.
func (d *daemon) pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// exited delivers the current process's exit; nil (never ready) when no
// process runs.
func (d *daemon) exited() <-chan exitInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.done
}

// unexpectedExit handles an exit nobody asked for: it is counted (the soak
// then fails) and logspan is started again, unless it died right after
// starting or too often, which means it cannot run at all.
func (d *daemon) unexpectedExit(e exitInfo) error {
	d.mu.Lock()
	d.cmd, d.done = nil, nil
	d.selfExits++
	n := d.selfExits
	d.mu.Unlock()
	slog.Error("logspan exited by itself", "pid", e.pid, "status", describeExit(e.state, e.err), "after", e.after.Round(time.Millisecond))
	if e.after < 3*time.Second || n > 3 {
		return fmt.Errorf("logspan exited by itself (%s) %v after starting", describeExit(e.state, e.err), e.after.Round(time.Millisecond))
	}
	return d.start()
}

// kill ends logspan with SIGKILL and waits for it, leaving no process.
func (d *daemon) kill() {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.cmd, d.done = nil, nil
	d.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		slog.Warn("kill logspan", "pid", cmd.Process.Pid, "err", err)
	}
	<-done
}

// stop sends SIGTERM and waits up to timeout for logspan to exit, then
// kills it. It returns the exit code (-1 when killed or not running) and a
// description of what went wrong, empty when it exited by itself.
func (d *daemon) stop(timeout time.Duration) (code int, problem string) {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.cmd, d.done = nil, nil
	d.mu.Unlock()
	if cmd == nil {
		return -1, "logspan was not running at the end"
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return -1, fmt.Sprintf("send SIGTERM: %v", err)
	}
	select {
	case e := <-done:
		return e.state.ExitCode(), ""
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return -1, fmt.Sprintf("logspan did not exit within %v of SIGTERM; killed", timeout)
	}
}

// describeExit renders a process end for messages: "exit status 2",
// "signal: killed".
func describeExit(state *os.ProcessState, err error) string {
	if state != nil {
		return state.String()
	}
	if err != nil {
		return err.Error()
	}
	return "unknown"
}

// rssSample is logspan's resident memory at one moment of the run.
type rssSample struct {
	at  time.Duration
	rss int64 // bytes
}

// rssTracker follows logspan's memory across restarts.
type rssTracker struct {
	series []rssSample
	peak   int64 // bytes: the largest VmHWM or VmRSS seen
}

// sample records pid's VmRSS (and its VmHWM towards the peak).
func (t *rssTracker) sample(pid int, at time.Duration) {
	if pid == 0 {
		return
	}
	rss, hwm, err := readStatus(pid)
	if err != nil {
		return // the process just ended; the next sample sees its successor
	}
	t.series = append(t.series, rssSample{at: at, rss: rss})
	t.peak = max(t.peak, rss, hwm)
}

// beforeStop notes pid's high-water mark just before it is killed or
// stopped, which catches peaks between two samples.
func (t *rssTracker) beforeStop(pid int) {
	if pid == 0 {
		return
	}
	if rss, hwm, err := readStatus(pid); err == nil {
		t.peak = max(t.peak, rss, hwm)
	}
}

// readStatus reads VmRSS and VmHWM, in bytes, from /proc/PID/status.
func readStatus(pid int) (rss, hwm int64, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	return parseStatus(data)
}

// parseStatus extracts VmRSS and VmHWM (kB in the file) as bytes.
func parseStatus(data []byte) (rss, hwm int64, err error) {
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("unexpected %s value: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
		found++
	}
	if found < 2 {
		return 0, 0, errors.New("no VmRSS and VmHWM in process status")
	}
	return rss, hwm, nil
}

// fifthMedians returns the median RSS over the first and over the last
// fifth of the samples, -1 each when there are fewer than five samples.
func fifthMedians(series []rssSample) (first, last int64) {
	n := len(series) / 5
	if n == 0 {
		return -1, -1
	}
	return medianRSS(series[:n]), medianRSS(series[len(series)-n:])
}

func medianRSS(s []rssSample) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = x.rss
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// result holds the figures of a finished soak.
type result struct {
	Duration     time.Duration
	Written      int
	Rotations    int
	DeletedFiles int
	Generations  int
	Logrotate    string // the directives file, "" for the soak's renames
	Kills        int
	SelfExits    int
	Outage       time.Duration

	Received        int // spans, duplicates included
	Distinct        int // distinct span ids
	Missing         int
	MissingDeleted  int // missing lines whose file rotation deleted
	MissingExamples []string
	Unexpected      int
	// Garbage counts the problem lines logspan logged (no rule matched, or
	// not mapped): every generated line maps, so each is a line read wrong,
	// such as compressed bytes read as text.
	Garbage int
	CatchUp time.Duration // writing end to last span; -1: never

	ExitCode int
	ExitErr  string // why the stop went wrong; empty when it did not
	StopTook time.Duration

	PeakRSS                     int64
	RSSSamples                  int
	RSSFirstFifth, RSSLastFifth int64 // -1: too few samples
}

// print writes the figures as a few "soak:" lines.
func (r *result) print(w io.Writer) {
	how := "by rename"
	if r.Logrotate != "" {
		how = "by logrotate with " + r.Logrotate
	}
	fmt.Fprintf(w, "soak: %v, %d lines written, %d rotations %s (%d rotated files kept, %d deleted), %d kills, collector down %v\n",
		r.Duration, r.Written, r.Rotations, how, r.Generations, r.DeletedFiles, r.Kills, r.Outage.Round(100*time.Millisecond))
	fmt.Fprintf(w, "soak: spans received %d (distinct %d), missing %d, unexpected %d\n",
		r.Received, r.Distinct, r.Missing, r.Unexpected)
	if r.MissingDeleted > 0 {
		fmt.Fprintf(w, "soak: %d of the missing lines were in files rotation deleted (keeping %d): if logspan had not opened them yet, the test rig lost them, not logspan\n",
			r.MissingDeleted, r.Generations)
	}
	if r.Garbage > 0 {
		fmt.Fprintf(w, "soak: logspan logged %d problem lines (no rule matched or not mapped); the generated lines all map\n", r.Garbage)
	}
	for _, ex := range r.MissingExamples {
		fmt.Fprintln(w, "soak: missing", ex)
	}
	if r.CatchUp >= 0 {
		fmt.Fprintf(w, "soak: every span arrived %v after writing stopped\n", r.CatchUp.Round(10*time.Millisecond))
	}
	if r.ExitErr != "" {
		fmt.Fprintln(w, "soak:", r.ExitErr)
	} else {
		fmt.Fprintf(w, "soak: logspan exited with code %d %v after SIGTERM\n", r.ExitCode, r.StopTook.Round(time.Millisecond))
	}
	if r.SelfExits > 0 {
		fmt.Fprintf(w, "soak: logspan exited by itself %d times (see its log)\n", r.SelfExits)
	}
	if r.RSSFirstFifth >= 0 {
		fmt.Fprintf(w, "soak: logspan peak RSS %s; median RSS first fifth %s, last fifth %s (%d samples)\n",
			mib(r.PeakRSS), mib(r.RSSFirstFifth), mib(r.RSSLastFifth), r.RSSSamples)
	} else {
		fmt.Fprintf(w, "soak: logspan peak RSS %s (too few samples for medians)\n", mib(r.PeakRSS))
	}
}

// failures lists why the soak failed; empty means it passed.
func (r *result) failures(rssGrowth float64) []string {
	var f []string
	if r.Missing > 0 {
		f = append(f, fmt.Sprintf("%d lines missing", r.Missing))
	}
	if r.Unexpected > 0 {
		f = append(f, fmt.Sprintf("%d unexpected span ids", r.Unexpected))
	}
	if r.Garbage > 0 {
		f = append(f, fmt.Sprintf("logspan logged %d lines that match no rule or do not map (read wrong, e.g. compressed bytes as text)", r.Garbage))
	}
	// Without a crash or an outage (whose cut connections may lose an
	// answer, not a request), every line arrives exactly once.
	if dup := r.Received - r.Distinct; dup > 0 && r.Kills == 0 && r.Outage == 0 {
		f = append(f, fmt.Sprintf("%d spans arrived more than once without a crash or an outage", dup))
	}
	if r.ExitErr != "" {
		f = append(f, r.ExitErr)
	} else if r.ExitCode != 0 {
		f = append(f, fmt.Sprintf("logspan exited with code %d after SIGTERM, want 0", r.ExitCode))
	}
	if r.SelfExits > 0 {
		f = append(f, fmt.Sprintf("logspan exited by itself %d times", r.SelfExits))
	}
	if rssGrew(r.RSSFirstFifth, r.RSSLastFifth, rssGrowth) {
		f = append(f, fmt.Sprintf("memory grew: median RSS %s in the last fifth against %s in the first (over %.2gx and %s)",
			mib(r.RSSLastFifth), mib(r.RSSFirstFifth), rssGrowth, mib(rssNoise)))
	}
	return f
}

// rssGrew says whether last exceeds first by more than the growth factor
// and by more than rssNoise bytes; unknown medians (-1) never fail.
func rssGrew(first, last int64, growth float64) bool {
	if first < 0 || last < 0 {
		return false
	}
	return float64(last) > float64(first)*growth && last-first > rssNoise
}

func mib(b int64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}
