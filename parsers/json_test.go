package parsers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonParser builds a JSON rule reading fields, or fails the test.
func jsonParser(t testing.TB, js JSONSpec) *Parser {
	t.Helper()
	p, err := New(Spec{JSON: &js})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
		line   string
		want   map[string]string // every field that took part
	}{
		{
			name:   "nested objects, arrays and key order",
			fields: []string{"request.method", "request.headers.Traceparent[0]", "request.headers.Traceparent[1]", "status"},
			line:   `{"status":200,"request":{"headers":{"Traceparent":["00-aa-bb-01","second"]},"method":"GET"}}`,
			want:   map[string]string{"request.method": "GET", "request.headers.Traceparent[0]": "00-aa-bb-01", "request.headers.Traceparent[1]": "second", "status": "200"},
		},
		{
			name:   "extra keys and nested values no path names are skipped",
			fields: []string{"b"},
			line:   `{"a":{"x":[1,{"y":null},[]],"z":"}"},"b":"B","c":[{"b":"not this"}]}`,
			want:   map[string]string{"b": "B"},
		},
		{
			name:   "missing keys, null, wrong kinds and indexes past the end are absent",
			fields: []string{"missing", "n", "s.deeper", "arr[5]", "obj[0]", "arr.key", "nn.x"},
			line:   `{"n":null,"s":"text","arr":[1,2],"obj":{"0":"zero"},"nn":null}`,
			want:   map[string]string{},
		},
		{
			name:   "empty string and empty containers are present",
			fields: []string{"s", "o", "a"},
			line:   `{"s":"","o":{},"a":[]}`,
			want:   map[string]string{"s": "", "o": "{}", "a": "[]"},
		},
		{
			name:   "numbers as written",
			fields: []string{"ts", "neg", "exp", "big", "zero", "frac"},
			line:   `{"ts":1764621600.123456789,"neg":-0.5,"exp":6.02E+23,"big":123456789012345678901234567890,"zero":0,"frac":1e-7}`,
			want:   map[string]string{"ts": "1764621600.123456789", "neg": "-0.5", "exp": "6.02E+23", "big": "123456789012345678901234567890", "zero": "0", "frac": "1e-7"},
		},
		{
			name:   "booleans",
			fields: []string{"t", "f"},
			line:   `{"t":true,"f":false}`,
			want:   map[string]string{"t": "true", "f": "false"},
		},
		{
			name:   "objects and arrays as their JSON text",
			fields: []string{"o", "a", "o.k"},
			line:   `{"o": { "k" : [1, "two"] , "e":"\n"} ,"a":[ {"x":1}, null ]}`,
			want:   map[string]string{"o": `{ "k" : [1, "two"] , "e":"\n"}`, "a": `[ {"x":1}, null ]`, "o.k": `[1, "two"]`},
		},
		{
			name:   "escapes",
			fields: []string{"q", "ctl", "u", "pair", "lone", "lowfirst", "pairthenlone"},
			line:   `{"q":"a\"b\\c\/d","ctl":"\b\f\n\r\t","u":"\u00e9\u2603\u0041","pair":"\ud83d\ude00","lone":"x\ud800y","lowfirst":"\udc00\ud83d","pairthenlone":"\ud83d\ude00\ude00"}`,
			want: map[string]string{"q": `a"b\c/d`, "ctl": "\b\f\n\r\t", "u": "é☃A", "pair": "😀",
				"lone": "x\uFFFDy", "lowfirst": "\uFFFD\uFFFD", "pairthenlone": "😀\uFFFD"},
		},
		{
			name:   "non-ASCII keys and values",
			fields: []string{"größe", "名前", `["clé.é"]`},
			line:   `{"größe":"groß","名前":"値","clé.é":"ünï"}`,
			want:   map[string]string{"größe": "groß", "名前": "値", `["clé.é"]`: "ünï"},
		},
		{
			name:   "escaped keys match their decoded form",
			fields: []string{"ab", "c.d", `["x\"y"]`},
			line:   `{"\u0061b":1,"c":{"\u0064":2},"x\"y":3}`,
			want:   map[string]string{"ab": "1", "c.d": "2", `["x\"y"]`: "3"},
		},
		{
			name:   "invalid UTF-8 becomes U+FFFD, raw objects included",
			fields: []string{"s", "o", "k"},
			line:   "{\"s\":\"caf\xe9!\",\"o\":{\"v\":\"\xff\"},\"k\":\"\xc3\xa9\"}",
			want:   map[string]string{"s": "caf\uFFFD!", "o": "{\"v\":\"\uFFFD\"}", "k": "é"},
		},
		{
			name:   "a key given twice: the last one counts, nested paths included",
			fields: []string{"a", "o.x", "o.y", "n"},
			line:   `{"a":1,"o":{"x":1,"y":2},"a":"two","o":{"y":3},"n":5,"n":null}`,
			want:   map[string]string{"a": "two", "o.y": "3"},
		},
		{
			name:   "blanks everywhere JSON allows them",
			fields: []string{"a", "b[1]"},
			line:   " \t{ \"a\" :\r\n1 , \"b\" : [ 0 , 2 ] } \r",
			want:   map[string]string{"a": "1", "b[1]": "2"},
		},
		{
			name:   "dotted, dashed and quoted keys",
			fields: []string{`["@timestamp"]`, "resp-headers.x-id", `["a.b"]`, `o["k.1"][0]`},
			line:   `{"@timestamp":"2026-01-01T00:00:00Z","resp-headers":{"x-id":"r1"},"a.b":"dots","a":{"b":"not this"},"o":{"k.1":["v"]}}`,
			want:   map[string]string{`["@timestamp"]`: "2026-01-01T00:00:00Z", "resp-headers.x-id": "r1", `["a.b"]`: "dots", `o["k.1"][0]`: "v"},
		},
		{
			name:   "a path into a key holding U+FFFD meets keys with invalid UTF-8",
			fields: []string{"k\uFFFD"},
			line:   "{\"k\xff\":\"v\"}",
			want:   map[string]string{"k\uFFFD": "v"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := jsonParser(t, JSONSpec{Fields: tt.fields})
			m := p.NewMatch()
			if !p.Parse([]byte(tt.line), m) {
				t.Fatalf("no match (%v)", m.Malformed)
			}
			if got := fieldMap(p, m); !maps.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			checkData(t, m)
		})
	}
}

// checkData checks what Match promises about Data: it starts with Line,
// every field lies within it and is valid UTF-8.
func checkData(t *testing.T, m *Match) {
	t.Helper()
	if len(m.Data) < len(m.Line) || !bytes.Equal(m.Data[:len(m.Line)], m.Line) {
		t.Fatalf("Data does not start with Line")
	}
	for i := range m.NumFields() {
		s, e := m.Index[2*i], m.Index[2*i+1]
		if s == -1 && e == -1 {
			continue
		}
		if s < 0 || e < s || e > len(m.Data) {
			t.Fatalf("field %d at [%d:%d] outside Data (%d bytes)", i, s, e, len(m.Data))
		}
		if !utf8.Valid(m.Data[s:e]) {
			t.Fatalf("field %d is not valid UTF-8: %q", i, m.Data[s:e])
		}
	}
}

// TestJSONData checks that Data is the line itself when no value needed
// decoding, and a copy followed by the decoded values when one did.
func TestJSONData(t *testing.T) {
	p := jsonParser(t, JSONSpec{Fields: []string{"a", "b"}})
	m := p.NewMatch()
	// c has an escape, but no path reads it.
	if !p.Parse([]byte(`{"a":"x","b":2,"c":"\n"}`), m) {
		t.Fatal("no match")
	}
	if &m.Data[0] != &m.Line[0] || len(m.Data) != len(m.Line) {
		t.Error("no value needed decoding, but Data is not Line")
	}
	plain := []byte(`{"a":"x","b":"y\u0041","c":"\n"}`)
	if !p.Parse(plain, m) {
		t.Fatal("no match")
	}
	if &m.Data[0] == &m.Line[0] || len(m.Data) <= len(plain) {
		t.Error("b needed decoding, but Data is the line")
	}
	if s := m.Index[2]; s < len(plain) {
		t.Errorf("the decoded value starts at %d, inside the line", s)
	}
	if got := string(m.Field(1)); got != "yA" {
		t.Errorf("b = %q", got)
	}
	if got := string(m.Field(0)); got != "x" || m.Index[0] != 6 {
		t.Errorf("a = %q at %d, want x at 6 (in the line's copy)", got, m.Index[0])
	}
	checkData(t, m)
}

func TestJSONMalformed(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64)
	tooDeep := strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65)
	deepArray := `{"a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + "}"
	tests := []struct {
		line   string
		offset int
		msg    string
	}{
		{`{`, 1, "ends inside the object"},
		{`{"a":"b`, 7, "ends inside the object"},
		{`{"a":1,"b":{"c":[1,2`, 20, "ends inside the object"},
		{`{"a":1}x`, 7, "text after"},
		{`{"a":1} {"b":2}`, 8, "text after"},
		{`{"a":1}}`, 7, "text after"},
		{`{"a" 1}`, 5, "expected ':'"},
		{`{a:1}`, 1, "key in double quotes"},
		{`{"a":1,}`, 7, "key in double quotes"},
		{`{"a":1 "b":2}`, 7, "expected ',' or '}'"},
		{`{"a":[1 2]}`, 8, "expected ',' or ']'"},
		{`{"a":[1,]}`, 8, "expected a value"},
		{`{"a":}`, 5, "expected a value"},
		{`{"a":tru}`, 8, "expected a value"},
		{`{"a":nul}`, 8, "expected a value"},
		{`{"a":True}`, 5, "expected a value"},
		{`{"a":'x'}`, 5, "expected a value"},
		{`{"a":01}`, 6, "expected ',' or '}'"},
		{`{"a":1.}`, 7, "invalid number"},
		{`{"a":-}`, 6, "invalid number"},
		{`{"a":1e}`, 7, "invalid number"},
		{`{"a":+1}`, 5, "expected a value"},
		{`{"a":.5}`, 5, "expected a value"},
		{`{"a":NaN}`, 5, "expected a value"},
		{"{\"a\":\"x\ty\"}", 7, "control character"},
		{`{"a":"\x"}`, 6, "invalid escape"},
		{`{"a":"\u00g0"}`, 10, "four hex digits"},
		{`{"a\u":1}`, 5, "four hex digits"},
		{`{"a":"x\`, 8, "ends inside the object"},
		{tooDeep, 5 * 64, "nest deeper than 64"},
		{`{"a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + "}", 68, "nest deeper than 64"},
	}
	for _, tt := range tests {
		// Both with and without a path through the error, since the two
		// take different branches of the scanner.
		for _, fields := range [][]string{{"zzz"}, {"a", "a[0]", "a.b", "b"}} {
			p := jsonParser(t, JSONSpec{Fields: fields})
			m := p.NewMatch()
			if p.Parse([]byte(tt.line), m) {
				t.Errorf("%s: matched", tt.line)
				continue
			}
			var je *JSONError
			if !errors.As(m.Malformed, &je) {
				t.Errorf("%s: Malformed = %v, want a *JSONError", tt.line, m.Malformed)
				continue
			}
			if je.Offset != tt.offset || !strings.Contains(je.Msg, tt.msg) {
				t.Errorf("%s: got %q at %d, want %q at %d", tt.line, je.Msg, je.Offset, tt.msg, tt.offset)
			}
			for i := range m.NumFields() {
				if m.Present(i) {
					t.Errorf("%s: field %d present after a failed parse", tt.line, i)
				}
			}
		}
	}
	p := jsonParser(t, JSONSpec{Fields: []string{"a"}})
	m := p.NewMatch()
	for _, ok := range []string{deep, `{"a":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + "}"} {
		if !p.Parse([]byte(ok), m) {
			t.Errorf("64 levels refused: %v", m.Malformed)
		}
	}
	if p.Parse([]byte(deepArray), m) {
		t.Error("65 levels accepted")
	}
	want := "malformed JSON at byte 7: text after the object's closing '}'"
	if p.Parse([]byte(`{"a":1}x`), m) || m.Malformed == nil || m.Malformed.Error() != want {
		t.Errorf("Malformed = %v, want %s", m.Malformed, want)
	}
	// A good line after a bad one clears Malformed.
	if !p.Parse([]byte(`{"a":1}`), m) || m.Malformed != nil {
		t.Errorf("Malformed = %v after a good line", m.Malformed)
	}
}

// TestJSONNotJSON checks that a line that does not start with '{' is simply
// not matched: not counted as malformed.
func TestJSONNotJSON(t *testing.T) {
	p := jsonParser(t, JSONSpec{Fields: []string{"a"}})
	m := p.NewMatch()
	lines := []string{"", "   ", "not json", `["a",1]`, `"a"`, "1", "null",
		"\ufeff{\"a\":1}", // a byte-order mark is not JSON's blank
		readLines(t, "http.log")[0]}
	for _, l := range lines {
		if p.Parse([]byte(l), m) || m.Malformed != nil || m.Present(0) {
			t.Errorf("%q: matched or malformed (%v)", l, m.Malformed)
		}
	}
}

func TestJSONRequire(t *testing.T) {
	p := jsonParser(t, JSONSpec{
		Fields:  []string{"msg", "request.method"},
		Require: []string{"request", "logger", "request.method", `["logger"]`},
	})
	if got := p.FieldNames(); !slices.Equal(got, []string{"msg", "request.method"}) {
		t.Errorf("FieldNames = %q: Require paths must not become fields", got)
	}
	tests := []struct {
		line string
		ok   bool
	}{
		{`{"logger":"http.log.access","msg":"handled request","request":{"method":"GET"}}`, true},
		{`{"logger":"","request":{"method":"GET","x":1}}`, true},
		{`{"logger":"tls","msg":"started"}`, false},
		{`{"msg":"no logger","request":{"method":"GET"}}`, false},
		{`{"logger":null,"request":{"method":"GET"}}`, false},
		{`{"logger":"x","request":{"uri":"/"}}`, false},
		{`{"logger":"x","request":{"method":"GET"},"logger":null}`, false},
	}
	for _, tt := range tests {
		ok, fields := parseString(p, tt.line)
		if ok != tt.ok {
			t.Errorf("%s: matched = %v, want %v", tt.line, ok, tt.ok)
		}
		if ok && fields["request.method"] != "GET" {
			t.Errorf("%s: fields %q", tt.line, fields)
		}
	}
}

// pgMessage is the grok a PostgreSQL jsonlog rule runs on message.
const pgMessage = `duration: %{NUMBER:duration_ms} ms  (?:statement|(?:parse|bind|execute(?: fetch from)?) %{NOTSPACE:prepared}): %{SQL:statement}`

func TestJSONGrok(t *testing.T) {
	spec := func(required bool) Spec {
		return Spec{
			Patterns: map[string]string{"SQL": `(?s:.*)`},
			JSON: &JSONSpec{
				Fields: []string{"timestamp", "duration_ms", "statement", `["statement"]`, "pid"},
				Grok:   &FieldGrok{Field: "message", Expression: pgMessage, Required: required},
			},
		}
	}
	p, err := New(spec(false))
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"timestamp", `["statement"]`, "pid", "duration_ms", "prepared", "statement"}
	if got := p.FieldNames(); !slices.Equal(got, wantNames) {
		t.Errorf("FieldNames = %q, want %q", got, wantNames)
	}
	if got := p.FieldType(p.FieldIndex("duration_ms")); got != "" {
		t.Errorf("duration_ms type %q", got)
	}
	if !strings.Contains(p.Expanded(), "duration: ") {
		t.Errorf("Expanded = %q, want the grok's expansion", p.Expanded())
	}
	tests := []struct {
		line     string
		ok       bool // with Required false; with Required true, ok && grok matched
		grokHits bool
		want     map[string]string
	}{
		{
			line: `{"timestamp":"2026-08-21 18:01:40.123 UTC","pid":4242,"message":"duration: 1.234 ms  statement: SELECT 1"}`,
			ok:   true, grokHits: true,
			want: map[string]string{"timestamp": "2026-08-21 18:01:40.123 UTC", "pid": "4242", "duration_ms": "1.234", "statement": "SELECT 1"},
		},
		{
			// Offsets of the grok's fields are moved into Data, decoded
			// message included.
			line: `{"message":"duration: 0.410 ms  execute fetch from S_1/C_2: SELECT \"x\"\n\tFROM t","pid":7}`,
			ok:   true, grokHits: true,
			want: map[string]string{"pid": "7", "duration_ms": "0.410", "prepared": "S_1/C_2", "statement": "SELECT \"x\"\n\tFROM t"},
		},
		{
			line: `{"pid":7,"message":"connection authorized: user=app database=shop","statement":"SELECT 2"}`,
			ok:   true, grokHits: false,
			want: map[string]string{"pid": "7", `["statement"]`: "SELECT 2"},
		},
		{
			line: `{"pid":7}`,
			ok:   true, grokHits: false,
			want: map[string]string{"pid": "7"},
		},
		{
			line: `{"pid":7,"message":null}`,
			ok:   true, grokHits: false,
			want: map[string]string{"pid": "7"},
		},
		{
			// Anchored: the expression must read the whole value.
			line: `{"message":"xduration: 1 ms  statement: S"}`,
			ok:   true, grokHits: false,
			want: map[string]string{},
		},
	}
	req, err := New(spec(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		m := p.NewMatch()
		ok := p.Parse([]byte(tt.line), m)
		if ok != tt.ok {
			t.Errorf("%s: matched = %v", tt.line, ok)
			continue
		}
		if got := fieldMap(p, m); !maps.Equal(got, tt.want) {
			t.Errorf("%s:\n got  %q\n want %q", tt.line, got, tt.want)
		}
		checkData(t, m)
		if ok, _ := parseString(req, tt.line); ok != tt.grokHits {
			t.Errorf("%s: with Required, matched = %v, want %v", tt.line, ok, tt.grokHits)
		}
	}
}

// TestJSONGrokNative checks that the sub-grok is compiled as any rule's
// grok: a value in one of the bundled HAProxy layouts gets its scanner.
func TestJSONGrokNative(t *testing.T) {
	p := jsonParser(t, JSONSpec{Grok: &FieldGrok{Field: "log", Expression: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}"}})
	if p.json.sub.native == nil {
		t.Error("the sub-grok has no native scanner")
	}
	line := readLines(t, "http.log")[0]
	js := `{"log":"` + strings.ReplaceAll(line, `"`, `\"`) + `"}`
	ok, fields := parseString(p, js)
	if !ok || fields["http_method"] != "GET" || fields["client_ip"] != "10.0.1.2" || fields["request_line"] != "GET /index.html HTTP/1.1" {
		t.Errorf("matched %v, fields %q", ok, fields)
	}
}

func TestJSONSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"expression beside JSON", Spec{Expression: "%{INT:n}", JSON: &JSONSpec{Fields: []string{"a"}}}, "has no expression of its own"},
		{"two spellings of one path", Spec{JSON: &JSONSpec{Fields: []string{"a.b", `a["b"]`}}}, `json fields "a.b" and "a[\"b\"]" name the same value`},
		{"grok without a field", Spec{JSON: &JSONSpec{Grok: &FieldGrok{Expression: "%{INT:n}"}}}, "has no field"},
		{"grok without an expression", Spec{JSON: &JSONSpec{Grok: &FieldGrok{Field: "m"}}}, "expression is empty"},
		{"bad grok", Spec{JSON: &JSONSpec{Grok: &FieldGrok{Field: "m", Expression: "%{NOPE:n}"}}}, `the grok on JSON field "m": unknown pattern %{NOPE}`},
		{"bad grok pattern", Spec{JSON: &JSONSpec{Grok: &FieldGrok{Field: "m", Expression: "%{P:n}", Patterns: map[string]string{"P": "("}}}}, "in pattern P: the grok on JSON field"},
		{"pattern defined twice", Spec{Patterns: map[string]string{"P": "a"}, JSON: &JSONSpec{Grok: &FieldGrok{Field: "m", Expression: "%{P:n}", Patterns: map[string]string{"P": "b"}}}}, "pattern P is defined both"},
	}
	for _, tt := range tests {
		_, err := New(tt.spec)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an *Error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestJSONFieldNames(t *testing.T) {
	p := jsonParser(t, JSONSpec{
		Fields: []string{"b", "a.x", "b", "n", "c[0]"},
		Grok:   &FieldGrok{Field: "a.x", Expression: `%{INT:n:int}-%{WORD:w}`},
	})
	want := []string{"b", "a.x", "c[0]", "n", "w"}
	if got := p.FieldNames(); !slices.Equal(got, want) {
		t.Fatalf("FieldNames = %q, want %q", got, want)
	}
	for i, name := range want {
		if p.FieldIndex(name) != i {
			t.Errorf("FieldIndex(%s) = %d, want %d", name, p.FieldIndex(name), i)
		}
	}
	if p.FieldIndex(`["b"]`) != -1 || p.FieldType(3) != "int" || p.FieldType(0) != "" {
		t.Error("FieldIndex or FieldType wrong")
	}
	m := p.NewMatch()
	if m.NumFields() != len(want) {
		t.Fatalf("NewMatch has %d fields", m.NumFields())
	}
	ok := p.Parse([]byte(`{"a":{"x":"12-go"},"b":true,"c":["c0"]}`), m)
	if got := fieldMap(p, m); !ok || !maps.Equal(got, map[string]string{"b": "true", "a.x": "12-go", "c[0]": "c0", "n": "12", "w": "go"}) {
		t.Errorf("matched %v, fields %q", ok, got)
	}
	// An empty JSON rule matches every object and has no fields.
	e := jsonParser(t, JSONSpec{})
	if ok, _ := parseString(e, `{"any":1}`); !ok || len(e.FieldNames()) != 0 || e.Expanded() != "" {
		t.Error("empty JSON rule")
	}
}

// TestJSONMatchReuse checks that one Match serves a JSON rule and a grok rule
// in turn, and a Match made by hand, and that a JSON rule's Parse allocates
// nothing once its Match has grown.
func TestJSONMatchReuse(t *testing.T) {
	jp := jsonParser(t, JSONSpec{Fields: []string{"a", "b", "c"}})
	gp := ruleParsers(t)[0]
	line := readLines(t, "http.log")[0]
	m := &Match{}
	for range 2 {
		if !jp.Parse([]byte(`{"a":"x\n","b":[1],"c":3}`), m) || string(m.Field(0)) != "x\n" || m.NumFields() != 3 {
			t.Fatalf("JSON rule on a shared Match: %q", fieldMap(jp, m))
		}
		if !gp.Parse([]byte(line), m) || string(m.Field(gp.FieldIndex("client_ip"))) != "10.0.1.2" || &m.Data[0] != &m.Line[0] {
			t.Fatal("grok rule on a shared Match")
		}
	}
	if raceEnabled {
		return
	}
	caddy := []byte(readJSONLines(t, "caddy.jsonl")[1]) // has escapes
	p := jsonParser(t, JSONSpec{Fields: caddyFields})
	m = p.NewMatch()
	p.Parse(caddy, m)
	if allocs := testing.AllocsPerRun(100, func() { p.Parse(caddy, m) }); allocs != 0 {
		t.Errorf("Parse allocates %v times per line, want 0", allocs)
	}
	bad := caddy[:len(caddy)/2]
	if allocs := testing.AllocsPerRun(100, func() { p.Parse(bad, m) }); allocs != 0 {
		t.Errorf("Parse of a malformed line allocates %v times, want 0", allocs)
	}
}

// readJSONLines returns a file's lines under testdata/json.
func readJSONLines(t testing.TB, file string) []string {
	b, err := os.ReadFile(filepath.Join("testdata", "json", file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestSpecialIn8 checks the eight-bytes-at-once test against the byte table
// for every byte in every position, among plain bytes and after a hit.
func TestSpecialIn8(t *testing.T) {
	for _, fill := range []byte{'a', 0x80, 0xff, ' ', '"'} {
		for pos := range 8 {
			for v := range 256 {
				var w [8]byte
				for k := range w {
					w[k] = fill
				}
				w[pos] = byte(v)
				want := false
				for _, c := range w {
					want = want || !plainString[c]
				}
				if got := specialIn8(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("%q: got %v, want %v", w, got, want)
				}
			}
		}
	}
}

// TestJSONConcurrentParse runs one JSON rule from several goroutines, each
// with its own Match, as the daemon does; under -race it checks that the
// rule's tree of paths is only read after New.
func TestJSONConcurrentParse(t *testing.T) {
	spec := jsonGolden["postgres.jsonl"]
	p, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	lines := readJSONLines(t, "postgres.jsonl")
	want := dumpJSONLines(p, toBytes(lines))
	done := make(chan string)
	for range 4 {
		go func() { done <- dumpJSONLines(p, toBytes(lines)) }()
	}
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("a goroutine read the lines differently:\n%s", got)
		}
	}
}

func toBytes(lines []string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}
