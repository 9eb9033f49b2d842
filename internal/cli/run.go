package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/checkpoint"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/pipeline"
	"github.com/logspan/logspan/internal/source/container"
)

// runFlags are the flags of `logspan run` that override the daemon:
// section of the rules file.
type runFlags struct {
	config, stateDir, listen, start, logLevel string
	format                                    string
	poll                                      time.Duration
}

func runRun(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "run")
	var f runFlags
	cfgPath := configFlag(fs)
	fs.StringVar(&f.stateDir, "state-dir", "", "where checkpoints are kept (default: daemon.state_dir, else "+config.DefaultStateDir+")")
	fs.StringVar(&f.listen, "listen", "", "address for /metrics and /healthz, or off (default: daemon.listen, else "+config.DefaultListen+")")
	fs.StringVar(&f.start, "start", "end", "for paths given here: where to start a file found at startup that no checkpoint knows: end or beginning")
	fs.DurationVar(&f.poll, "poll-interval", 0, "how often files are read (default: daemon.poll_interval, else 250ms)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.format, "format", "plain", "for paths given here: how their lines are wrapped: cri, docker, auto or plain")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until logspan stops (for `go tool pprof`)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "logspan run: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	f.config = *cfgPath
	if f.start != "end" && f.start != "beginning" {
		fmt.Fprintf(env.Stderr, "logspan run: --start: expected end or beginning, got %q\n", f.start)
		return exitUsage
	}
	if _, err := container.ParseFormat(f.format); err != nil {
		fmt.Fprintf(env.Stderr, "logspan run: --format: %v\n", err)
		return exitUsage
	}
	log, err := newLogger(env.Stderr, f.logLevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan run: %v\n", err)
		return exitUsage
	}
	return runDaemon(ctx, env, log, f, fs.Args())
}

func runDaemon(ctx context.Context, env *Env, log *slog.Logger, f runFlags, paths []string) int {
	cfg, ok := loadRules(env, f.config)
	if !ok {
		return exitUsage
	}
	inputs, err := runInputs(cfg, paths, f)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan run: %v\n", err)
		return exitUsage
	}
	settings := cfg.Daemon
	if f.stateDir != "" {
		settings.StateDir = f.stateDir
	}
	if f.listen != "" {
		settings.Listen = f.listen
	}
	if f.poll > 0 {
		settings.PollInterval = f.poll
	}
	settings = settings.WithDefaults()

	ecfg := daemonExport(cfg.Exporter, settings, env)
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(settings.MemoryLimit)
	}

	store, entries, err := checkpoint.Open(settings.StateDir)
	var corrupt *checkpoint.CorruptError
	switch {
	case errors.As(err, &corrupt):
		log.Warn("checkpoints were unreadable and were set aside: files are read as if seen for the first time", "err", err)
	case err != nil:
		fmt.Fprintf(env.Stderr, "logspan run: %v\n", err)
		return exitFailed
	}
	defer store.Close()

	stats := pipeline.NewStats(cfg.Rules)
	d := &pipeline.Daemon{
		Inputs: fileInputs(inputs), Export: ecfg, Settings: settings, Store: store, Entries: entries,
		Log: log, Stats: stats, Health: &pipeline.Health{},
	}
	d.Streams = append(d.Streams, journalStreams(inputs, log)...)
	if d.Streams, err = appendSyslog(d.Streams, inputs, log); err != nil {
		fmt.Fprintf(env.Stderr, "logspan run: %v\n", err)
		return exitFailed
	}
	metrics := pipeline.NewMetrics(d)
	ecfg.Observe = metrics.Observe
	d.Export = ecfg
	exp, err := emit.New(ctx, ecfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan run: exporter: %v\n", err)
		return exitUsage
	}
	d.Sender = exp
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = exp.Shutdown(sctx)
	}()
	if exp.ToStdout() {
		log.Warn("no collector configured: spans go to stdout as OTLP/JSON lines; set exporter.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	for _, w := range exp.Warnings() {
		log.Warn(w)
	}

	if settings.Listen != "off" {
		stop, addr, err := serveMetrics(settings.Listen, metrics, d, settings.UnhealthyAfter, log)
		if err != nil {
			fmt.Fprintf(env.Stderr, "logspan run: cannot serve metrics on %s: %v (set --listen or daemon.listen, or off)\n", settings.Listen, err)
			return exitFailed
		}
		defer stop()
		log.Info("serving /metrics and /healthz", "addr", addr)
	}

	n := newNotifier(env.Getenv)
	d.Ready = func() {
		n.send("READY=1\nSTATUS=following files")
		log.Info("logspan running", "version", Version(), "rules", cfg.File, "to", exp.Destination(), "state_dir", settings.StateDir, "inputs", len(inputs))
	}
	stopWatchdog := n.watchdog()
	defer stopWatchdog()

	go reloadLoop(ctx, env, log, n, d, exp, cfg, inputs, f, paths)

	runErr := d.Run(stopping(ctx, n))
	if runErr != nil {
		log.Error("stopped with an error", "err", runErr)
		return exitFailed
	}
	log.Info("stopped", "spans_exported", stats.SpansExported.Load(), "spans_failed", stats.SpansFailed.Load())
	return exitOK
}

// stopping tells systemd STOPPING=1 as soon as ctx ends.
func stopping(ctx context.Context, n *notifier) context.Context {
	go func() {
		<-ctx.Done()
		n.send("STOPPING=1")
	}()
	return ctx
}

// runInputs returns the inputs: the paths given on the command line (one
// input, every rule, read as --start and --format say), or the rules file's
// inputs.
func runInputs(cfg *config.Config, paths []string, f runFlags) ([]config.Input, error) {
	if len(paths) == 0 {
		if len(cfg.Inputs) == 0 {
			return nil, fmt.Errorf("nothing to follow: %s has no inputs: and no paths were given (e.g. logspan run '/var/log/haproxy.log*')", cfg.File)
		}
		return cfg.Inputs, nil
	}
	in := config.Input{Rules: cfg.Rules}
	in.StartAtBeginning = f.start == "beginning"
	format, err := container.ParseFormat(f.format)
	if err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	in.Format = format
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if _, err := filepath.Match(abs, ""); err != nil {
			return nil, fmt.Errorf("bad glob %q: %w", p, err)
		}
		in.Paths = append(in.Paths, abs)
	}
	return []config.Input{in}, nil
}

// daemonExport adapts the exporter settings to a daemon: batches are
// retried until the collector takes them (unless the rules say otherwise),
// and the batches in flight fit in a quarter of the memory limit.
func daemonExport(ecfg emit.Config, s config.Daemon, env *Env) emit.Config {
	ecfg.Version = Version()
	if ecfg.Stdout == nil {
		ecfg.Stdout = env.Stdout
	}
	if ecfg.Retry.MaxElapsed == 0 {
		ecfg.Retry.MaxElapsed = -1
	}
	if ecfg.BatchSize <= 0 {
		ecfg.BatchSize = 512
	}
	if ecfg.MaxInFlight <= 0 {
		ecfg.MaxInFlight = 4
	}
	// A queued span with its attributes takes about 4 KiB.
	const spanBytes = 4 << 10
	fit := int(s.MemoryLimit / 4 / spanBytes / int64(ecfg.BatchSize))
	ecfg.MaxInFlight = max(1, min(ecfg.MaxInFlight, fit))
	return ecfg
}

// reloadLoop re-reads the rules on every reload request (SIGHUP). Invalid
// rules are logged with their positions and the running rules stay. The
// exporter's TLS certificate files are re-read too, whatever the rules
// say: rotated certificates need no restart. started are the inputs the
// daemon was started with: its journal and syslog streams.
func reloadLoop(ctx context.Context, env *Env, log *slog.Logger, n *notifier, d *pipeline.Daemon, certs certReloader, cfg *config.Config, started []config.Input, f runFlags, paths []string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-env.Reload:
		}
		n.send(fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", monotonicUsec()))
		if err := certs.Reload(); err != nil {
			log.Error("TLS certificates not reloaded, the previous ones stay in use", "err", err)
		}
		next, err := config.Load(cfg.File, config.Options{Getenv: env.Getenv})
		var inputs []config.Input
		if err == nil {
			inputs, err = runInputs(next, paths, f)
		}
		if err != nil {
			d.Stats.ReloadFailures.Add(1)
			var ps config.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					log.Error("rules not reloaded: "+p.Error(), "file", p.File, "line", p.Line, "col", p.Col)
				}
			} else {
				log.Error("rules not reloaded", "err", err)
			}
			log.Warn("still running the previous rules", "file", cfg.File)
			n.send("READY=1\nSTATUS=reload refused: invalid rules, running the previous ones")
			continue
		}
		if !reflect.DeepEqual(next.Exporter, cfg.Exporter) || !reflect.DeepEqual(next.Daemon, cfg.Daemon) {
			log.Warn("exporter: and daemon: settings take effect only at restart; the new rules and inputs are in use")
		}
		if err := d.Reload(ctx, fileInputs(inputs)); err != nil {
			return
		}
		if err := reloadStreams(ctx, d, log, started, inputs); err != nil {
			return
		}
		d.Stats.Reloads.Add(1)
		log.Info("rules reloaded", "file", cfg.File, "rules", len(next.Rules), "inputs", len(inputs))
		n.send("READY=1\nSTATUS=following files")
	}
}

// fileInputs are the inputs that follow files: the journal's and syslog's
// run as the daemon's Streams.
func fileInputs(inputs []config.Input) []config.Input {
	var out []config.Input
	for _, in := range inputs {
		if in.Journal == nil && in.Syslog == nil {
			out = append(out, in)
		}
	}
	return out
}

// certReloader re-reads the exporter's certificates (*emit.Exporter).
type certReloader interface{ Reload() error }

// serveMetrics serves /metrics and /healthz on addr.
func serveMetrics(addr string, m *pipeline.Metrics, d *pipeline.Daemon, unhealthyAfter time.Duration, log *slog.Logger) (stop func(), bound string, err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if err := d.Health.Check(time.Now(), unhealthyAfter); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, lis.Addr().String(), nil
}
