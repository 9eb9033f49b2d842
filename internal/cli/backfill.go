package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/pipeline"
)

func runBackfill(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "backfill")
	cfgPath := configFlag(fs)
	since := fs.String("since", "", "only spans starting at or after this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] local)")
	until := fs.String("until", "", "only spans starting before this time (same forms as --since)")
	workers := fs.Int("workers", 0, "parsing workers (default: one per CPU)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	progress := fs.Bool("progress", true, "show a progress bar when stderr is a terminal")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (for `go tool pprof`)")
	format := formatFlag(fs)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "logspan backfill: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "logspan backfill: no files given (give one or more paths, or - for standard input)")
		fs.Usage()
		return exitUsage
	}
	from, err := parseTime("--since", *since)
	var to time.Time
	if err == nil {
		to, err = parseTime("--until", *until)
	}
	if err == nil && !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = fmt.Errorf("--until (%s) must be after --since (%s)", *until, *since)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan backfill: %v\n", err)
		return exitUsage
	}
	return backfill(ctx, env, *cfgPath, paths, from, to, *workers, *logLevel, *progress, *format)
}

// startCPUProfile profiles the process into path until the returned
// function is called: how a user can show us where a slow backfill spends
// its time.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func backfill(ctx context.Context, env *Env, cfgPath string, paths []string, since, until time.Time, workers int, logLevel string, progress bool, format string) int {
	log, err := newLogger(env.Stderr, logLevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan backfill: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadRules(env, cfgPath)
	if !ok {
		return exitUsage
	}
	formatOf, err := formats(format, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan backfill: %v\n", err)
		return exitUsage
	}
	ecfg := cfg.Exporter
	ecfg.Version = Version()
	if ecfg.Stdout == nil {
		ecfg.Stdout = env.Stdout
	}
	// A backfill gives up on a batch after a while and says so, rather than
	// hang forever on a collector that is gone.
	if ecfg.Retry.MaxElapsed == 0 {
		ecfg.Retry.MaxElapsed = 2 * time.Minute
	}
	exp, err := emit.New(ctx, ecfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan backfill: exporter: %v\n", err)
		return exitUsage
	}
	if exp.ToStdout() {
		fmt.Fprintln(env.Stderr, "logspan: no collector configured, so spans go to stdout as OTLP/JSON lines. "+
			"To send them to a collector, set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 (OTLP/gRPC; for OTLP/HTTP, "+
			"http://127.0.0.1:4318 with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) or exporter.endpoint in "+cfg.File+".")
	} else {
		log.Info("exporting spans", "to", exp.Destination(), "rules", cfg.File)
	}
	for _, w := range exp.Warnings() {
		log.Warn(w)
	}
	stats := pipeline.NewStats(cfg.Rules)
	b := &pipeline.Backfill{
		Rules: cfg.Rules, Sender: exp, Export: ecfg, Since: since, Until: until,
		Stdin: env.Stdin, Log: log, Workers: workers, Stats: stats, Format: formatOf,
	}
	start := time.Now()
	var stopBar func()
	if progress && env.StderrIsTerminal {
		stopBar = startProgress(env.Stderr, b.Progress, stats)
	}
	runErr := b.Run(ctx, paths)
	if stopBar != nil {
		stopBar()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := exp.Shutdown(sctx); err != nil {
		log.Warn("exporter shutdown", "err", err)
	}
	stats.WriteSummary(env.Stderr, time.Since(start))
	switch {
	case runErr != nil:
		fmt.Fprintf(env.Stderr, "logspan: interrupted; %d spans delivered before stopping\n", stats.SpansExported.Load())
		return exitInterrupted
	case stats.SpansFailed.Load() > 0 || stats.SpansRejected.Load() > 0:
		fmt.Fprintf(env.Stderr, "logspan: %d spans were NOT delivered (%d failed, %d rejected by the collector); run the backfill again: span ids are deterministic, so spans already delivered are not duplicated\n",
			stats.SpansFailed.Load()+stats.SpansRejected.Load(), stats.SpansFailed.Load(), stats.SpansRejected.Load())
		return exitFailed
	case stats.FilesFailed.Load() > 0:
		fmt.Fprintf(env.Stderr, "logspan: %d file(s) could not be read completely (see the errors above)\n", stats.FilesFailed.Load())
		return exitFailed
	}
	return exitOK
}
