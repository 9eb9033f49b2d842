package container

import (
	"fmt"
	"strings"
	"testing"
)

// rec is a record of the tests: "o" or "e" for the stream, "P" or "F", the
// log, at the file's place [off, end).
type rec struct {
	stream   string
	tag      string
	log      string
	off, end int64
}

func (r rec) record() Record {
	s := Stdout
	if r.stream == "e" {
		s = Stderr
	}
	return Record{Time: []byte(fmt.Sprintf("t%d", r.off)), Log: []byte(r.log), Stream: s, Partial: r.tag == "P"}
}

// got is a line as the tests compare it.
type got struct {
	data, time, stream string
	off, end           int64
	trunc              bool
}

func (g got) String() string {
	return fmt.Sprintf("%q time %s %s [%d,%d) cut %v", g.data, g.time, g.stream, g.off, g.end, g.trunc)
}

func TestJoiner(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		recs  []rec
		want  []got
		flush []got // what Flush hands out at the end
	}{
		{"whole records pass through", 100, []rec{{"o", "F", "a", 0, 10}, {"e", "F", "b", 10, 20}},
			[]got{{"a", "t0", "stdout", 0, 10, false}, {"b", "t10", "stderr", 10, 20, false}}, nil},
		{"pieces joined, first time and offset, last end", 100,
			[]rec{{"o", "P", "ab", 0, 10}, {"o", "P", "cd", 10, 20}, {"o", "F", "e", 20, 30}},
			[]got{{"abcde", "t0", "stdout", 0, 30, false}}, nil},
		{"joined line cut at the limit, rest dropped", 4,
			[]rec{{"o", "P", "abc", 0, 10}, {"o", "P", "def", 10, 20}, {"o", "F", "g", 20, 30}, {"o", "F", "hijkl", 30, 40}},
			[]got{{"abcd", "t0", "stdout", 0, 30, true}, {"hijk", "t30", "stdout", 30, 40, true}}, nil},
		{"CR LF of the program dropped", 100, []rec{{"o", "P", "a", 0, 10}, {"o", "F", "b\r", 10, 20}},
			[]got{{"ab", "t0", "stdout", 0, 20, false}}, nil},
		{"streams joined apart; a line done inside another's pieces is held at its start", 100,
			[]rec{{"o", "P", "ab", 0, 10}, {"e", "F", "x", 10, 20}, {"o", "F", "c", 20, 30}, {"e", "F", "y", 30, 40}},
			[]got{{"x", "t10", "stderr", 0, 0, false}, {"abc", "t0", "stdout", 0, 30, false}, {"y", "t30", "stderr", 30, 40, false}}, nil},
		{"a line ending past the start of another's pieces ends there", 100,
			[]rec{{"o", "P", "a", 0, 10}, {"e", "P", "x", 10, 20}, {"o", "F", "b", 20, 30}, {"e", "F", "y", 30, 40}},
			[]got{{"ab", "t0", "stdout", 0, 10, false}, {"xy", "t10", "stderr", 10, 40, false}}, nil},
		{"flush hands out partial lines, the first started first", 100,
			[]rec{{"e", "P", "x", 0, 10}, {"o", "P", "a", 10, 20}, {"e", "P", "y", 20, 30}},
			nil, []got{{"xy", "t0", "stderr", 0, 10, false}, {"a", "t10", "stdout", 10, 20, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJoiner(tt.max)
			var lines, flushed []got
			for _, r := range tt.recs {
				rc := r.record()
				if l, ok := j.Add(&rc, Place{Offset: r.off, End: r.end}); ok {
					lines = append(lines, gotOf(l))
				}
			}
			for l, ok := j.Flush(); ok; l, ok = j.Flush() {
				flushed = append(flushed, gotOf(l))
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.want) {
				t.Errorf("lines:\n got %v\nwant %v", lines, tt.want)
			}
			if fmt.Sprint(flushed) != fmt.Sprint(tt.flush) {
				t.Errorf("flushed:\n got %v\nwant %v", flushed, tt.flush)
			}
			if _, held := j.Hold(); held {
				t.Error("a line is still partial after the flush")
			}
		})
	}
}

func gotOf(l Line) got {
	return got{string(l.Data), string(l.Time), l.Stream.String(), l.Offset, l.End, l.Truncated}
}

func TestJoinerHold(t *testing.T) {
	j := NewJoiner(100)
	if _, held := j.Hold(); held {
		t.Fatal("a new Joiner holds")
	}
	for _, r := range []rec{{"o", "F", "a", 0, 10}, {"o", "P", "b", 10, 20}, {"e", "P", "c", 20, 30}} {
		rc := r.record()
		j.Add(&rc, Place{Offset: r.off, End: r.end})
	}
	if at, held := j.Hold(); !held || at != 10 {
		t.Errorf("Hold = %d, %v; want 10, true (the first partial line's start)", at, held)
	}
	j.Reset()
	if _, held := j.Hold(); held {
		t.Error("Reset left a partial line")
	}
}

func TestJoinerMemoryBounded(t *testing.T) {
	j := NewJoiner(1000)
	piece := Record{Log: []byte(strings.Repeat("x", 500)), Partial: true}
	for i := range 1000 {
		j.Add(&piece, Place{Offset: int64(i) * 600, End: int64(i+1) * 600})
	}
	if c := cap(j.open[Stdout].data); c > 2048 {
		t.Errorf("a 500 kB line grew the buffer to %d bytes; the limit is 1000", c)
	}
	last := Record{Log: []byte("y")}
	l, ok := j.Add(&last, Place{Offset: 600000, End: 600010})
	if !ok || len(l.Data) != 1000 || !l.Truncated || l.Offset != 0 || l.End != 600010 {
		t.Errorf("got %d bytes cut %v [%d,%d), want 1000 bytes cut [0,600010)", len(l.Data), l.Truncated, l.Offset, l.End)
	}
}

func TestJoinerAllocatesNothing(t *testing.T) {
	j := NewJoiner(1 << 16)
	p1 := Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte(strings.Repeat("a", 100)), Partial: true}
	p2 := Record{Time: []byte("2026-12-01T10:00:00Z"), Log: []byte("b")}
	run := func() {
		j.Add(&p2, Place{})
		j.Add(&p1, Place{})
		j.Add(&p2, Place{})
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("joining allocates %v times", n)
	}
}
