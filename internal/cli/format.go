package cli

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source/container"
)

// formatFlag adds --format, how the lines of the files given are wrapped,
// to a command that reads paths.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "", "how the files' lines are wrapped: cri, docker, auto or plain "+
		"(default: the format: of the rules file's first input matching the path, else plain)")
}

// formats returns the format each path is read in: the --format given, or
// else that of the first input of the rules file matching the path (made
// absolute, as inputs' paths are), or else plain. A file a daemon follows
// as a container log is then read the same way by `logspan backfill` and
// `logspan test` without saying so again. Standard input ("-") matches no
// input.
func formats(flagValue string, cfg *config.Config) (func(path string) container.Format, error) {
	if flagValue != "" {
		f, err := container.ParseFormat(flagValue)
		if err != nil {
			return nil, fmt.Errorf("--format: %w", err)
		}
		return func(string) container.Format { return f }, nil
	}
	return func(path string) container.Format {
		if path == "-" {
			return container.Plain
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return container.Plain
		}
		for i := range cfg.Inputs {
			if cfg.Inputs[i].Matches(abs) {
				return cfg.Inputs[i].Format
			}
		}
		return container.Plain
	}, nil
}
