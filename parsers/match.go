package parsers

// Match is one parsed line: the line itself and where each field lies in it.
//
// A Match is filled by Parser.Parse and meant to be reused from line to line, so
// the hot path allocates nothing for it. Fields are numbered as in
// Parser.FieldNames; a field that took no part in the match (an optional group
// that did not match) reads as nil, which is different from an empty field.
type Match struct {
	// Line is the whole line the fields point into. It is not copied: it is
	// valid only as long as the caller keeps the line's buffer unchanged.
	Line []byte
	// Index holds two offsets per field, start and end into Line, or -1, -1
	// for a field that did not take part.
	Index []int
}

// Field returns field i's bytes, nil when the field did not take part.
func (m *Match) Field(i int) []byte {
	if i < 0 || 2*i+1 >= len(m.Index) || m.Index[2*i] < 0 {
		return nil
	}
	return m.Line[m.Index[2*i]:m.Index[2*i+1]]
}

// Present reports whether field i took part in the match.
func (m *Match) Present(i int) bool {
	return i >= 0 && 2*i+1 < len(m.Index) && m.Index[2*i] >= 0
}

// NumFields is the number of fields the Match has room for.
func (m *Match) NumFields() int { return len(m.Index) / 2 }
