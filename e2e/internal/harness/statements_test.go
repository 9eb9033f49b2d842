package harness

import (
	"reflect"
	"testing"
)

func TestStatementsRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   []Statement
	}{
		{"none", "", nil},
		{"one extended", "00f067aa0ba902b7/extended", []Statement{{SpanID: "00f067aa0ba902b7", Protocol: ProtocolExtended}}},
		{"simple and a failure", "00f067aa0ba902b7/simple,b7ad6b7169203331/extended/42P01", []Statement{
			{SpanID: "00f067aa0ba902b7", Protocol: ProtocolSimple},
			{SpanID: "b7ad6b7169203331", Protocol: ProtocolExtended, SQLState: "42P01"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatements(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseStatements(%q) = %+v, want %+v", tt.header, got, tt.want)
			}
			if back := FormatStatements(got); back != tt.header {
				t.Errorf("FormatStatements = %q, want %q", back, tt.header)
			}
		})
	}
}

func TestParseStatementsBad(t *testing.T) {
	for _, v := range []string{
		"00f067aa0ba902b7",                // no protocol
		"00f067aa0ba902b7/binary",         // unknown protocol
		"00f067aa0ba902/simple",           // short span id
		"00f067aa0ba902b7/simple/42P0",    // short SQLSTATE
		"00f067aa0ba902b7/simple/42P01/x", // too many fields
		"00f067aa0ba902b7/simple,",        // empty entry
	} {
		if got, err := ParseStatements(v); err == nil {
			t.Errorf("ParseStatements(%q) = %+v, want an error", v, got)
		}
	}
}
