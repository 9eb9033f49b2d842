package container

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestParseCRI(t *testing.T) {
	tests := []struct {
		name, line string
		want       Record
		err        error
	}{
		{"full stdout line", "2026-12-01T10:00:00.123456789Z stdout F GET / HTTP/1.1",
			Record{Time: []byte("2026-12-01T10:00:00.123456789Z"), Log: []byte("GET / HTTP/1.1"), Stream: Stdout}, nil},
		{"partial stderr piece", "2026-12-01T10:00:00.123456789+01:00 stderr P abc ",
			Record{Time: []byte("2026-12-01T10:00:00.123456789+01:00"), Log: []byte("abc "), Stream: Stderr, Partial: true}, nil},
		{"spaces in the log kept", "2026-12-01T10:00:00Z stdout F  a  b ",
			Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte(" a  b "), Stream: Stdout}, nil},
		{"empty line with its space", "2026-12-01T10:00:00Z stdout F ",
			Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte(""), Stream: Stdout}, nil},
		{"empty line without its space", "2026-12-01T10:00:00Z stdout F",
			Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte(""), Stream: Stdout}, nil},
		{"further tags ignored", "2026-12-01T10:00:00Z stdout F:x y",
			Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte("y"), Stream: Stdout}, nil},
		{"syslog line with an ISO time is not a record", "2026-12-01T10:00:00+00:00 lb1 haproxy[12]: GET /", Record{}, ErrCRIStream},
		{"plain HAProxy line", "Dec  1 10:00:00 lb1 haproxy[12]: x", Record{}, ErrCRITime},
		{"date without time", "2026-12-01 stdout F x", Record{}, ErrCRITime},
		{"bad time characters", "2026-12-01T10:00:00Q stdout F x", Record{}, ErrCRITime},
		{"unknown stream", "2026-12-01T10:00:00Z stdin F x", Record{}, ErrCRIStream},
		{"no tag", "2026-12-01T10:00:00Z stdout", Record{}, ErrCRIStream},
		{"unknown tag", "2026-12-01T10:00:00Z stdout X x", Record{}, ErrCRITag},
		{"long tag", "2026-12-01T10:00:00Z stdout FF x", Record{}, ErrCRITag},
		{"empty", "", Record{}, ErrCRITime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCRI([]byte(tt.line))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && !sameRecord(got, tt.want) {
				t.Errorf("got %s, want %s", show(got), show(tt.want))
			}
		})
	}
}

func sameRecord(a, b Record) bool {
	return bytes.Equal(a.Time, b.Time) && bytes.Equal(a.Log, b.Log) && a.Stream == b.Stream && a.Partial == b.Partial
}

func TestParseCRIAllocatesNothing(t *testing.T) {
	line := []byte("2026-12-01T10:00:00.123456789Z stdout F 10.0.0.1:5000 [01/Dec/2026:10:00:00.000] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"")
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseCRI(line) }); n != 0 {
		t.Errorf("ParseCRI allocates %v times a line", n)
	}
}

// FuzzParseCRI checks that any line either fails or yields a record whose
// parts are where the format says, and that writing the record again gives
// the line back.
func FuzzParseCRI(f *testing.F) {
	f.Add([]byte("2026-12-01T10:00:00.123456789Z stdout F GET /"))
	f.Add([]byte("2026-12-01T10:00:00Z stderr P "))
	f.Add([]byte("2026-12-01T10:00:00Z stdout F:x"))
	f.Add([]byte("2026-12-01T10:00:00+01:00 host app: x"))
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) > 4096 {
			return
		}
		r, err := ParseCRI(line)
		if err != nil {
			return
		}
		if !rfc3339(r.Time) || !bytes.HasPrefix(line, r.Time) || !bytes.HasSuffix(line, r.Log) {
			t.Fatalf("record %s is not where the line %q has it", show(r), line)
		}
		tag := "F"
		if r.Partial {
			tag = "P"
		}
		again := string(r.Time) + " " + r.Stream.String() + " " + tag
		if !bytes.HasPrefix(line, []byte(again)) {
			t.Fatalf("line %q does not start with %q", line, again)
		}
	})
}

// show prints a record for a test's message.
func show(r Record) string {
	return fmt.Sprintf("{time %q log %q %v partial %v}", r.Time, r.Log, r.Stream, r.Partial)
}
