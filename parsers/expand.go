package parsers

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
)

// Grok's reference syntax is %{NAME}, %{NAME:field} or %{NAME:field:type}.
// Text that does not have this shape (e.g. a literal "%{" in a regexp) is left
// as it is, as grok does. An empty field name, %{NAME:}, which one of grok's
// bundled patterns uses, is read as an unnamed reference.
var (
	refSyntax   = regexp.MustCompile(`%\{([\w.-]+(?::[\w.-]*(?::[\w.-]+)?)?)\}`)
	patternName = regexp.MustCompile(`^\w+(?:[-.]\w+)*$`)
)

// maxExpanded bounds the size of an expanded expression, so that a rule whose
// patterns refer to each other many times fails clearly at start instead of
// building an enormous regexp.
const maxExpanded = 1 << 20

// expander turns a grok expression into Go regexp source. Named references
// become groups named prefix<k>, where k indexes fields and types; the prefix
// is chosen so that it appears in no definition, so these groups cannot be
// confused with named groups written by hand in a pattern.
type expander struct {
	lib     map[string]string // the library: grok's bundled patterns and ours
	extra   map[string]string // the rule's own patterns; they win over lib
	prefix  string
	fields  []string // field name of group prefix<k>
	types   []string // grok type of group prefix<k>, "" if none
	stack   []string // patterns being expanded, outermost first
	checked map[string]bool
	size    int
}

func newExpander(lib, extra map[string]string, expr string) *expander {
	e := &expander{lib: lib, extra: extra, checked: map[string]bool{}}
	e.prefix = "lsf"
	for strings.Contains(expr, e.prefix) || e.used(e.prefix) {
		e.prefix += "x"
	}
	return e
}

// used reports whether s occurs in any pattern definition.
func (e *expander) used(s string) bool {
	for _, m := range []map[string]string{e.lib, e.extra} {
		for _, d := range m {
			if strings.Contains(d, s) {
				return true
			}
		}
	}
	return false
}

// def returns a pattern's definition, the rule's own first.
func (e *expander) def(name string) (string, bool) {
	if d, ok := e.extra[name]; ok {
		return d, true
	}
	d, ok := e.lib[name]
	return d, ok
}

// groupNumber tells whether a group name is one the expander made, and which.
func (e *expander) groupNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, e.prefix)
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(rest)
	if err != nil || k < 0 || k >= len(e.fields) || strconv.Itoa(k) != rest {
		return 0, false
	}
	return k, true
}

// checkExtras expands each of the rule's own patterns on its own, in name
// order, so that a mistake in one is reported against it even if the
// expression does not use it, and before the expression's errors.
func (e *expander) checkExtras() error {
	names := make([]string, 0, len(e.extra))
	for name := range e.extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !patternName.MatchString(name) {
			return &Error{Pattern: name, Err: fmt.Errorf("%q is not a valid pattern name (use letters, digits and _, with . or - between them)", name)}
		}
		if _, err := e.expandPattern(name, name); err != nil {
			return err
		}
	}
	e.fields, e.types, e.size = nil, nil, 0
	return nil
}

// expandRoot expands the rule's expression after checking that its own text
// is a valid regexp, so that a syntax error is shown on the text the operator
// wrote rather than on the much longer expansion.
func (e *expander) expandRoot(expr string) (string, error) {
	if err := checkSyntax(expr, ""); err != nil {
		return "", &Error{Err: err}
	}
	return e.expand(expr, "")
}

// expand replaces every reference in src, which is the definition of pattern
// owner ("" for the rule's expression).
func (e *expander) expand(src, owner string) (string, error) {
	locs := refSyntax.FindAllStringSubmatchIndex(src, -1)
	if len(locs) == 0 {
		return src, nil
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(src[last:l[0]])
		last = l[1]
		ref := src[l[2]:l[3]]
		parts := strings.Split(ref, ":")
		name, field, typ := parts[0], "", ""
		if len(parts) > 1 {
			field = parts[1]
		}
		if len(parts) > 2 {
			typ = parts[2]
		}
		if !patternName.MatchString(name) {
			return "", &Error{Pattern: owner, Err: fmt.Errorf("%%{%s} does not name a pattern (use letters, digits and _, with . or - between them)", ref)}
		}
		switch typ {
		case "", "int", "float", "string":
		default:
			return "", &Error{Pattern: owner, Err: fmt.Errorf("%%{%s} has type %q; the types are int, float and string", ref, typ)}
		}
		if field == "" {
			body, err := e.expandPattern(name, owner)
			if err != nil {
				return "", err
			}
			b.WriteString("(?:" + body + ")")
			continue
		}
		// Number the group before expanding inside it, so that numbers follow
		// the order of the opening parentheses.
		k := len(e.fields)
		e.fields = append(e.fields, field)
		e.types = append(e.types, typ)
		body, err := e.expandPattern(name, owner)
		if err != nil {
			return "", err
		}
		b.WriteString("(?P<" + e.prefix + strconv.Itoa(k) + ">" + body + ")")
	}
	b.WriteString(src[last:])
	return b.String(), nil
}

// expandPattern expands the pattern called name, referred to from owner.
func (e *expander) expandPattern(name, owner string) (string, error) {
	def, ok := e.def(name)
	if !ok {
		return "", &Error{Pattern: owner, Err: fmt.Errorf("unknown pattern %%{%s} (no such pattern in the library or the rule's patterns)", name)}
	}
	for i, s := range e.stack {
		if s == name {
			return "", e.cycle(e.stack[i:])
		}
	}
	e.stack = append(e.stack, name)
	body, err := e.expand(def, name)
	e.stack = e.stack[:len(e.stack)-1]
	if err != nil {
		return "", err
	}
	if !e.checked[name] {
		e.checked[name] = true
		if err := checkSyntax(def, body); err != nil {
			return "", &Error{Pattern: name, Err: err}
		}
	}
	e.size += len(body)
	if e.size > maxExpanded {
		return "", &Error{Pattern: owner, Err: fmt.Errorf("the expansion grows beyond %d bytes (patterns referring to each other too many times)", maxExpanded)}
	}
	return body, nil
}

// cycle reports patterns that refer to themselves. The sentence starts from
// the first of the rule's own patterns in the cycle, if any, since that is
// the one the operator can change.
func (e *expander) cycle(cyc []string) error {
	start := 0
	for i, name := range cyc {
		if _, ok := e.extra[name]; ok {
			start = i
			break
		}
	}
	rot := append(append([]string(nil), cyc[start:]...), cyc[:start]...)
	msg := "pattern " + rot[0] + " refers to itself"
	if len(rot) > 1 {
		msg += " through " + strings.Join(rot[1:], ", ")
	}
	return &Error{Pattern: rot[0], Err: fmt.Errorf("%s", msg)}
}

// checkSyntax checks that a definition is a valid regexp on its own, with its
// references stood in for by empty groups, and then that its expansion is.
// The first check shows errors on the text as written.
func checkSyntax(def, body string) error {
	if _, err := syntax.Parse(refSyntax.ReplaceAllString(def, "(?:)"), syntax.Perl); err != nil {
		return err
	}
	if body == "" {
		return nil
	}
	if _, err := syntax.Parse(body, syntax.Perl); err != nil {
		return err
	}
	return nil
}
