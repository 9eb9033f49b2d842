package mapping

import (
	"net/url"
	"strings"
	"testing"
)

const sqlTS = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"

func TestFindSQLComment(t *testing.T) {
	encTS := "congo%3Dt61rcWkgMzE%2Crojo%3D00f067aa0ba902b7"
	tests := []struct {
		name           string
		in             string
		found, invalid bool
		ts             string // decoded tracestate
	}{
		{"semantic conventions' example", "SELECT * FROM songs /*traceparent='" + validTP + "',tracestate='" + encTS + "'*/", true, false, sqlTS},
		{"Go: before the ;, no space", "SELECT 1/*db_driver='pgx',traceparent='" + validTP + "'*/;", true, false, ""},
		{"Python: %% doubled", "SELECT 1 /*traceparent='" + validTP + "',tracestate='congo%%3Dt61rcWkgMzE%%2Crojo%%3D00f067aa0ba902b7'*/", true, false, sqlTS},
		{"URL-encoded dashes", "SELECT 1 /*traceparent='" + strings.ReplaceAll(validTP, "-", "%2D") + "'*/", true, false, ""},
		{"encoded keys", "SELECT 1 /*db%20driver='x',tracestat%65='a%3D1',traceparent='" + validTP + "'*/", true, false, "a=1"},
		{"other pairs around, sorted", "SELECT 1 /*action='%2Fparam%20first',framework='spring',traceparent='" + validTP + "',tracestate='a%3D1'*/", true, false, "a=1"},
		{"escaped quote in another value", `SELECT 1 /*route='it\'s',traceparent='` + validTP + `'*/`, true, false, ""},
		{"spaces around pairs", "SELECT 1 /* traceparent='" + validTP + "' , tracestate='a%3D1' */", true, false, "a=1"},
		{"earlier comments and literals", "SELECT '/* not */' /* hint */ FROM t WHERE a = '*/' /*traceparent='" + validTP + "'*/", true, false, ""},
		{"the last comment with a traceparent wins", "SELECT 1 /*traceparent='00-" + b3TID + "-" + validSID + "-01'*/ /*traceparent='" + validTP + "'*/ /*x='y'*/", true, false, ""},
		{"over several lines", "SELECT id\n\tFROM orders\n\tWHERE id = 7 /*traceparent='" + validTP + "'*/", true, false, ""},
		{"comment cut at the end", "SELECT 1 /*traceparent='" + validTP + "',tracestate='a%3D", true, false, ""},
		{"pair without comment", "statement: SELECT 1 traceparent='" + validTP + "'", true, false, ""},
		{"uppercase traceparent: invalid", "SELECT 1 /*traceparent='" + strings.ToUpper(validTP) + "'*/", false, true, ""},
		{"cut traceparent: invalid", "SELECT 1 /*traceparent='00-4bf92f35'*/", false, true, ""},
		{"no traceparent key", "SELECT 1 /*action='x'*/", false, false, ""},
		{"no comment at all", "SELECT traceparent FROM t", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, ts, found, invalid := findSQLComment([]byte(tt.in))
			if found != tt.found || invalid != tt.invalid {
				t.Fatalf("findSQLComment(%q) = found %v invalid %v, want %v %v", tt.in, found, invalid, tt.found, tt.invalid)
			}
			if !found {
				return
			}
			if tc.TraceID != mustTraceID(t, validTID) || tc.SpanID != mustSpanID(t, validSID) || !tc.Flags.IsSampled() {
				t.Errorf("context %s/%s/%s", tc.TraceID, tc.SpanID, tc.Flags)
			}
			var buf [256]byte
			got, ok := sqlUnescape(buf[:0], ts)
			if !ok || string(got) != tt.ts {
				t.Errorf("tracestate %q (raw %q), want %q", got, ts, tt.ts)
			}
		})
	}
}

func TestSQLUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a%3Db", "a=b"},
		{"a%3db", "a=b"},
		{"a%%3Db", "a=b"},
		{"100%", "100%"},
		{"%%", "%"},
		{"%zz", "%zz"},
		{`it\'s`, "it's"},
		{"a+b", "a+b"},
		{"%25", "%"},
	}
	for _, tt := range tests {
		var buf [32]byte
		if got, ok := sqlUnescape(buf[:0], []byte(tt.in)); !ok || string(got) != tt.want {
			t.Errorf("sqlUnescape(%q) = %q %v, want %q", tt.in, got, ok, tt.want)
		}
	}
	var small [3]byte
	if _, ok := sqlUnescape(small[:0], []byte("abcd")); ok {
		t.Error("sqlUnescape grew past its buffer")
	}
}

// FuzzSQLComment checks that reading a statement never panics, and that
// the context found in a statement is found again when the statement gets
// a sqlcommenter comment of its own re-formatted, URL-encoded traceparent
// appended (the last comment wins).
func FuzzSQLComment(f *testing.F) {
	f.Add([]byte("SELECT * FROM songs /*traceparent='" + validTP + "',tracestate='congo%3Dt61rcWkgMzE'*/"))
	f.Add([]byte("SELECT 1 /*traceparent='" + validTP + "'"))
	f.Add([]byte(`SELECT '*/' /*a='\'',traceparent='` + validTP + `'*/`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		tc, ts, found, _ := findSQLComment(b)
		if !found {
			return
		}
		if !tc.TraceID.IsValid() || !tc.SpanID.IsValid() {
			t.Fatalf("%q: zero ids accepted", b)
		}
		if ts != nil && !strings.Contains(string(b), string(ts)) {
			t.Fatalf("%q: tracestate %q is not from the statement", b, ts)
		}
		tp := "00-" + tc.TraceID.String() + "-" + tc.SpanID.String() + "-" + tc.Flags.String()
		stmt := string(b) + " /*traceparent='" + url.PathEscape(tp) + "'*/"
		again, _, found, _ := findSQLComment([]byte(stmt))
		if !found || again != tc {
			t.Fatalf("%q: the appended comment gives %+v %v, want %+v", stmt, again, found, tc)
		}
	})
}
