package parsers

import (
	"testing"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// TestSetMeta: after SetMeta, the metadata values read as the fields
// numbered after the parser's own, the parser's fields (even JSON values
// decoded past the line) keep their values, and the next Parse forgets the
// metadata.
func TestSetMeta(t *testing.T) {
	p, err := New(Spec{JSON: &JSONSpec{Fields: []string{"msg", "n"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := p.NewMatch()
	line := []byte(`{"msg":"a\"b","n":7}`)
	if !p.Parse(line, m) {
		t.Fatal("no match")
	}
	own := len(p.FieldNames())
	m.SetMeta([]linemeta.Value{{Field: linemeta.JournalUnit, Value: []byte("haproxy.service")}, {Field: linemeta.ContainerStream, Value: []byte("stderr")}})
	for i, want := range map[int]string{0: `a"b`, 1: "7", own + int(linemeta.JournalUnit): "haproxy.service", own + int(linemeta.ContainerStream): "stderr"} {
		if got := string(m.Field(i)); got != want || !m.Present(i) {
			t.Errorf("field %d = %q (present %v), want %q", i, got, m.Present(i), want)
		}
	}
	if m.Present(own + int(linemeta.SyslogHostname)) {
		t.Error("a value the line lacks is present")
	}
	if string(m.Data[:len(m.Line)]) != string(m.Line) {
		t.Error("Data does not start with the line")
	}
	if allocs := testing.AllocsPerRun(100, func() {
		p.Parse(line, m)
		m.SetMeta([]linemeta.Value{{Field: linemeta.JournalUnit, Value: []byte("x")}})
	}); allocs != 0 {
		t.Errorf("%v allocations per line with metadata", allocs)
	}
	p.Parse([]byte(`{"msg":"c","n":1}`), m)
	if m.Present(own + int(linemeta.JournalUnit)) {
		t.Error("the metadata of the line before is still there")
	}
}
