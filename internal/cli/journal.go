package cli

import (
	"log/slog"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/journal"
	"github.com/logspan/logspan/internal/pipeline"
)

// journalStreams returns a stream for each journal input of inputs, with
// the input's rules (a reload replaces them: reloadStreams).
func journalStreams(inputs []config.Input, log *slog.Logger) []pipeline.StreamInput {
	var out []pipeline.StreamInput
	for _, in := range inputs {
		if in.Journal == nil {
			continue
		}
		out = append(out, pipeline.StreamInput{
			Name:   journalName(in.Journal),
			Stream: journal.New(in.Journal.Options, "", log),
			Rules:  in.Rules,
		})
	}
	return out
}
