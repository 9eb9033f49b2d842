package mapping

import (
	"fmt"
	"strings"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// SpecError is a mistake in a Spec, found by New before any line is mapped.
//
// Path names the faulty element with the keys of rules.yaml ("start.layout",
// "attributes[2].type", "status[1].match", ...), so that the config package,
// which knows where each key sits in the file, can point the operator at the
// right line; Err says what is wrong and what was expected.
type SpecError struct {
	Path string
	Err  error
}

// Error reports the path and the problem, e.g.
// `attributes[2].type: unknown type "integer" (expected string, int, float or bool)`.
func (e *SpecError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap gives the underlying error, so errors.Is and errors.As see through
// the path.
func (e *SpecError) Unwrap() error { return e.Err }

// specErr builds a *SpecError from a format, the common case in New.
func specErr(path, format string, args ...any) *SpecError {
	return &SpecError{Path: path, Err: fmt.Errorf(format, args...)}
}

// fieldIndex maps the parser's field names to their numbers and explains a
// miss, so that a typo in rules.yaml gets a useful message.
type fieldIndex struct {
	names []string
	index map[string]int
	// rec, when set, makes every name a field: lookup gives an unknown
	// name the next number and appends it to *rec (see Spec.FieldNames).
	rec *[]string
}

func newFieldIndex(fields []string) fieldIndex {
	fi := fieldIndex{names: fields, index: make(map[string]int, len(fields))}
	for i, f := range fields {
		if _, dup := fi.index[f]; !dup && f != "" {
			fi.index[f] = i
		}
	}
	return fi
}

// lookup returns the number of field name, or a SpecError at path that lists
// the rule's fields and, when one is close, suggests it.
func (fi fieldIndex) lookup(path, name string) (int, *SpecError) {
	if name == "" {
		return -1, specErr(path, "a field name is required")
	}
	if i, ok := fi.index[name]; ok {
		return i, nil
	}
	if fi.rec != nil {
		fi.index[name] = len(*fi.rec)
		*fi.rec = append(*fi.rec, name)
		return fi.index[name], nil
	}
	// The values inputs know of lines (parsers.MetaNames) are fields of
	// every rule; the list names the rule's own, which is what a typo
	// usually misses.
	var known, all []string
	for _, f := range fi.names {
		if f == "" {
			continue
		}
		all = append(all, f)
		if _, meta := linemeta.Lookup(f); !meta {
			known = append(known, f)
		}
	}
	msg := fmt.Sprintf("unknown field %q", name)
	if s := closest(name, all); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	}
	if len(known) == 0 {
		msg += " (the rule's parser has no named fields)"
	} else {
		msg += " (the rule's fields are: " + strings.Join(known, ", ") + ")"
	}
	return -1, &SpecError{Path: path, Err: fmt.Errorf("%s", msg)}
}

// closest returns the candidate within a small edit distance of name, if
// any: most unknown names are typos of a real one.
func closest(name string, candidates []string) string {
	best, bestD := "", 3
	if len(name) < 4 {
		bestD = 2
	}
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short ASCII-ish
// strings, counted in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// SpecErrors is every mistake New found in one Spec, in the order of the
// Spec's keys, so that `logspan check` can list them all at once instead of
// making an operator fix and re-run once per mistake.
type SpecErrors []*SpecError

// Error lists the mistakes, one per line.
func (es SpecErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.Is and errors.As look at each mistake.
func (es SpecErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
