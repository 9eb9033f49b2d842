package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/redact"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/mapping"
)

// Volume and privacy: the sampling: and redact: sections, at the top of the
// file (for every rule) and in a rule (over the top-level ones). Decoding
// here checks YAML types only; sampling.New and redact.New check meanings,
// and their errors are placed like mapping's, by spec path.

var (
	samplingKeys = []string{"sampler", "ratio", "keep_errors", "keep_slower_than"}
	redactKeys   = []string{"defaults", "params", "headers", "patterns"}
)

// ruleDefaults are what the top of the file (and the environment) says for
// every rule.
type ruleDefaults struct {
	sampling sampling.Spec
	redact   redact.Spec
}

// nodeReader reads values at spec paths: a rule's draft records where each
// was read, so that errors found later are placed; the top level records
// into its own map.
type nodeReader struct {
	p     *problems
	what  string // "rule \"x\"" or "" at the top level
	where map[string]*yaml.Node
}

func (r nodeReader) name(path string) string {
	if r.what == "" {
		return path
	}
	return r.what + "." + path
}

func (r nodeReader) keys(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	r.where[path] = n
	k := r.p.keys(n, r.name(path), allowed...)
	for key, v := range k {
		r.where[path+"."+key] = v
	}
	return k
}

func (r nodeReader) strList(n *yaml.Node, path string) []string {
	items := r.p.list(n, r.name(path))
	out := make([]string, 0, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", path, i)
		r.where[at] = item
		out = append(out, r.p.str(item, r.name(at)))
	}
	return out
}

// samplingSpec reads a sampling: mapping.
func (r nodeReader) samplingSpec(n *yaml.Node) sampling.Spec {
	var s sampling.Spec
	k := r.keys(n, "sampling", samplingKeys...)
	if v := k["sampler"]; v != nil {
		s.Sampler = r.p.str(v, r.name("sampling.sampler"))
	}
	if v := k["ratio"]; v != nil && r.p.scalar(v, r.name("sampling.ratio"), "a number between 0 and 1") {
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil {
			r.p.at(v, "%s: expected a number between 0 and 1, got %q", r.name("sampling.ratio"), v.Value)
		} else {
			s.Ratio, s.RatioSet = f, true
		}
	}
	if v := k["keep_errors"]; v != nil {
		b := r.p.boolean(v, r.name("sampling.keep_errors"))
		s.KeepErrors = &b
	}
	if v := k["keep_slower_than"]; v != nil {
		if v.Value == "0" {
			s.KeepSlowerSet = true // 0: off
		} else if d := r.p.duration(v, r.name("sampling.keep_slower_than")); d != 0 {
			s.KeepSlowerThan, s.KeepSlowerSet = d, true
		}
	}
	return s
}

// redactSpec reads a redact: mapping.
func (r nodeReader) redactSpec(n *yaml.Node) redact.Spec {
	var s redact.Spec
	k := r.keys(n, "redact", redactKeys...)
	if v := k["defaults"]; v != nil {
		b := r.p.boolean(v, r.name("redact.defaults"))
		s.Defaults = &b
	}
	if v := k["params"]; v != nil {
		s.Params = r.strList(v, "redact.params")
	}
	if v := k["headers"]; v != nil {
		s.Headers = r.strList(v, "redact.headers")
	}
	if v := k["patterns"]; v != nil {
		s.Patterns = r.strList(v, "redact.patterns")
	}
	return s
}

func (d *draft) reader() nodeReader { return nodeReader{p: d.p, what: d.what, where: d.where} }

func decodeRuleSampling(d *draft, n *yaml.Node) { d.sampling = d.reader().samplingSpec(n) }

func decodeRuleRedact(d *draft, n *yaml.Node) { d.redact = d.reader().redactSpec(n) }

// decodeDefaults reads the top-level sampling: and redact: over the
// environment's OTEL_TRACES_SAMPLER(_ARG), and checks them once, here, so
// that a mistake in them is reported at its line and not once per rule.
// ok is false when they are invalid (the rules are then not compiled
// against them).
func decodeDefaults(p *problems, top map[string]*yaml.Node, opts Options) (ruleDefaults, bool) {
	var g ruleDefaults
	r := nodeReader{p: p, where: map[string]*yaml.Node{}}
	before := len(p.found)
	env, err := sampling.FromEnv(opts.Getenv)
	if err != nil {
		p.at(nil, "%v", err)
	}
	g.sampling = env
	if n := top["sampling"]; n != nil {
		g.sampling = r.samplingSpec(n).Over(env)
	}
	if n := top["redact"]; n != nil {
		g.redact = r.redactSpec(n)
	}
	if _, err := sampling.New(g.sampling); err != nil {
		placeAt(p, err, r.where, "")
	}
	if _, err := redact.New(g.redact); err != nil {
		placeAt(p, err, r.where, "")
	}
	return g, len(p.found) == before
}

// compileVolume builds the rule's sampler and redactor from its own
// sections over the top-level ones. It returns the sampler's say on
// whether mapping must keep the spans of callers that did not sample.
func (d *draft) compileVolume(p *problems, r *Rule) (needsUnsampled bool) {
	g := d.opts.defaults
	if g == nil {
		g = &ruleDefaults{}
	}
	ss := d.sampling.Over(g.sampling)
	ss.KeepUnsampled = d.mapSpec.TraceContext.KeepUnsampled
	smp, err := sampling.New(ss)
	if err != nil {
		placeAt(p, err, d.where, d.what)
	} else {
		r.Sampler = smp
		needsUnsampled = smp.NeedsUnsampled()
	}
	red, err := redact.New(d.redact.Over(g.redact))
	if err != nil {
		placeAt(p, err, d.where, d.what)
	} else if !red.Empty() {
		r.Redactor = red.ForKeys(d.attributeKeys())
	}
	return needsUnsampled
}

// attributeKeys lists the attribute keys the rule's spec names: its
// attributes and its named captures (prefix + name).
func (d *draft) attributeKeys() []string {
	var keys []string
	for _, a := range d.mapSpec.Attributes {
		keys = append(keys, a.Name)
	}
	for _, c := range d.mapSpec.Captures {
		prefix := c.Prefix
		if prefix == "" {
			prefix = mapping.DefaultCapturePrefix
		}
		for _, n := range c.Names {
			keys = append(keys, prefix+strings.ToLower(strings.TrimSpace(n)))
		}
	}
	return keys
}

// placeAt reports SpecErrors at the nodes their paths were read from (or
// the nearest enclosing one); what prefixes the message.
func placeAt(p *problems, err error, where map[string]*yaml.Node, what string) {
	var list mapping.SpecErrors
	if !errors.As(err, &list) {
		p.at(nil, "%v", err)
		return
	}
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	for _, se := range list {
		n := nearest(where, se.Path)
		p.at(n, "%s%s: %v", prefix, se.Path, se.Err)
	}
}

// nearest returns the node of path or of its nearest recorded parent.
func nearest(where map[string]*yaml.Node, path string) *yaml.Node {
	for path != "" {
		if n := where[path]; n != nil {
			return n
		}
		i := len(path) - 1
		for i >= 0 && path[i] != '.' && path[i] != '[' {
			i--
		}
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return nil
}
