package parsers

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestJSONPath(t *testing.T) {
	key := func(k string) jsonStep { return jsonStep{key: k, index: -1} }
	idx := func(i int) jsonStep { return jsonStep{index: i} }
	tests := []struct {
		path string
		want []jsonStep
	}{
		{"status", []jsonStep{key("status")}},
		{"request.method", []jsonStep{key("request"), key("method")}},
		{"request.headers.Traceparent[0]", []jsonStep{key("request"), key("headers"), key("Traceparent"), idx(0)}},
		{"a[1][22].b", []jsonStep{key("a"), idx(1), idx(22), key("b")}},
		{"resp-headers.x-id", []jsonStep{key("resp-headers"), key("x-id")}},
		{"request_User-Agent", []jsonStep{key("request_User-Agent")}},
		{`request["key.with.dots"]`, []jsonStep{key("request"), key("key.with.dots")}},
		{`["@timestamp"]`, []jsonStep{key("@timestamp")}},
		{`["a.b"]`, []jsonStep{key("a.b")}},
		{`["a.b"].c`, []jsonStep{key("a.b"), key("c")}},
		{`["a.b"]["c[0]"][3]`, []jsonStep{key("a.b"), key("c[0]"), idx(3)}},
		{`[""]`, []jsonStep{key("")}},
		{`["say \"hi\"\u00e9"]`, []jsonStep{key(`say "hi"é`)}},
		{"@timestamp", []jsonStep{key("@timestamp")}},
		{"größe.wert", []jsonStep{key("größe"), key("wert")}},
		{"a b", []jsonStep{key("a b")}},
	}
	for _, tt := range tests {
		got, err := parseJSONPath(tt.path)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.path, got, tt.want)
		}
	}
}

func TestJSONPathErrors(t *testing.T) {
	tests := []struct {
		path   string
		offset int
		msg    string
	}{
		{"", 0, "empty"},
		{"a..b", 2, "empty key"},
		{".a", 0, "empty key"},
		{"a.", 2, "ends with '.'"},
		{"a.[0]", 2, "empty key"},
		{"a[", 2, "ends after '['"},
		{"a[x]", 2, "expected an index or a quoted key"},
		{"a[1", 3, "expected ']'"},
		{"a[1]b", 4, "expected '.' or '['"},
		{"a]", 1, "']' without '['"},
		{`a"b`, 1, `'"' in a key`},
		{`a["b]`, 5, "no closing"},
		{`a["b"`, 5, "expected ']'"},
		{`a["b\q"]`, 4, "invalid escape"},
		{`a["\u12"]`, 7, "four hex digits"},
		{"a[99999999]", 2, "larger than"},
		{"a[99999999999999999999999]", 2, "larger than"},
		{"[0]", 1, "starts with a key"},
		{"a\tb", 1, "control character"},
		{"a.\xffb", 2, "not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := parseJSONPath(tt.path)
		var pe *PathError
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, want a *PathError", tt.path, err)
			continue
		}
		if pe.Offset != tt.offset || !strings.Contains(pe.Msg, tt.msg) || pe.Path != tt.path {
			t.Errorf("%q: got %v (offset %d), want offset %d and %q", tt.path, err, pe.Offset, tt.offset, tt.msg)
		}
	}
}

// TestJSONPathErrorFromNew checks that New names the bad path and where it
// goes wrong, in words an operator can act on.
func TestJSONPathErrorFromNew(t *testing.T) {
	_, err := New(Spec{JSON: &JSONSpec{Fields: []string{"ok", "request[x]"}}})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *Error", err)
	}
	want := `json path "request[x]": at byte 8: expected an index or a quoted key after '[', as in [0] or ["a.b"]`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if _, err := New(Spec{JSON: &JSONSpec{Require: []string{"a..b"}}}); err == nil || !strings.Contains(err.Error(), `"a..b": at byte 2`) {
		t.Errorf("bad Require path: got %v", err)
	}
	if _, err := New(Spec{JSON: &JSONSpec{Grok: &FieldGrok{Field: "m[", Expression: "%{INT:n}"}}}); err == nil || !strings.Contains(err.Error(), `"m["`) {
		t.Errorf("bad grok field path: got %v", err)
	}
}
