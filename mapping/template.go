package mapping

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/logspan/logspan/parsers"
)

// template is a compiled name template such as "{http_method|HTTP}
// {backend}": literal text and field references, resolved to field numbers
// once by New so that rendering a line does no parsing and no map lookups.
type template struct {
	parts []tmplPart
	// literal is the whole text when the template has no references, so
	// rendering it costs nothing.
	literal   string
	hasFields bool
}

// tmplPart is literal text, or a reference to a field with a default used
// when the field is absent.
type tmplPart struct {
	lit   string
	field int // -1 for literal text
	def   string
}

// compileTemplate parses a template. "{field}" and "{field|default}" are
// references; "{{" and "}}" stand for literal braces, so that a name can
// contain them; a lone '}' is literal too.
func compileTemplate(path, text string, fi fieldIndex) (template, *SpecError) {
	var t template
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tmplPart{lit: lit.String(), field: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '}' {
			if i+1 < len(text) && text[i+1] == '}' {
				i++
			}
			lit.WriteByte('}')
			continue
		}
		if c != '{' {
			lit.WriteByte(c)
			continue
		}
		if i+1 < len(text) && text[i+1] == '{' {
			lit.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(text[i+1:], '}')
		if end < 0 {
			return t, specErr(path, "unclosed '{' at offset %d in %q (write {{ for a literal brace)", i, text)
		}
		ref := text[i+1 : i+1+end]
		name, def, _ := strings.Cut(ref, "|")
		name = strings.TrimSpace(name)
		if name == "" {
			return t, specErr(path, "empty field reference {%s} in %q", ref, text)
		}
		f, serr := fi.lookup(path, name)
		if serr != nil {
			serr.Err = fmt.Errorf("in %q: %w", text, serr.Err)
			return t, serr
		}
		flush()
		t.parts = append(t.parts, tmplPart{field: f, def: def})
		t.hasFields = true
		i += end + 1
	}
	flush()
	if !t.hasFields {
		for _, p := range t.parts {
			t.literal += p.lit
		}
	}
	return t, nil
}

// isEmpty reports whether the template renders nothing.
func (t *template) isEmpty() bool { return len(t.parts) == 0 }

// appendTo renders the template for a line onto dst.
func (t *template) appendTo(dst []byte, m *Mapper, match *parsers.Match) []byte {
	for i := range t.parts {
		p := &t.parts[i]
		if p.field < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		if v, ok := m.value(match, p.field); ok {
			dst = append(dst, v...)
		} else {
			dst = append(dst, p.def...)
		}
	}
	return dst
}

// render returns the template's text for a line, trimmed of surrounding
// white space and made valid UTF-8. reuse is a previous result: when the
// text is the same, it is returned instead of a new string, which saves an
// allocation per line for the many names that repeat.
func (t *template) render(m *Mapper, match *parsers.Match, reuse string) string {
	if !t.hasFields {
		return strings.TrimSpace(t.literal)
	}
	var buf [128]byte
	b := bytes.TrimSpace(t.appendTo(buf[:0], m, match))
	return bytesToString(b, reuse)
}

// bytesToString converts b to a valid UTF-8 string, returning reuse when it
// already holds the same text (comparing costs no allocation). reuse came
// from here, so it is valid: a value that repeats, as most do from line to
// line, is not validated again.
func bytesToString(b []byte, reuse string) string {
	if string(b) == reuse {
		return reuse
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}
