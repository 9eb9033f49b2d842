package parsers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"testing"
	"unicode/utf8"
)

// FuzzJSON feeds arbitrary lines to JSON rules and checks them against
// encoding/json: no panic; a line encoding/json takes for an object (nested
// at most 64 deep) matches and is never malformed, and any other line that
// starts with '{' is malformed; every field lies in Data and is valid UTF-8;
// and each path's value is what encoding/json decodes there (strings
// decoded, numbers and booleans as written, null as absent, objects and
// arrays as text that decodes to the same). The paths are those of the line
// itself, as encoding/json sees it, plus a few it lacks. Run it with
// go test -fuzz FuzzJSON ./parsers/; plain go test runs the seeds.
func FuzzJSON(f *testing.F) {
	for file := range jsonGolden {
		for _, line := range readJSONLines(f, file) {
			f.Add(line)
		}
	}
	for _, s := range []string{
		`{"a":"\ud83d\ude00\ud800\udc00x\udfff","b":[1,{"c":null}],"a":{"d":-0.0e+1}}`,
		"{\"k\xff\":\"\xe9\",\"\\u00e9\":[\"\\u0000\"]}",
		`{"a":1}  `, `{"a":1} x`, `{"a":[`, `[1]`, ` {"":{"":[[]]}}`,
	} {
		f.Add(s)
	}
	// A line with escapes, parsed first with every Match so that state left
	// from it would show.
	prev := []byte(`{"a":"\u00e9\n","b":{"c":["\"x\""]},"msg":"w1 rest"}`)
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		line := []byte(s)
		var tree any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		valid := json.Valid(line) && startsObject(line) && dec.Decode(&tree) == nil && jsonDepth(line) <= maxJSONDepth
		paths, want := jsonPaths(tree)
		paths = append(paths, "zz.missing", "a[3]", "b.c[0]", `["a.b"]`)
		p, err := New(Spec{JSON: &JSONSpec{Fields: paths}})
		if err != nil {
			t.Fatalf("paths %q: %v", paths, err)
		}
		m := p.NewMatch()
		p.Parse(prev, m)
		ok := p.Parse(line, m)
		checkJSONMatch(t, p, m, line, ok)
		switch {
		case valid && (!ok || m.Malformed != nil):
			t.Fatalf("encoding/json reads an object, but matched = %v, malformed: %v", ok, m.Malformed)
		case !valid && ok:
			t.Fatalf("matched a line encoding/json refuses (or nested deeper than %d)", maxJSONDepth)
		case !startsObject(line) && m.Malformed != nil:
			t.Fatalf("a line that is not an object is malformed: %v", m.Malformed)
		case startsObject(line) && !json.Valid(line) && m.Malformed == nil:
			t.Fatal("an invalid line that starts with '{' is not reported malformed")
		}
		if !ok {
			return
		}
		for _, path := range paths {
			w, has := want[path]
			if !has {
				continue // one of the extra paths, not walked
			}
			got, present := m.Field(p.FieldIndex(path)), m.Present(p.FieldIndex(path))
			if w == nil {
				if present {
					t.Errorf("%s: present (%q), encoding/json has null", path, got)
				}
				continue
			}
			if !present {
				t.Errorf("%s: absent, encoding/json has %#v", path, w)
				continue
			}
			switch w := w.(type) {
			case string:
				if string(got) != w {
					t.Errorf("%s: %q, encoding/json decodes %q", path, got, w)
				}
			case json.Number:
				if string(got) != string(w) {
					t.Errorf("%s: %q, encoding/json reads %q", path, got, w)
				}
			case bool:
				if string(got) != strconv.FormatBool(w) {
					t.Errorf("%s: %q, want %v", path, got, w)
				}
			default:
				var back any
				d := json.NewDecoder(bytes.NewReader(got))
				d.UseNumber()
				if err := d.Decode(&back); err != nil || !reflect.DeepEqual(back, w) {
					t.Errorf("%s: raw %q decodes to %#v (%v), want %#v", path, got, back, err, w)
				}
			}
		}

		// The same line through a rule with a grok on one value.
		g, err := New(Spec{JSON: &JSONSpec{Fields: []string{"a", "msg"}, Grok: &FieldGrok{Field: "msg", Expression: `%{WORD:w} %{GREEDYDATA:rest}`}}})
		if err != nil {
			t.Fatal(err)
		}
		gm := g.NewMatch()
		g.Parse(prev, gm)
		if gok := g.Parse(line, gm); gok != ok {
			t.Fatalf("the grok rule says matched = %v, the other %v", gok, ok)
		}
		checkJSONMatch(t, g, gm, line, ok)
	})
}

// checkJSONMatch checks the shape of a parse: Data starts with the line,
// fields lie in Data and are valid UTF-8, and a failed parse leaves none.
func checkJSONMatch(t *testing.T, p *Parser, m *Match, line []byte, ok bool) {
	t.Helper()
	if m.NumFields() != len(p.FieldNames()) {
		t.Fatalf("Match has %d fields, want %d", m.NumFields(), len(p.FieldNames()))
	}
	if !bytes.Equal(m.Line, line) || len(m.Data) < len(line) || !bytes.Equal(m.Data[:len(line)], line) {
		t.Fatal("Line is not the line, or Data does not start with it")
	}
	for k := range m.NumFields() {
		s, e := m.Index[2*k], m.Index[2*k+1]
		if s == -1 && e == -1 {
			continue
		}
		if !ok {
			t.Fatalf("field %s set on a failed parse", p.FieldNames()[k])
		}
		if s < 0 || e < s || e > len(m.Data) {
			t.Fatalf("field %s at [%d:%d] outside Data (%d bytes)", p.FieldNames()[k], s, e, len(m.Data))
		}
		if !utf8.Valid(m.Data[s:e]) {
			t.Fatalf("field %s is not valid UTF-8: %q", p.FieldNames()[k], m.Data[s:e])
		}
	}
}

// startsObject reports whether line's first non-blank byte is '{'.
func startsObject(line []byte) bool {
	i := skipSpace(line, 0)
	return i < len(line) && line[i] == '{'
}

// jsonDepth returns how deeply a valid JSON text nests.
func jsonDepth(b []byte) int {
	depth, most, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

// jsonPaths lists up to 40 paths of a decoded object (keys in sorted order,
// the first 3 elements of arrays, 6 levels deep) and the value at each.
func jsonPaths(tree any) ([]string, map[string]any) {
	var paths []string
	want := map[string]any{}
	var walk func(v any, path string, depth int)
	walk = func(v any, path string, depth int) {
		if len(paths) >= 40 || depth > 6 {
			return
		}
		if path != "" {
			paths = append(paths, path)
			want[path] = v
		}
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(v[k], path+keyStep(k, path == ""), depth+1)
			}
		case []any:
			for i := 0; i < len(v) && i < 3; i++ {
				walk(v[i], path+"["+strconv.Itoa(i)+"]", depth+1)
			}
		}
	}
	if _, ok := tree.(map[string]any); ok {
		walk(tree, "", 0)
	}
	return paths, want
}

// keyStep writes one key of a path: plainly when it can be, else quoted.
func keyStep(k string, first bool) string {
	plain := k != ""
	for i := 0; i < len(k); i++ {
		if !plainKeyByte(k[i]) {
			plain = false
		}
	}
	if !plain {
		q, _ := json.Marshal(k)
		return "[" + string(q) + "]"
	}
	if first {
		return k
	}
	return "." + k
}
