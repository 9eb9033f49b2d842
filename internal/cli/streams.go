package cli

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"slices"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/pipeline"
	"github.com/logspan/logspan/internal/syslog"
)

// journalName and syslogName name the stream of a journal input and of a
// syslog listen URL (pipeline.StreamInput.Name): in messages, and to find
// a running stream again when the rules are reloaded.
func journalName(j *config.JournalInput) string { return j.String() }

func syslogName(a syslog.Addr) string { return "syslog " + a.URL }

// streamInput is what a stream is made of in the rules file: its rules and
// the settings it was opened with.
type streamInput struct {
	rules []*config.Rule
	// settings are the input's journal: or syslog: settings; listen
	// URLs, which name the streams, are left out.
	settings any
}

// streamInputs returns the stream inputs of inputs by stream name: one per
// journal input, one per listen URL of a syslog input.
func streamInputs(inputs []config.Input) map[string]streamInput {
	out := map[string]streamInput{}
	for _, in := range inputs {
		if in.Journal != nil {
			out[journalName(in.Journal)] = streamInput{rules: in.Rules, settings: *in.Journal}
		}
		if in.Syslog != nil {
			settings := *in.Syslog
			settings.Listen = nil
			for _, a := range in.Syslog.Listen {
				out[syslogName(a)] = streamInput{rules: in.Rules, settings: settings}
			}
		}
	}
	return out
}

// reloadStreams gives each running stream the rules its input has in the
// reloaded file. Streams are opened at startup, so a stream input that is
// new, gone or whose settings changed is logged as taking effect at the
// next restart: a gone one goes on with its previous rules, a changed one
// with its old settings and the new rules.
func reloadStreams(ctx context.Context, d *pipeline.Daemon, log *slog.Logger, running, next []config.Input) error {
	was, now := streamInputs(running), streamInputs(next)
	for _, name := range slices.Sorted(maps.Keys(now)) {
		in := now[name]
		old, ok := was[name]
		if !ok {
			log.Warn("new input: it is opened at the next restart", "input", name)
			continue
		}
		if _, err := d.ReloadStream(ctx, name, in.rules); err != nil {
			return err
		}
		if !reflect.DeepEqual(old.settings, in.settings) {
			log.Warn("input settings changed: they take effect at the next restart; its new rules are in use", "input", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(was)) {
		if _, ok := now[name]; !ok {
			log.Warn("input no longer in the rules: it is read with its previous rules until the next restart", "input", name)
		}
	}
	return nil
}
