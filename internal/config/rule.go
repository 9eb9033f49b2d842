package config

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// ruleKeys are the keys a rule may have, in the order the docs list them.
var ruleKeys = []string{"name", "description", "service_name", "grok", "patterns", "emit",
	"start", "end", "span_name", "kind", "attributes", "events", "event_unit", "status",
	"captures", "trace_context", "absent"}

// draft is a rule decoded but not compiled, with the node of every value so
// that errors from the parser and the mapper can be placed in the file.
type draft struct {
	name     string
	nameNode *yaml.Node
	node     *yaml.Node
	emit     bool
	parse    parsers.Spec
	patterns map[string]*yaml.Node // pattern name -> its key node
	mapSpec  mapping.Spec
	// where maps a mapping.SpecError path (e.g. "attributes[2].field") to
	// the node it refers to.
	where map[string]*yaml.Node
}

func decodeRule(p *problems, n *yaml.Node, i int, opts Options) *draft {
	what := fmt.Sprintf("rules[%d]", i)
	k := p.keys(n, "rule", ruleKeys...)
	d := &draft{node: n, emit: true, where: map[string]*yaml.Node{}}
	if v := k["name"]; v != nil {
		d.name, d.nameNode = p.str(v, what+".name"), v
		what = fmt.Sprintf("rule %q", d.name)
	}
	if d.name == "" {
		if n.Kind == yaml.MappingNode {
			p.at(n, "%s has no name (every rule needs a unique name: it seeds the span ids)", what)
		}
		return nil
	}
	if v := k["grok"]; v != nil {
		d.parse.Expression = p.str(v, what+".grok")
		d.where["grok"] = v
	} else {
		p.at(n, "%s has no grok: expression (expected the pattern its lines match)", what)
	}
	d.parse.Patterns, d.patterns = p.strMap(k["patterns"], what+".patterns")
	if v := k["emit"]; v != nil {
		d.emit = p.boolean(v, what+".emit")
	}
	if v := k["description"]; v != nil {
		p.str(v, what+".description")
	}

	s := &d.mapSpec
	s.Rule = d.name
	s.Service = d.name
	if v := k["service_name"]; v != nil {
		s.Service = p.str(v, what+".service_name")
	}
	if env := opts.Getenv("OTEL_SERVICE_NAME"); env != "" {
		s.Service = env
	}
	if v := k["start"]; v != nil {
		k := p.keys(v, what+".start", "field", "layout", "epoch", "timezone")
		t := d.timeSpec(p, v, k, what, "start", opts)
		s.Start = &t
	} else if d.emit {
		p.at(n, "%s has no start: (expected the field that holds the span's start time)", what)
	}
	if v := k["end"]; v != nil {
		e := p.keys(v, what+".end", "duration", "unit", "lower_bound_attribute", "field", "layout", "epoch", "timezone")
		if dn := e["duration"]; dn != nil {
			// end: {duration:, unit:} is mapping's duration: with the span
			// anchored at its start.
			s.Duration = &mapping.DurationSpec{
				Field:               p.str(dn, what+".end.duration"),
				Unit:                unitName(p.unit(e["unit"], what+".end.unit")),
				LowerBoundAttribute: p.str(e["lower_bound_attribute"], what+".end.lower_bound_attribute"),
			}
			d.where["duration.field"] = dn
			d.where["duration.unit"] = e["unit"]
			if e["field"] != nil {
				p.at(e["field"], "%s.end: give either duration: or field:, not both", what)
			}
		} else if e["field"] != nil {
			if e["unit"] != nil || e["lower_bound_attribute"] != nil {
				p.at(v, "%s.end: unit: and lower_bound_attribute: go with duration:, not with field:", what)
			}
			t := d.timeSpec(p, v, e, what, "end", opts)
			s.End = &t
		} else if v.Kind == yaml.MappingNode {
			p.at(v, "%s.end: expected duration: (a field holding the span's length) or field: (a field holding its end time)", what)
		}
	}
	if v := k["span_name"]; v != nil {
		s.Name = p.str(v, what+".span_name")
		d.where["name"] = v
	}
	if v := k["kind"]; v != nil {
		s.Kind = p.str(v, what+".kind")
		d.where["kind"] = v
	}
	for j, an := range p.list(k["attributes"], what+".attributes") {
		at := fmt.Sprintf("attributes[%d]", j)
		a := p.keys(an, what+"."+at, "name", "field", "type", "value", "absent")
		var spec mapping.AttributeSpec
		spec.Name = p.str(a["name"], what+"."+at+".name")
		if a["name"] == nil {
			p.at(an, "%s.%s has no name: (expected the attribute's key, e.g. http.request.method)", what, at)
		}
		spec.Field = p.str(a["field"], what+"."+at+".field")
		spec.Type = p.str(a["type"], what+"."+at+".type")
		spec.Value = p.str(a["value"], what+"."+at+".value")
		spec.Absent = p.strList(a["absent"], what+"."+at+".absent")
		for j, item := range p.list(a["absent"], "") {
			d.where[fmt.Sprintf("%s.absent[%d]", at, j)] = item
		}
		if a["field"] == nil && a["value"] == nil && an.Kind == yaml.MappingNode {
			p.at(an, "%s.%s: expected field: (where the value comes from) or value: (a constant)", what, at)
		}
		d.place(at, an, a)
		s.Attributes = append(s.Attributes, spec)
	}
	for j, en := range p.list(k["events"], what+".events") {
		at := fmt.Sprintf("events[%d]", j)
		e := p.keys(en, what+"."+at, "name", "duration")
		s.Events = append(s.Events, mapping.EventSpec{
			Name:     p.str(e["name"], what+"."+at+".name"),
			Duration: p.str(e["duration"], what+"."+at+".duration"),
		})
		if e["name"] == nil || e["duration"] == nil {
			p.at(en, "%s.%s: expected name: and duration: (the field holding the phase's length)", what, at)
		}
		d.place(at, en, e)
	}
	s.EventUnit = p.unit(k["event_unit"], what+".event_unit")
	for j, sn := range p.list(k["status"], what+".status") {
		at := fmt.Sprintf("status[%d]", j)
		c := p.keys(sn, what+"."+at, "field", "match", "range", "error_type", "message")
		var spec mapping.StatusSpec
		spec.Field = p.str(c["field"], what+"."+at+".field")
		spec.Match = p.str(c["match"], what+"."+at+".match")
		if rn := c["range"]; rn != nil {
			bounds := p.list(rn, what+"."+at+".range")
			if len(bounds) != 2 {
				p.at(rn, "%s.%s.range: expected [min, max], two whole numbers", what, at)
			} else {
				spec.Min = p.integer(bounds[0], what+"."+at+".range", -1<<62)
				spec.Max = p.integer(bounds[1], what+"."+at+".range", -1<<62)
				if spec.Max < spec.Min || spec.Max <= 0 {
					p.at(rn, "%s.%s.range: expected min <= max and max > 0, got [%d, %d]", what, at, spec.Min, spec.Max)
				}
			}
		}
		if (c["match"] == nil) == (c["range"] == nil) && sn.Kind == yaml.MappingNode {
			p.at(sn, "%s.%s: expected exactly one of match: (a regular expression) or range: [min, max]", what, at)
		}
		spec.ErrorType = p.str(c["error_type"], what+"."+at+".error_type")
		spec.Message = p.str(c["message"], what+"."+at+".message")
		if c["field"] == nil && sn.Kind == yaml.MappingNode {
			p.at(sn, "%s.%s has no field: (expected the field the condition tests)", what, at)
		}
		d.place(at, sn, c)
		s.Status = append(s.Status, spec)
	}
	for j, cn := range p.list(k["captures"], what+".captures") {
		at := fmt.Sprintf("captures[%d]", j)
		c := p.keys(cn, what+"."+at, "field", "names", "prefix")
		spec := mapping.CaptureSpec{
			Field:  p.str(c["field"], what+"."+at+".field"),
			Names:  p.strList(c["names"], what+"."+at+".names"),
			Prefix: "http.request.header.",
		}
		if pn := c["prefix"]; pn != nil {
			spec.Prefix = p.str(pn, what+"."+at+".prefix")
		}
		if c["field"] == nil && cn.Kind == yaml.MappingNode {
			p.at(cn, "%s.%s has no field: (expected the field holding the {a|b} block)", what, at)
		}
		d.place(at, cn, c)
		s.Captures = append(s.Captures, spec)
	}
	if v := k["trace_context"]; v != nil {
		t := p.keys(v, what+".trace_context", "fields", "tracestate", "keep_unsampled", "forwarded")
		if fn := t["fields"]; fn != nil {
			s.TraceContext.Fields = p.strList(fn, what+".trace_context.fields")
			for j, item := range p.list(fn, "") {
				d.where[fmt.Sprintf("trace_context.fields[%d]", j)] = item
			}
			if s.TraceContext.Fields == nil {
				s.TraceContext.Fields = []string{} // an empty list: search nothing
			}
		}
		if tn := t["tracestate"]; tn != nil {
			s.TraceContext.TraceState = p.str(tn, what+".trace_context.tracestate")
			d.where["trace_context.tracestate"] = tn
		}
		if kn := t["keep_unsampled"]; kn != nil {
			s.TraceContext.KeepUnsampled = p.boolean(kn, what+".trace_context.keep_unsampled")
		}
		if fn := t["forwarded"]; fn != nil {
			s.TraceContext.Forwarded = p.str(fn, what+".trace_context.forwarded")
			d.where["trace_context.forwarded"] = fn
		}
	}
	if v := k["absent"]; v != nil {
		s.Absent = p.strList(v, what+".absent")
		if s.Absent == nil {
			s.Absent = []string{}
		}
		for j, item := range p.list(v, "") {
			d.where[fmt.Sprintf("absent[%d]", j)] = item
		}
	}
	return d
}

// unitName is the mapping.DurationSpec unit name of a unit p.unit read.
func unitName(u time.Duration) string {
	switch u {
	case time.Nanosecond:
		return "ns"
	case time.Microsecond:
		return "us"
	case time.Millisecond:
		return "ms"
	case time.Second:
		return "s"
	}
	return ""
}

// place records the nodes of a list item and its keys under path.
func (d *draft) place(path string, item *yaml.Node, keys map[string]*yaml.Node) {
	d.where[path] = item
	for k, v := range keys {
		d.where[path+"."+k] = v
	}
}

// timeSpec reads a time from start: or end: (with field:), whose keys k the
// caller has already checked.
func (d *draft) timeSpec(p *problems, n *yaml.Node, k map[string]*yaml.Node, what, key string, opts Options) mapping.TimeSpec {
	var t mapping.TimeSpec
	t.Field = p.str(k["field"], what+"."+key+".field")
	if k["field"] == nil {
		p.at(n, "%s.%s has no field: (expected the field holding the time)", what, key)
	}
	d.where[key+".field"] = k["field"]
	if ln := k["layout"]; ln != nil {
		t.Layout = p.str(ln, what+"."+key+".layout")
		d.where[key+".layout"] = ln
	}
	if en := k["epoch"]; en != nil {
		t.Epoch = p.str(en, what+"."+key+".epoch")
		d.where[key+".epoch"] = en
	}
	if (k["layout"] == nil) == (k["epoch"] == nil) && n.Kind == yaml.MappingNode {
		p.at(n, "%s.%s: expected exactly one of layout: (a Go time layout) or epoch: (s, ms, us or ns)", what, key)
	}
	t.Location = opts.Local
	if zn := k["timezone"]; zn != nil {
		t.Location = loadZone(p, zn, what+"."+key+".timezone", opts.Local)
	}
	return t
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

// compile builds the rule's parser and mapper, placing their errors.
func (d *draft) compile(p *problems, opts Options) *Rule {
	before := len(p.found)
	parser, err := parsers.New(d.parse)
	if err != nil {
		var pe *parsers.Error
		n := d.where["grok"]
		if errors.As(err, &pe) && pe.Pattern != "" && d.patterns[pe.Pattern] != nil {
			n = d.patterns[pe.Pattern]
			p.at(n, "rule %q: pattern %s does not compile: %v", d.name, pe.Pattern, pe.Err)
		} else if errors.As(err, &pe) {
			p.at(n, "rule %q: grok expression does not compile: %v", d.name, pe.Err)
		} else {
			p.at(n, "rule %q: grok expression does not compile: %v", d.name, err)
		}
		return nil
	}
	r := &Rule{Name: d.name, Service: d.mapSpec.Service, Parser: parser}
	if d.emit {
		m, err := mapping.New(d.mapSpec, parser.FieldNames())
		if err != nil {
			var se *mapping.SpecError
			if errors.As(err, &se) {
				n := d.where[se.Path]
				if n == nil {
					n = d.node
				}
				p.at(n, "rule %q: %s: %v", d.name, yamlPath(se.Path), se.Err)
			} else {
				p.at(d.node, "rule %q: %v", d.name, err)
			}
			return nil
		}
		r.Mapper = m
	}
	if len(p.found) > before {
		return nil
	}
	return r
}

// yamlPath turns a mapping spec path into the rules.yaml key an operator sees.
func yamlPath(path string) string {
	switch path {
	case "name":
		return "span_name"
	case "duration.field": // written end: {duration:} in rules.yaml
		return "end.duration"
	case "duration.unit":
		return "end.unit"
	}
	return path
}
