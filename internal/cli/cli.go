// Package cli is logspan's command line: it parses flags, loads the rules and
// wires the stages for each subcommand. cmd/logspan only calls Main, so the
// commands can be tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/logspan/logspan/internal/config"
)

// version is set at build time with
// -ldflags "-X github.com/logspan/logspan/internal/cli.version=v1.2.3".
var version = ""

// Version is logspan's version: the one stamped at build time, else the
// module version Go recorded, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1 // something was not delivered or not read
	exitUsage       = 2 // bad flags or bad rules
	exitInterrupted = 130
)

// Env is what a command takes from its surroundings.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// StderrIsTerminal turns the progress bar on.
	StderrIsTerminal bool
	// Reload receives a value for every request to re-read the rules
	// (SIGHUP, systemctl reload); nil in commands that do not reload.
	Reload <-chan struct{}
}

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *Env, args []string) int
}

func commands() []command {
	return []command{
		{"run", "[--config FILE] [--state-dir DIR] [--listen ADDR] [--start end|beginning] [PATH|GLOB...]", "follow live logs as a daemon (inputs from the rules file, or the paths given), checkpointing what the collector acknowledged", runRun},
		{"backfill", "[--config FILE] [--since TIME] [--until TIME] PATH...", "import whole log files (plain, gzip or - for stdin) once and export their spans", runBackfill},
		{"test", "[--config FILE] [--json] [PATH|-]", "show what each line becomes (rule, fields, span) without exporting anything", runTest},
		{"check", "[--config FILE]", "validate the rules and compile every pattern", runCheck},
		{"version", "", "print logspan's version", runVersion},
	}
}

// Main runs logspan with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "logspan: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "logspan turns the access logs of proxies (HAProxy first) into OpenTelemetry spans.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  logspan %s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun `logspan COMMAND --help` for a command's flags. The rules file defaults to\n%s.\n",
		strings.Join(config.DefaultPaths, ", then "))
}

// newFlags returns a flag set whose --help prints the command's usage.
func newFlags(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	for _, c := range commands() {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(env.Stderr, "Usage: logspan %s %s\n\n%s.\n\nFlags:\n", c.name, c.args, upperFirst(c.summary))
				fs.PrintDefaults()
			}
		}
	}
	return fs
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// configFlag adds the --config flag every command that reads rules takes.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "rules file (default: "+strings.Join(config.DefaultPaths, ", then ")+")")
}

// parseFlags parses args; it returns an exit code to stop with, or -1.
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return -1
}

// loadRules finds and compiles the rules, printing every problem.
func loadRules(env *Env, explicit string) (*config.Config, bool) {
	path, err := config.Find(explicit)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan: %v\n", err)
		return nil, false
	}
	cfg, err := config.Load(path, config.Options{Getenv: env.Getenv})
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(env.Stderr, p.Error())
			}
			fmt.Fprintf(env.Stderr, "logspan: %d problem(s) in %s\n", len(ps), path)
		} else {
			fmt.Fprintf(env.Stderr, "logspan: %v\n", err)
		}
		return nil, false
	}
	return cfg, true
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not a level (expected debug, info, warn or error)", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// parseTime reads --since/--until: RFC 3339, or a date or date and time in
// the local zone.
func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: %q is not a time (expected RFC 3339 like 2026-08-21T18:00:00Z, or 2026-08-21 or 2026-08-21T18:00 in the local zone)", flagName, s)
}

func runVersion(_ context.Context, env *Env, args []string) int {
	fs := newFlags(env, "version")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	fmt.Fprintf(env.Stdout, "logspan %s\n", Version())
	return exitOK
}

func runCheck(_ context.Context, env *Env, args []string) int {
	fs := newFlags(env, "check")
	cfgPath := configFlag(fs)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	cfg, ok := loadRules(env, *cfgPath)
	if !ok {
		return exitFailed
	}
	fmt.Fprintf(env.Stdout, "%s: %d rules, all patterns compile\n", cfg.File, len(cfg.Rules))
	for _, r := range cfg.Rules {
		what := "service " + r.Service
		if r.Mapper == nil {
			what = "counted, no spans"
		}
		fmt.Fprintf(env.Stdout, "  %-22s %d fields, %s\n", r.Name, len(r.Parser.FieldNames()), what)
	}
	return exitOK
}
