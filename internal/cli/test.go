package cli

import (
	"bufio"
	"context"
	"fmt"

	"github.com/logspan/logspan/internal/pipeline"
	"github.com/logspan/logspan/internal/source"
)

func runTest(_ context.Context, env *Env, args []string) int {
	fs := newFlags(env, "test")
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per line instead of text")
	format := formatFlag(fs)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	cfg, ok := loadRules(env, *cfgPath)
	if !ok {
		return exitUsage
	}
	formatOf, err := formats(*format, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "logspan test: %v\n", err)
		return exitUsage
	}
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	stats := pipeline.NewStats(cfg.Rules)
	code := exitOK
	for _, p := range paths {
		f, err := source.Open(p, env.Stdin, 0)
		if err != nil {
			fmt.Fprintf(env.Stderr, "logspan: %v\n", err)
			code = exitFailed
			continue
		}
		f.SetFormat(formatOf(p))
		err = pipeline.DryRun(cfg.Rules, f, out, *asJSON, stats)
		f.Close()
		if err != nil {
			out.Flush()
			fmt.Fprintf(env.Stderr, "logspan: %v\n", err)
			code = exitFailed
		}
	}
	out.Flush()
	fmt.Fprintf(env.Stderr, "logspan test: %d lines, %d unmatched (%d malformed JSON), %d not mapped; nothing was exported\n",
		stats.Lines.Load(), stats.Unmatched.Load(), stats.Malformed.Load(), stats.MapErrors.Load())
	return code
}
