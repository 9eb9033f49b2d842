package cli

import (
	"log/slog"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/journal"
	"github.com/logspan/logspan/internal/pipeline"
)

// journalStreams returns a stream for each journal input of inputs, with
// the input's rules. The rules of a journal input are those of the start:
// a reload changes the rules of files only.
func journalStreams(inputs []config.Input, log *slog.Logger) []pipeline.StreamInput {
	var out []pipeline.StreamInput
	for _, in := range inputs {
		if in.Journal == nil {
			continue
		}
		out = append(out, pipeline.StreamInput{
			Name:   in.Journal.String(),
			Stream: journal.New(in.Journal.Options, "", log),
			Rules:  in.Rules,
		})
	}
	return out
}
