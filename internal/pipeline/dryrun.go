package pipeline

import (
	"fmt"
	"io"

	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/render"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/internal/source"
)

// DryRun shows, for every line of file, which rule matched, the fields it
// read and the span that would be sent, exporting nothing. It is what rule
// authors run (`logspan test`) and what the golden tests record. It stops at
// the first write error; a read error is returned after the lines before it.
func DryRun(rules []*config.Rule, f *source.File, w io.Writer, asJSON bool, stats *Stats) error {
	p := NewProcessor(rules)
	matched := stats.counters(rules)
	stats.Files.Add(1)
	for {
		line, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			stats.FilesFailed.Add(1)
			return err
		}
		stats.countLine(&line)
		res := p.ProcessMeta(line.Data, line.Meta)
		stats.count(&res, matched)
		out := render.Line{File: line.File, Number: line.Number, Text: string(line.Data), Matched: res.Rule >= 0}
		if res.Malformed != nil {
			out.Malformed = res.Malformed.Error()
		}
		if res.Rule >= 0 {
			r := rules[res.Rule]
			out.Rule = r.Name
			out.Fields = render.Fields(r.Parser, res.Match)
			switch {
			case res.Err != nil:
				out.Error = res.Err.Error()
			case r.Mapper == nil:
				out.NoSpan = "the rule counts these lines and makes no span (emit: false)"
			case res.Span == nil && res.Sampling == sampling.DropParentUnsampled:
				out.NoSpan = "the caller's trace context is not sampled (trace_context.keep_unsampled: false)"
			case res.Span == nil && res.Sampling.Dropped():
				out.NoSpan = "sampled out (" + res.Sampling.String() + ", sampler " + r.Sampler.Name() + ")"
			case res.Span != nil:
				s := render.FromSpan(res.Span)
				out.Span = &s
			}
			if r.Mapper != nil && res.Err == nil {
				out.Contexts = render.Contexts(r.Parser, &res.Outcome)
			}
			if res.Sampling == sampling.KeptError || res.Sampling == sampling.KeptSlow {
				out.Notes = append(out.Notes, "the sampler would drop it; kept ("+res.Sampling.String()+")")
			}
			if res.Outcome.InvalidTraceContext {
				out.Notes = append(out.Notes, "an invalid trace context was ignored")
			}
		}
		if asJSON {
			err = render.JSON(w, &out)
		} else {
			err = render.Text(w, &out)
		}
		if err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
	}
}
