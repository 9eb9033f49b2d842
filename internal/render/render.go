// Package render shows what logspan made of a line, for people: the fields a
// rule read and the span it would send. `logspan test` prints it, and the
// golden files under testdata/ are written in its JSON form, so a change in
// parsing or mapping shows up as a readable diff.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/mapping"
	"github.com/logspan/logspan/parsers"
)

// Field is one field a rule read from a line.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Fields lists the fields of m that took part in the match, in parser
// order, then the values the line's input gave (container.time, ...).
func Fields(p *parsers.Parser, m *parsers.Match) []Field {
	var out []Field
	for i, name := range fieldNames(p) {
		if m.Present(i) {
			out = append(out, Field{Name: name, Value: string(m.Field(i))})
		}
	}
	return out
}

// fieldNames are the names of a rule's fields by number: its parser's,
// then the values inputs know of lines (parsers.Match.SetMeta).
func fieldNames(p *parsers.Parser) []string {
	return append(p.FieldNames(), parsers.MetaNames()...)
}

// Span is a span as JSON: ids in hex, times in RFC 3339 with nanoseconds
// (and the zone they were read in), attributes with their types.
type Span struct {
	Service    string      `json:"service"`
	Name       string      `json:"name"`
	Kind       string      `json:"kind"`
	TraceID    string      `json:"trace_id"`
	SpanID     string      `json:"span_id"`
	ParentID   string      `json:"parent_span_id,omitempty"`
	Flags      string      `json:"flags"`
	TraceState string      `json:"trace_state,omitempty"`
	Start      string      `json:"start"`
	End        string      `json:"end"`
	Duration   string      `json:"duration"`
	Attributes []Attribute `json:"attributes"`
	Events     []Event     `json:"events,omitempty"`
	Links      []Link      `json:"links,omitempty"`
	Status     string      `json:"status"`
	Message    string      `json:"status_message,omitempty"`
}

// Attribute is a span attribute with its OpenTelemetry type.
type Attribute struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Event is a span event.
type Event struct {
	Name string `json:"name"`
	Time string `json:"time"`
}

// Link is a span link: another trace the line's trace context named.
type Link struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
	Format  string `json:"format,omitempty"`
}

// Context says which trace context a line carried and where: the format
// ("w3c", "b3", "jaeger", "xray", "sqlcommenter") and the field it was read
// from, so a rule author sees why a span got its parent.
type Context struct {
	Role   string `json:"role"` // "parent", "forwarded" or "link"
	Format string `json:"format"`
	Field  string `json:"field"`
}

// Contexts lists the trace contexts Map used for a line, by role.
func Contexts(p *parsers.Parser, out *mapping.Outcome) []Context {
	names := fieldNames(p)
	name := func(i int) string {
		if i >= 0 && i < len(names) {
			return names[i]
		}
		return ""
	}
	var cs []Context
	if out.Context.Found() {
		cs = append(cs, Context{Role: "parent", Format: out.Context.Format, Field: name(out.Context.Field)})
	}
	if out.Forwarded.Found() {
		cs = append(cs, Context{Role: "forwarded", Format: out.Forwarded.Format, Field: name(out.Forwarded.Field)})
	}
	for _, l := range out.Links {
		if l.Found() {
			cs = append(cs, Context{Role: "link", Format: l.Format, Field: name(l.Field)})
		}
	}
	return cs
}

// FromSpan converts a span record for display.
func FromSpan(s *mapping.Span) Span {
	out := Span{
		Service:  s.Service,
		Name:     s.Name,
		Kind:     strings.ToUpper(s.Kind.String()),
		TraceID:  s.TraceID.String(),
		SpanID:   s.SpanID.String(),
		Flags:    s.Flags.String(),
		Start:    s.Start.Format(time.RFC3339Nano),
		End:      s.End.Format(time.RFC3339Nano),
		Duration: s.End.Sub(s.Start).String(),
		Status:   strings.ToUpper(s.Status.String()),
		Message:  s.StatusMessage,
	}
	if s.HasParent() {
		out.ParentID = s.Parent.String()
	}
	out.TraceState = s.TraceState
	out.Attributes = make([]Attribute, 0, len(s.Attributes))
	for _, kv := range s.Attributes {
		out.Attributes = append(out.Attributes, Attribute{
			Key:   string(kv.Key),
			Type:  strings.ToLower(kv.Value.Type().String()),
			Value: attrValue(kv.Value),
		})
	}
	for _, e := range s.Events {
		out.Events = append(out.Events, Event{Name: e.Name, Time: e.Time.Format(time.RFC3339Nano)})
	}
	for _, l := range s.Links {
		out.Links = append(out.Links, Link{TraceID: l.TraceID.String(), SpanID: l.SpanID.String(), Format: l.Format})
	}
	return out
}

func attrValue(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		return v.AsFloat64()
	default:
		return v.String()
	}
}

// Line is what `logspan test --json` prints for one line.
type Line struct {
	File   string  `json:"file"`
	Number int64   `json:"line"`
	Text   string  `json:"text"`
	Rule   string  `json:"rule,omitempty"`
	Fields []Field `json:"fields,omitempty"`
	// Contexts are the trace contexts found in the line and used.
	Contexts []Context `json:"trace_contexts,omitempty"`
	Span     *Span     `json:"span,omitempty"`
	NoSpan   string    `json:"no_span,omitempty"`
	// Malformed says why a JSON rule could not read an unmatched line.
	Malformed string `json:"malformed,omitempty"`
	Error     string `json:"error,omitempty"`
	// Notes are remarks on a span that was made, e.g. an ignored traceparent.
	Notes   []string `json:"notes,omitempty"`
	Matched bool     `json:"matched"`
}

// JSON writes l as one line of JSON.
func JSON(w io.Writer, l *Line) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// Text writes l for a person reading a terminal.
func Text(w io.Writer, l *Line) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", l.File, l.Number)
	switch {
	case !l.Matched:
		if l.Malformed != "" {
			fmt.Fprintf(&b, "UNMATCHED (%s)\n  %s\n", l.Malformed, l.Text)
		} else {
			fmt.Fprintf(&b, "UNMATCHED (no rule matches)\n  %s\n", l.Text)
		}
	default:
		fmt.Fprintf(&b, "rule %s\n", l.Rule)
		for _, f := range l.Fields {
			fmt.Fprintf(&b, "  field %-26s %s\n", f.Name, f.Value)
		}
		if l.Error != "" {
			fmt.Fprintf(&b, "  NO SPAN: %s\n", l.Error)
		}
		if l.NoSpan != "" {
			fmt.Fprintf(&b, "  no span: %s\n", l.NoSpan)
		}
		for _, n := range l.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
		for _, c := range l.Contexts {
			fmt.Fprintf(&b, "  trace context (%s): %s in field %s\n", c.Role, c.Format, c.Field)
		}
		if s := l.Span; s != nil {
			fmt.Fprintf(&b, "  span %q kind=%s service=%s status=%s", s.Name, s.Kind, s.Service, s.Status)
			if s.Message != "" {
				fmt.Fprintf(&b, " (%s)", s.Message)
			}
			fmt.Fprintf(&b, "\n    trace_id=%s span_id=%s", s.TraceID, s.SpanID)
			if s.ParentID != "" {
				fmt.Fprintf(&b, " parent=%s", s.ParentID)
			} else {
				b.WriteString(" (root)")
			}
			if s.TraceState != "" {
				fmt.Fprintf(&b, " tracestate=%s", s.TraceState)
			}
			fmt.Fprintf(&b, "\n    start=%s end=%s (%s)\n", s.Start, s.End, s.Duration)
			for _, a := range s.Attributes {
				fmt.Fprintf(&b, "    %-34s %v (%s)\n", a.Key, a.Value, a.Type)
			}
			for _, e := range s.Events {
				fmt.Fprintf(&b, "    event %-28s %s\n", e.Name, e.Time)
			}
			for _, l := range s.Links {
				fmt.Fprintf(&b, "    link  trace_id=%s span_id=%s (%s)\n", l.TraceID, l.SpanID, l.Format)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
