package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/internal/redact"
	"github.com/logspan/logspan/internal/sampling"
	"github.com/logspan/logspan/internal/source/linemeta"
	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// A rule is decoded key by key: ruleKeys holds, for every key a rule may
// have, the one function that reads it into the parser's or the mapper's
// spec. Decoders check only what YAML can get wrong (a list where text was
// expected, an unknown sub-key); what the value means (a layout that reads
// no time, a field the pattern lacks, two keys that exclude each other) is
// checked once, by parsers.New and mapping.New, whose errors come back with
// the spec path the decoder recorded, and so with a line and a column. A new
// rule key is one entry here and one field in a spec.

// ruleKey is one key of a rule and its decoder.
type ruleKey struct {
	name   string
	decode func(d *draft, n *yaml.Node)
}

// ruleKeys are the keys a rule may have, in the order the docs list them.
var ruleKeys = []ruleKey{
	{"name", func(d *draft, n *yaml.Node) {}}, // read first, by decodeRule
	{"description", func(d *draft, n *yaml.Node) { d.str(n, "description") }},
	{"service_name", func(d *draft, n *yaml.Node) { d.mapSpec.Service = d.str(n, "service_name") }},
	{"grok", func(d *draft, n *yaml.Node) { d.parse.Expression = d.str(n, "grok") }},
	{"json", decodeJSON},
	{"patterns", decodePatterns},
	{"emit", func(d *draft, n *yaml.Node) { d.emit = d.boolean(n, "emit") }},
	{"start", decodeStart},
	{"end", decodeEnd},
	{"duration", decodeDuration},
	{"span_name", func(d *draft, n *yaml.Node) { d.mapSpec.Name = d.str(n, "span_name") }},
	{"kind", func(d *draft, n *yaml.Node) { d.mapSpec.Kind = d.str(n, "kind") }},
	{"attributes", decodeAttributes},
	{"events", decodeEvents},
	{"event_unit", func(d *draft, n *yaml.Node) { d.mapSpec.EventUnit = d.unit(n, "event_unit") }},
	{"status", decodeStatus},
	{"captures", decodeCaptures},
	{"trace_context", decodeTraceContext},
	{"absent", func(d *draft, n *yaml.Node) { d.mapSpec.Absent = d.strList(n, "absent", true) }},
	{"sampling", decodeRuleSampling},
	{"redact", decodeRuleRedact},
}

// ruleKeyNames lists ruleKeys' names, for the unknown-key message.
func ruleKeyNames() []string {
	names := make([]string, len(ruleKeys))
	for i, k := range ruleKeys {
		names[i] = k.name
	}
	return names
}

// draft is a rule decoded but not compiled, with the node of every value so
// that errors from the parser and the mapper can be placed in the file.
type draft struct {
	p        *problems
	opts     Options
	name     string
	what     string // the rule in messages: rule "name"
	nameNode *yaml.Node
	node     *yaml.Node
	emit     bool
	parse    parsers.Spec
	patterns map[string]*yaml.Node // pattern name -> its key node
	mapSpec  mapping.Spec
	// sampling and redact are the rule's own sections, laid over the
	// top-level ones when the rule is compiled.
	sampling sampling.Spec
	redact   redact.Spec
	// where maps a spec path (e.g. "attributes[2].field", the same path
	// mapping.SpecError uses) to the node it was read from.
	where map[string]*yaml.Node
}

// decodeRule reads rules[i]; it returns nil for a rule without a usable
// name, which cannot be compiled or referred to.
func decodeRule(p *problems, n *yaml.Node, i int, opts Options) *draft {
	k := p.keys(n, "rule", ruleKeyNames()...)
	d := &draft{p: p, opts: opts, node: n, emit: true, what: fmt.Sprintf("rules[%d]", i), where: map[string]*yaml.Node{}}
	if v := k["name"]; v != nil {
		d.name, d.nameNode = p.str(v, d.what+".name"), v
		d.what = fmt.Sprintf("rule %q", d.name)
	}
	if d.name == "" {
		if n.Kind == yaml.MappingNode {
			p.at(n, "%s has no name (every rule needs a unique name: it seeds the span ids)", d.what)
		}
		return nil
	}
	d.mapSpec.Rule = d.name
	d.mapSpec.Service = d.name
	for _, rk := range ruleKeys {
		if v := k[rk.name]; v != nil {
			rk.decode(d, v)
		}
	}
	if env := opts.Getenv("OTEL_SERVICE_NAME"); env != "" {
		d.mapSpec.Service = env
	}
	return d
}

// The draft's readers: each reads one value at a spec path, records its node
// there, and reports a wrong YAML type as "rule "x".path: ...".

func (d *draft) str(n *yaml.Node, path string) string {
	d.where[path] = n
	return d.p.str(n, d.what+"."+path)
}

func (d *draft) boolean(n *yaml.Node, path string) bool {
	d.where[path] = n
	return d.p.boolean(n, d.what+"."+path)
}

func (d *draft) unit(n *yaml.Node, path string) time.Duration {
	d.where[path] = n
	return d.p.unit(n, d.what+"."+path)
}

// list reads a list and records the node of each item as path[i].
func (d *draft) list(n *yaml.Node, path string) []*yaml.Node {
	d.where[path] = n
	items := d.p.list(n, d.what+"."+path)
	for i, item := range items {
		d.where[fmt.Sprintf("%s[%d]", path, i)] = item
	}
	return items
}

// strList reads a list of text. nonNil makes an empty list a non-nil empty
// slice, for the keys where "none" differs from "not given".
func (d *draft) strList(n *yaml.Node, path string, nonNil bool) []string {
	var out []string
	for i, item := range d.list(n, path) {
		out = append(out, d.str(item, fmt.Sprintf("%s[%d]", path, i)))
	}
	if out == nil && nonNil {
		out = []string{}
	}
	return out
}

// keys checks the sub-keys of the mapping at path and records the node of
// each as path.key.
func (d *draft) keys(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	d.where[path] = n
	k := d.p.keys(n, d.what+"."+path, allowed...)
	for key, v := range k {
		d.where[path+"."+key] = v
	}
	return k
}

// decodeJSON reads json:, which makes the rule read each line as one JSON
// object. Its fields are the key paths the rule's mapping names (see
// compile), plus any listed under fields: (to show them in logspan test, or
// to search them for a trace context).
func decodeJSON(d *draft, n *yaml.Node) {
	k := d.keys(n, "json", "fields", "require", "grok")
	j := &parsers.JSONSpec{}
	if v := k["fields"]; v != nil {
		j.Fields = d.strList(v, "json.fields", false)
	}
	if v := k["require"]; v != nil {
		j.Require = d.strList(v, "json.require", false)
	}
	if v := k["grok"]; v != nil {
		g := d.keys(v, "json.grok", "field", "expression", "required")
		j.Grok = &parsers.FieldGrok{}
		if f := g["field"]; f != nil {
			j.Grok.Field = d.str(f, "json.grok.field")
		}
		if e := g["expression"]; e != nil {
			j.Grok.Expression = d.str(e, "json.grok.expression")
		}
		if r := g["required"]; r != nil {
			j.Grok.Required = d.boolean(r, "json.grok.required")
		}
	}
	d.parse.JSON = j
}

func decodePatterns(d *draft, n *yaml.Node) {
	d.parse.Patterns, d.patterns = d.p.strMap(n, d.what+".patterns")
}

// timeKeys are the keys of a point in time (start:, end:).
var timeKeys = []string{"field", "layout", "epoch", "timezone"}

// durationKeys are the keys of a duration (duration:).
var durationKeys = []string{"field", "unit", "lower_bound_attribute"}

func decodeStart(d *draft, n *yaml.Node) {
	t := d.timeSpec(d.keys(n, "start", timeKeys...), "start")
	d.mapSpec.Start = &t
}

// decodeEnd reads end:, a point in time. It also takes the older form
// end: {duration:, unit:, lower_bound_attribute:}, which says the same as
// duration: {field:, unit:, lower_bound_attribute:}, so rules written
// before duration: existed keep working.
func decodeEnd(d *draft, n *yaml.Node) {
	k := d.keys(n, "end", append([]string{"duration", "unit", "lower_bound_attribute"}, timeKeys...)...)
	if k["field"] != nil || k["layout"] != nil || k["epoch"] != nil || k["timezone"] != nil {
		t := d.timeSpec(k, "end")
		d.mapSpec.End = &t
	}
	if k["duration"] == nil {
		if v := firstNode(k["unit"], k["lower_bound_attribute"]); v != nil {
			d.p.at(v, "%s.end: unit: and lower_bound_attribute: go with a duration (duration: {field:, unit:})", d.what)
		}
		return
	}
	if d.mapSpec.Duration != nil {
		d.p.at(k["duration"], "%s.end.duration: the duration is given by duration: already", d.what)
		return
	}
	d.mapSpec.Duration = d.durationSpec(map[string]*yaml.Node{
		"field": k["duration"], "unit": k["unit"], "lower_bound_attribute": k["lower_bound_attribute"],
	})
}

func decodeDuration(d *draft, n *yaml.Node) {
	if d.mapSpec.Duration != nil {
		d.p.at(n, "%s.duration: the duration is given by end.duration already; keep one", d.what)
		return
	}
	d.mapSpec.Duration = d.durationSpec(d.keys(n, "duration", durationKeys...))
}

// durationSpec reads the keys of a duration.
func (d *draft) durationSpec(k map[string]*yaml.Node) *mapping.DurationSpec {
	var s mapping.DurationSpec
	if v := k["field"]; v != nil {
		s.Field = d.str(v, "duration.field")
	}
	if v := k["unit"]; v != nil {
		s.Unit = d.str(v, "duration.unit")
	}
	if v := k["lower_bound_attribute"]; v != nil {
		s.LowerBoundAttribute = d.str(v, "duration.lower_bound_attribute")
	}
	return &s
}

func firstNode(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

// timeSpec reads the time keys k of start: or end:.
func (d *draft) timeSpec(k map[string]*yaml.Node, path string) mapping.TimeSpec {
	var t mapping.TimeSpec
	if v := k["field"]; v != nil {
		t.Field = d.str(v, path+".field")
	}
	if v := k["layout"]; v != nil {
		t.Layout = d.str(v, path+".layout")
	}
	if v := k["epoch"]; v != nil {
		t.Epoch = d.str(v, path+".epoch")
	}
	t.Location = d.opts.Local
	if v := k["timezone"]; v != nil {
		t.Location = loadZone(d.p, v, d.what+"."+path+".timezone", d.opts.Local)
	}
	return t
}

func decodeAttributes(d *draft, n *yaml.Node) {
	for j, an := range d.list(n, "attributes") {
		at := fmt.Sprintf("attributes[%d]", j)
		a := d.keys(an, at, "name", "field", "type", "value", "absent", "sanitize")
		var spec mapping.AttributeSpec
		if v := a["name"]; v != nil {
			spec.Name = d.str(v, at+".name")
		}
		if v := a["field"]; v != nil {
			spec.Field = d.str(v, at+".field")
		}
		if v := a["type"]; v != nil {
			spec.Type = d.str(v, at+".type")
		}
		if v := a["value"]; v != nil {
			spec.Value = d.str(v, at+".value")
		}
		if v := a["absent"]; v != nil {
			spec.Absent = d.strList(v, at+".absent", false)
		}
		if v := a["sanitize"]; v != nil {
			spec.Sanitize = d.str(v, at+".sanitize")
		}
		d.mapSpec.Attributes = append(d.mapSpec.Attributes, spec)
	}
}

func decodeEvents(d *draft, n *yaml.Node) {
	for j, en := range d.list(n, "events") {
		at := fmt.Sprintf("events[%d]", j)
		e := d.keys(en, at, "name", "duration")
		var spec mapping.EventSpec
		if v := e["name"]; v != nil {
			spec.Name = d.str(v, at+".name")
		}
		if v := e["duration"]; v != nil {
			spec.Duration = d.str(v, at+".duration")
		}
		d.mapSpec.Events = append(d.mapSpec.Events, spec)
	}
}

func decodeStatus(d *draft, n *yaml.Node) {
	for j, sn := range d.list(n, "status") {
		at := fmt.Sprintf("status[%d]", j)
		c := d.keys(sn, at, "field", "match", "range", "and", "error_type", "message")
		t := d.statusTest(c, at)
		spec := mapping.StatusSpec{Field: t.Field, Match: t.Match, Min: t.Min, Max: t.Max, HasRange: t.HasRange}
		if v := c["and"]; v != nil {
			spec.And = d.statusTests(v, at+".and")
		}
		if v := c["error_type"]; v != nil {
			spec.ErrorType = d.str(v, at+".error_type")
		}
		if v := c["message"]; v != nil {
			spec.Message = d.str(v, at+".message")
		}
		d.mapSpec.Status = append(d.mapSpec.Status, spec)
	}
}

func decodeCaptures(d *draft, n *yaml.Node) {
	for j, cn := range d.list(n, "captures") {
		at := fmt.Sprintf("captures[%d]", j)
		c := d.keys(cn, at, "field", "names", "prefix")
		var spec mapping.CaptureSpec
		if v := c["field"]; v != nil {
			spec.Field = d.str(v, at+".field")
		}
		if v := c["names"]; v != nil {
			spec.Names = d.strList(v, at+".names", false)
		}
		if v := c["prefix"]; v != nil {
			spec.Prefix = d.str(v, at+".prefix")
		}
		d.mapSpec.Captures = append(d.mapSpec.Captures, spec)
	}
}

func decodeTraceContext(d *draft, n *yaml.Node) {
	t := d.keys(n, "trace_context", "fields", "formats", "tracestate", "b3", "keep_unsampled", "forwarded")
	tc := &d.mapSpec.TraceContext
	if v := t["fields"]; v != nil {
		// An empty list searches nothing; no list searches every field.
		tc.Fields = d.strList(v, "trace_context.fields", true)
	}
	if v := t["tracestate"]; v != nil {
		tc.TraceState = d.str(v, "trace_context.tracestate")
	}
	if v := t["keep_unsampled"]; v != nil {
		tc.KeepUnsampled = d.boolean(v, "trace_context.keep_unsampled")
	}
	if v := t["forwarded"]; v != nil {
		tc.Forwarded = d.str(v, "trace_context.forwarded")
	}
	if v := t["formats"]; v != nil {
		tc.Formats = d.strList(v, "trace_context.formats", false)
	}
	if v := t["b3"]; v != nil {
		b := d.keys(v, "trace_context.b3", "trace_id", "span_id", "sampled", "flags")
		for key, dst := range map[string]*string{"trace_id": &tc.B3.TraceID, "span_id": &tc.B3.SpanID, "sampled": &tc.B3.Sampled, "flags": &tc.B3.Flags} {
			if kv := b[key]; kv != nil {
				*dst = d.str(kv, "trace_context.b3."+key)
			}
		}
	}
}

// loadZone reads a time zone name: "Local", "UTC" or an IANA name.
func loadZone(p *problems, n *yaml.Node, what string, local *time.Location) *time.Location {
	name := p.str(n, what)
	if name == "" || name == "Local" || name == "local" {
		return local
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.at(n, "%s: unknown time zone %q (expected Local, UTC or an IANA name such as Europe/Paris)", what, name)
		return local
	}
	return loc
}

// compile builds the rule's parser and mapper, placing every problem they
// report. It returns nil when there was any.
func (d *draft) compile(p *problems) *Rule {
	before := len(p.found)
	switch {
	case d.where["grok"] == nil && d.parse.JSON == nil:
		p.at(d.node, "%s has no grok: or json: (expected the pattern its lines match, or json: for one JSON object a line)", d.what)
		return nil
	case d.where["grok"] != nil && d.parse.JSON != nil:
		p.at(d.where["grok"], "%s: give grok: or json:, not both (json.grok: reads one JSON value with a grok expression)", d.what)
		return nil
	}
	parse := d.parse
	if parse.JSON != nil && d.emit {
		// A JSON rule reads the key paths its mapping names, after
		// those listed under json.fields.
		// A name of a value the input knows of the line (container.time,
		// _SYSTEMD_UNIT, ...) is not a key path unless json.fields lists it.
		j := *parse.JSON
		j.Fields = append([]string(nil), j.Fields...)
		for _, name := range d.mapSpec.FieldNames() {
			if _, meta := linemeta.Lookup(name); !meta {
				j.Fields = append(j.Fields, name)
			}
		}
		parse.JSON = &j
	}
	parser, err := parsers.New(parse)
	if err != nil {
		d.placeParserError(p, err)
		return nil
	}
	r := &Rule{Name: d.name, Service: d.mapSpec.Service, Parser: parser}
	if d.emit {
		spec := d.mapSpec
		// The sampler decides about callers that did not sample when it
		// may keep their spans; mapping then makes them.
		spec.TraceContext.KeepUnsampled = d.compileVolume(p, r)
		// The values an input knows of a line read as fields after the
		// parser's own (parsers.Match.SetMeta).
		m, err := mapping.New(spec, append(parser.FieldNames(), parsers.MetaNames()...))
		if err != nil {
			d.placeSpecErrors(p, err)
			return nil
		}
		r.Mapper = m
	}
	if len(p.found) > before {
		return nil
	}
	return r
}

// placeParserError reports a parsers.New error at the pattern at fault, or
// at the grok expression.
func (d *draft) placeParserError(p *problems, err error) {
	var pe *parsers.Error
	n := d.where["grok"]
	if n == nil {
		n = d.nodeAt("json.grok.expression")
	}
	var path *parsers.PathError
	switch {
	case errors.As(err, &path):
		p.at(d.nodeAt("json"), "%s: json: %v", d.what, path)
	case errors.As(err, &pe) && pe.Pattern != "" && d.patterns[pe.Pattern] != nil:
		p.at(d.patterns[pe.Pattern], "%s: pattern %s does not compile: %v", d.what, pe.Pattern, pe.Err)
	case errors.As(err, &pe):
		p.at(n, "%s: grok expression does not compile: %v", d.what, pe.Err)
	default:
		p.at(n, "%s: grok expression does not compile: %v", d.what, err)
	}
}

// placeSpecErrors reports every mistake mapping.New found, each at the node
// its path was read from (or the nearest enclosing one that was given).
func (d *draft) placeSpecErrors(p *problems, err error) {
	var list mapping.SpecErrors
	var one *mapping.SpecError
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = mapping.SpecErrors{one}
	default:
		p.at(d.node, "%s: %v", d.what, err)
		return
	}
	for _, se := range list {
		p.at(d.nodeAt(se.Path), "%s: %s: %v", d.what, yamlPath(se.Path), se.Err)
	}
}

// nodeAt returns the node recorded for path, else for its nearest parent
// path ("attributes[2].name" -> "attributes[2]" -> "attributes"), else the
// rule itself: a missing key is reported where it should have been.
func (d *draft) nodeAt(path string) *yaml.Node {
	path = yamlPath(path)
	for path != "" {
		if n := d.where[path]; n != nil {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return d.node
}

// yamlPath turns a mapping spec path into the rules.yaml key an operator sees.
func yamlPath(path string) string {
	if path == "name" || strings.HasPrefix(path, "name.") {
		return "span_name" + path[len("name"):]
	}
	return path
}
