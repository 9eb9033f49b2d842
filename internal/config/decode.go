package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// This file holds the small strict decoders the schema is built from. Each
// reports a wrong type at the value's own line and column and returns the
// zero value, so decoding goes on and finds the next problem too.

// describe names a node's kind for messages ("a list", "text", ...).
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// keys checks that n is a mapping whose keys are all in allowed, each once,
// and returns the value node of each key present. what names the mapping for
// messages ("rule", "exporter").
func (p *problems) keys(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return out
	}
	if n.Kind != yaml.MappingNode {
		p.at(n, "%s: expected a mapping of keys to values, got %s", what, describe(n))
		return out
	}
	keyNodes := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !contains(allowed, k.Value) {
			p.at(k, "unknown key %q in %s (expected one of: %s)", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		if prev, dup := keyNodes[k.Value]; dup {
			p.at(k, "key %q given twice in %s (first at line %d)", k.Value, what, prev.Line)
			continue
		}
		keyNodes[k.Value] = k
		out[k.Value] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *problems) scalar(n *yaml.Node, what, expected string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.at(n, "%s: expected %s, got %s", what, expected, describe(n))
		return false
	}
	return true
}

// str reads a string; numbers and booleans are taken as written.
func (p *problems) str(n *yaml.Node, what string) string {
	if n == nil || !p.scalar(n, what, "text") {
		return ""
	}
	return n.Value
}

// startAtBeginning reads a start: value, end or beginning, of a file input
// or a journal input; end and beginning say, in the message for any other
// value, what each means there ("" says nothing).
func (p *problems) startAtBeginning(n *yaml.Node, what, end, beginning string) bool {
	switch s := p.str(n, what); s {
	case "end":
	case "beginning":
		return true
	default:
		p.at(n, "%s: expected end%s or beginning%s, got %q", what, end, beginning, s)
	}
	return false
}

func (p *problems) boolean(n *yaml.Node, what string) bool {
	if n == nil || !p.scalar(n, what, "true or false") {
		return false
	}
	if n.Tag != "!!bool" {
		p.at(n, "%s: expected true or false, got %q", what, n.Value)
		return false
	}
	return n.Value == "true"
}

func (p *problems) integer(n *yaml.Node, what string, min int64) int64 {
	if n == nil || !p.scalar(n, what, "a whole number") {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		p.at(n, "%s: expected a whole number, got %q", what, n.Value)
		return 0
	}
	if v < min {
		p.at(n, "%s: expected a number of at least %d, got %d", what, min, v)
		return 0
	}
	return v
}

// duration reads a Go duration such as "500ms", "10s" or "5m".
func (p *problems) duration(n *yaml.Node, what string) time.Duration {
	if n == nil || !p.scalar(n, what, "a duration") {
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.at(n, "%s: expected a duration such as 500ms, 10s or 5m, got %q", what, n.Value)
		return 0
	}
	return d
}

// unit reads a time unit for durations and epochs.
func (p *problems) unit(n *yaml.Node, what string) time.Duration {
	if n == nil {
		return 0
	}
	s := p.str(n, what)
	switch s {
	case "ns":
		return time.Nanosecond
	case "us", "µs":
		return time.Microsecond
	case "ms":
		return time.Millisecond
	case "s":
		return time.Second
	case "":
		return 0
	}
	p.at(n, "%s: unknown unit %q (expected ns, us, ms or s)", what, s)
	return 0
}

func (p *problems) list(n *yaml.Node, what string) []*yaml.Node {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.at(n, "%s: expected a list, got %s", what, describe(n))
		return nil
	}
	return n.Content
}

func (p *problems) strList(n *yaml.Node, what string) []string {
	var out []string
	for i, item := range p.list(n, what) {
		out = append(out, p.str(item, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

// strMap reads a mapping of text to text, keeping the key nodes for positions.
func (p *problems) strMap(n *yaml.Node, what string) (map[string]string, map[string]*yaml.Node) {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		p.at(n, "%s: expected a mapping of names to text, got %s", what, describe(n))
		return nil, nil
	}
	out, where := map[string]string{}, map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			p.at(k, "%s: %q given twice", what, k.Value)
			continue
		}
		out[k.Value] = p.str(v, what+"."+k.Value)
		where[k.Value] = k
	}
	return out, where
}
