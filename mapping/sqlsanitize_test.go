package mapping

import (
	"bytes"
	"strings"
	"testing"

	"github.com/logspan/logspan/parsers"
)

func TestSanitizeSQL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT * FROM users WHERE email = 'ann@example.com' AND id = 42", "SELECT * FROM users WHERE email = ? AND id = ?"},
		{"SELECT name FROM t1 WHERE a2b = 3.5e-3 AND c = .5", "SELECT name FROM t1 WHERE a2b = ? AND c = ?"},
		{"UPDATE acct SET note = 'it''s' WHERE flag = TRUE", "UPDATE acct SET note = ? WHERE flag = ?"},
		{`SELECT E'a\'b' , B'1010', X'ff', U&'d\0061t', N'x'`, "SELECT ? , ?, ?, ?, ?"},
		{"SELECT $$ a 'quoted' body $$, $fn$x$fn$ FROM f($1, $2)", "SELECT ?, ? FROM f($1, $2)"},
		{"SELECT id FROM t WHERE id IN (1, 2, 3) OR k IN ('a','b') OR z IN (SELECT 1)", "SELECT id FROM t WHERE id IN (?) OR k IN (?) OR z IN (SELECT ?)"},
		{`SELECT "col 1", "it""s" FROM "T" WHERE x = 0x1F`, `SELECT "col 1", "it""s" FROM "T" WHERE x = ?`},
		{"SELECT 1 -- secret 'x'\nFROM t", "SELECT ? \nFROM t"},
		{"SELECT * FROM orders /*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/", "SELECT * FROM orders"},
		{"/*controller='x'*/ SELECT 1", "SELECT ?"},
		{"SELECT item FROM orders WHERE id = 7 /*traceparent='00-x'*/;", "SELECT item FROM orders WHERE id = ?;"},
		{"SELECT a/* c /* nested */ 'x' */FROM t", "SELECT a FROM t"},
		{"SELECT 'unterminated secret", "SELECT ?"},
		{"SELECT * FROM t WHERE n = NULL AND b = false", "SELECT * FROM t WHERE n = NULL AND b = ?"},
		{"SELECT 1_000_000, -7, 0o17, 0b101", "SELECT ?, -?, ?, ?"},
		{"INSERT INTO t VALUES ($1, $2)", "INSERT INTO t VALUES ($1, $2)"},
	}
	for _, tc := range tests {
		got := string(sanitizeSQL(nil, []byte(tc.in)))
		if got != tc.want {
			t.Errorf("sanitizeSQL(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	long := "SELECT " + strings.Repeat("a, ", 5000)
	if got := sanitizeSQL(nil, []byte(long)); len(got) > maxSanitized {
		t.Errorf("sanitised text of %d bytes, bound %d", len(got), maxSanitized)
	}
}

// TestSanitizeAttribute: sanitize: sql on an attribute replaces the
// literals of the field's value; other attributes of the field keep it.
func TestSanitizeAttribute(t *testing.T) {
	spec := Spec{
		Name:  "q",
		Start: &TimeSpec{Field: "t", Epoch: "s"},
		Attributes: []AttributeSpec{
			{Name: "db.query.text", Field: "q", Sanitize: "sql"},
			{Name: "raw", Field: "q"},
		},
	}
	m, err := New(spec, []string{"t", "q"})
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("1764621600 SELECT 1 FROM t WHERE a = 'secret'")
	match := &parsers.Match{Line: line, Data: line, Index: []int{0, 10, 11, len(line)}}
	var s Span
	if _, err := m.Map(match, &s); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range s.Attributes {
		got[string(kv.Key)] = kv.Value.AsString()
	}
	if got["db.query.text"] != "SELECT ? FROM t WHERE a = ?" || got["raw"] != string(line[11:]) {
		t.Errorf("attributes %v", got)
	}
	for _, bad := range []AttributeSpec{
		{Name: "n", Field: "q", Type: "int", Sanitize: "sql"},
		{Name: "n", Field: "q", Sanitize: "sqlite"},
	} {
		spec.Attributes = []AttributeSpec{bad}
		if _, err := New(spec, []string{"t", "q"}); err == nil || !strings.Contains(err.Error(), "sanitize") {
			t.Errorf("%+v: error %v, want one about sanitize", bad, err)
		}
	}
}

func FuzzSanitizeSQL(f *testing.F) {
	f.Add([]byte("SELECT * FROM t WHERE a = 'x' AND b IN (1,2) /* c */ -- d"))
	f.Add([]byte(`SELECT E'\'' , $a$ $ $a$, "q""", U&'x'`))
	f.Fuzz(func(t *testing.T, q []byte) {
		if len(q) > 4096 {
			return
		}
		out := sanitizeSQL(nil, q)
		if len(out) > maxSanitized {
			t.Fatalf("%d bytes out", len(out))
		}
		// Without quoted identifiers, no quote of a string literal
		// survives.
		if !bytes.ContainsRune(q, '"') && bytes.ContainsRune(out, '\'') {
			t.Fatalf("sanitizeSQL(%q) = %q keeps a quote", q, out)
		}
	})
}
