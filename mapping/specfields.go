package mapping

// FieldNames returns the name of every field spec refers to, in the order
// New first looks each up: time fields, the span name template, attributes,
// events, status conditions and their templates, captures and the trace
// context's fields. A parser that is told what to read rather than finding
// its fields in a pattern (a JSON rule names key paths) reads exactly these.
//
// It runs New's own compilation against an index that takes every name, so
// that the list can never disagree with what New resolves; mistakes other
// than unknown fields are ignored here and reported by New.
func (spec Spec) FieldNames() []string {
	var names []string
	compileIndex(spec, fieldIndex{index: map[string]int{}, rec: &names})
	return names
}
