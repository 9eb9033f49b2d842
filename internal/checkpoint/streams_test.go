package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestStreamPositionsSurviveARestart: positions saved are the positions a
// new Store loads; an unchanged save writes nothing.
func TestStreamPositionsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	s, _ := openStore(t, dir)
	pos, err := s.Positions()
	if err != nil || len(pos) != 0 {
		t.Fatalf("first start: %v, %v", pos, err)
	}
	want := map[string]string{"journal:haproxy.service": "s=1;i=2;b=3", "journal:nginx.service": "s=4"}
	if w, err := s.SavePositions(want); err != nil || !w {
		t.Fatalf("SavePositions = %v, %v", w, err)
	}
	if w, err := s.SavePositions(map[string]string{"journal:nginx.service": "s=4", "journal:haproxy.service": "s=1;i=2;b=3"}); err != nil || w {
		t.Fatalf("unchanged SavePositions = %v, %v; want no write", w, err)
	}
	s.Close()
	s2, _ := openStore(t, dir)
	got, err := s2.Positions()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after restart: %v, %v; want %v", got, err, want)
	}
	if w, err := s2.SavePositions(want); err != nil || w {
		t.Fatalf("SavePositions of what was loaded = %v, %v; want no write", w, err)
	}
}

// TestCorruptStreamPositionsAreMovedAside: a damaged streams.json is set
// aside with a reason and reading starts with no positions.
func TestCorruptStreamPositionsAreMovedAside(t *testing.T) {
	for name, content := range map[string]string{
		"zeros":      "\x00\x00\x00",
		"not json":   "{",
		"no version": `{"positions":{}}`,
		"empty key":  `{"version":1,"positions":{"":"x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, streamsFileName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, _ := openStore(t, dir)
			pos, err := s.Positions()
			var ce *CorruptError
			if !errors.As(err, &ce) || len(pos) != 0 {
				t.Fatalf("Positions = %v, %v; want none and a CorruptError", pos, err)
			}
			if _, err := os.Stat(ce.MovedTo); err != nil {
				t.Errorf("not moved aside: %v", err)
			}
		})
	}
}
