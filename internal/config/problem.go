package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong in a rules file, with the place it was found.
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

func (p Problem) Error() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// Problems is every problem found in a rules file; Load returns it as its
// error so that an operator fixes them all in one go.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Error()
	}
	return strings.Join(s, "\n")
}

// problems collects problems while a file is decoded.
type problems struct {
	file  string
	found Problems
}

// at records a problem at node n (nil: the file as a whole).
func (p *problems) at(n *yaml.Node, format string, args ...any) {
	pr := Problem{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Col = n.Line, n.Column
	}
	p.found = append(p.found, pr)
}
