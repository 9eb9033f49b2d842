package parsers

import "github.com/logspan/logspan/internal/source/linemeta"

// Match is one parsed line: the line itself and where each field lies.
//
// A Match is filled by Parser.Parse and meant to be reused from line to line, so
// the hot path allocates nothing for it. Fields are numbered as in
// Parser.FieldNames; a field that took no part in the match (an optional group
// that did not match, a JSON key the line lacks) reads as nil, which is
// different from an empty field.
//
// Offsets point into Data, not Line. For a grok rule the two are the same
// slice. A JSON rule has to hand out values that are not bytes of the line
// (a string with escapes, "a\"b", is the three bytes a"b once decoded): when
// a line has such a value, Data is a copy of Line followed by the decoded
// values, kept in the Match and reused, and the offsets of the decoded values
// lie past len(Line); when it has none, Data is Line itself and nothing is
// copied. Either way Data[:len(Line)] equals Line.
type Match struct {
	// Line is the whole line as read. It is not copied: it is valid only as
	// long as the caller keeps the line's buffer unchanged. Things derived
	// from the line as a whole (such as mapping's span ids) use Line.
	Line []byte
	// Data is what Index points into: Line, or the Match's own copy of Line
	// followed by decoded values (see above). It is valid until the next
	// Parse with this Match, and as long as Line's buffer is unchanged.
	Data []byte
	// Index holds two offsets per field, start and end into Data, or -1, -1
	// for a field that did not take part.
	Index []int
	// Malformed says why the line was not matched when it looked like JSON
	// (its first non-blank byte is '{') but is not a valid JSON object, so
	// that callers can count such lines and show why; it is a *JSONError. It
	// is nil for every other outcome: a match, a line of another format, a
	// grok rule. Like Data, it is reused by the next Parse.
	Malformed error
	// metaBuf holds Data with the line's metadata values after it, once
	// SetMeta has been given some.
	metaBuf []byte

	// json holds a JSON rule's scratch space, made on first use.
	json *jsonScratch
}

// Field returns field i's bytes, nil when the field did not take part.
func (m *Match) Field(i int) []byte {
	if !m.Present(i) {
		return nil
	}
	s, e := m.Index[2*i], m.Index[2*i+1]
	if e < s || e > len(m.Data) {
		return nil
	}
	return m.Data[s:e]
}

// Present reports whether field i took part in the match.
func (m *Match) Present(i int) bool {
	return i >= 0 && 2*i+1 < len(m.Index) && m.Index[2*i] >= 0
}

// NumFields is the number of fields the Match has room for.
func (m *Match) NumFields() int { return len(m.Index) / 2 }

// SetMeta makes the values the line's input knows of it besides its text
// (a container runtime's time, the journal's unit, a syslog header: see
// package linemeta) readable as fields numbered after the parser's own:
// field n+f is linemeta.Field f, n being the parser's field count, so rules
// name them like captured fields (see MetaNames). Call it once after a
// Parse that matched; until then, and for a line without metadata, those
// fields are absent. The values are copied after Data (which becomes the
// Match's own copy), so that one offset pair per field keeps describing
// every field and readers of fields need no second path.
func (m *Match) SetMeta(meta []linemeta.Value) {
	if len(meta) == 0 {
		return
	}
	n := len(m.Index)
	for range linemeta.NumFields {
		m.Index = append(m.Index, -1, -1)
	}
	m.metaBuf = append(m.metaBuf[:0], m.Data...)
	for _, v := range meta {
		if v.Field >= linemeta.NumFields {
			continue
		}
		start := len(m.metaBuf)
		m.metaBuf = append(m.metaBuf, v.Value...)
		m.Index[n+2*int(v.Field)], m.Index[n+2*int(v.Field)+1] = start, len(m.metaBuf)
	}
	m.Data = m.metaBuf
}

// MetaNames returns the names rules use for the values SetMeta gives, in
// the order they are numbered after a parser's own fields: a rule's fields
// are its parser's FieldNames followed by these (a parser's own field of
// the same name comes first, so it wins).
func MetaNames() []string { return linemeta.Names() }
