package pipeline

import (
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/internal/source/linemeta"
	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// Processor runs a line through the rules: the first rule whose pattern
// matches parses it, its mapper makes the span, its sampler decides whether
// the span goes out, and its redactor removes secrets from it. Both the
// daemon's and backfill's core and `logspan test` go through here, so what
// the test shows is what would be sent. A Processor reuses its
// match and span from line to line, so each worker goroutine owns one.
type Processor struct {
	rules   []*config.Rule
	matches []*parsers.Match
	span    mapping.Span
}

// NewProcessor returns a Processor for rules, tried in order.
func NewProcessor(rules []*config.Rule) *Processor {
	p := &Processor{rules: rules, matches: make([]*parsers.Match, len(rules))}
	for i, r := range rules {
		p.matches[i] = r.Parser.NewMatch()
	}
	return p
}

// Result is what became of one line. Its Span and Match are the Processor's
// own and are overwritten by the next call.
type Result struct {
	// Rule is the index of the rule that matched, or -1.
	Rule int
	// Match holds the fields the rule read.
	Match *parsers.Match
	// Span is the span to send; nil when the line makes none.
	Span *mapping.Span
	// Outcome is what the mapper reported (trace context, bad values).
	Outcome mapping.Outcome
	// Sampling is the sampler's decision; when it is Dropped, Span is nil.
	// A line mapping dropped for its unsampled caller is
	// DropParentUnsampled.
	Sampling sampling.Decision
	// Err is why a matched line could not become a span (a bad time, ...).
	Err error
	// Malformed is, for a line no rule matched, why the first JSON rule
	// that tried it could not read it (the line began as a JSON object but
	// was not valid JSON); nil otherwise. It is valid until the next call.
	Malformed error
}

// Process runs line, a line of a plain file, through the rules.
func (p *Processor) Process(line []byte) Result { return p.ProcessMeta(line, nil) }

// ProcessMeta runs line through the rules with the values its input knows
// of it (source.Line.Meta), which the rules read as fields.
func (p *Processor) ProcessMeta(line []byte, meta []linemeta.Value) Result {
	var malformed error
	for i, r := range p.rules {
		m := p.matches[i]
		if !r.Parser.Parse(line, m) {
			if malformed == nil && m.Malformed != nil {
				malformed = m.Malformed
			}
			continue
		}
		m.SetMeta(meta)
		res := Result{Rule: i, Match: m}
		if r.Mapper == nil {
			return res
		}
		out, err := r.Mapper.Map(m, &p.span)
		res.Outcome, res.Err = out, err
		switch {
		case err != nil:
		case !out.Emit:
			res.Sampling = sampling.DropParentUnsampled
		default:
			// Sampling first, so that dropped spans cost no
			// redaction; both before the span leaves.
			if r.Sampler != nil {
				res.Sampling = r.Sampler.Apply(&p.span, out.Unsampled)
			}
			if res.Sampling.Dropped() {
				break
			}
			if r.Redactor != nil {
				r.Redactor.ApplyLine(line, &p.span)
			}
			res.Span = &p.span
		}
		return res
	}
	return Result{Rule: -1, Malformed: malformed}
}
