package linemeta

import "testing"

func TestEveryFieldHasAName(t *testing.T) {
	seen := map[string]bool{}
	for f := Field(0); f < NumFields; f++ {
		n := f.String()
		if n == "" {
			t.Fatalf("field %d has no name", f)
		}
		if seen[n] {
			t.Fatalf("name %q given twice", n)
		}
		seen[n] = true
		got, ok := Lookup(n)
		if !ok || got != f {
			t.Errorf("Lookup(%q) = %d, %v; want %d", n, got, ok, f)
		}
	}
	if _, ok := Lookup("container.times"); ok {
		t.Error("Lookup found a name that is not a field")
	}
	if NumFields.String() != "" {
		t.Error("NumFields has a name")
	}
}

func TestGet(t *testing.T) {
	vs := []Value{{ContainerStream, []byte("stderr")}, {ContainerTime, []byte("2026-12-01T10:00:00Z")}}
	if got := string(Get(vs, ContainerTime)); got != "2026-12-01T10:00:00Z" {
		t.Errorf("Get(ContainerTime) = %q", got)
	}
	if Get(vs, JournalUnit) != nil {
		t.Error("Get of an absent field is not nil")
	}
}
