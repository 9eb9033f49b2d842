package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type frame struct {
	msg string
	cut bool
}

// frames reads every message of in, also one byte per read, and checks
// both ways agree.
func frames(t *testing.T, in string, max int) ([]frame, error) {
	t.Helper()
	var out [2][]frame
	var errs [2]error
	for i, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		f := NewFramer(r, max)
		for {
			msg, cut, err := f.Next()
			if err != nil {
				errs[i] = err
				break
			}
			out[i] = append(out[i], frame{string(msg), cut})
		}
	}
	if fmt.Sprint(out[0]) != fmt.Sprint(out[1]) || errs[0] != errs[1] {
		t.Fatalf("whole reads gave %v, %v; byte by byte %v, %v", out[0], errs[0], out[1], errs[1])
	}
	return out[0], errs[0]
}

func TestFramer(t *testing.T) {
	const m = "<134>Dec  2 01:54:44 haproxy[1]: hello"
	for _, tc := range []struct {
		name, in string
		max      int
		want     []frame
		err      error
	}{
		// HAProxy 2.6 `log tcp@...` sends one message per line.
		{"newlines", m + "\n" + m + "\n", 100, []frame{{m, false}, {m, false}}, io.EOF},
		{"octet counting", fmt.Sprintf("%d %s%d %s", len(m), m, len(m), m), 100, []frame{{m, false}, {m, false}}, io.EOF},
		{"mixed per frame", fmt.Sprintf("%d %s%s\n%d %s", len(m), m, m, len(m), m), 100, []frame{{m, false}, {m, false}, {m, false}}, io.EOF},
		{"count includes a newline", "5 abcd\n6 efgh\r\n", 100, []frame{{"abcd\n", false}, {"efgh\r\n", false}}, io.EOF},
		{"count frames may hold newlines", "6 a\nb\nc\n\n", 100, []frame{{"a\nb\nc\n", false}}, io.EOF},
		{"CRLF and blank lines skipped", "\r\n\n" + m + "\r\n\n\x00" + m, 100, []frame{{m + "\r", false}, {m, false}}, io.EOF},
		{"last line without newline", "a\nb", 100, []frame{{"a", false}, {"b", false}}, io.EOF},
		{"digits then text: a newline frame", "127.0.0.1:1 [x] y\n12\n0 z\n", 100,
			[]frame{{"127.0.0.1:1 [x] y", false}, {"12", false}, {"0 z", false}}, io.EOF},
		{"digits at the end", "a\n12", 100, []frame{{"a", false}, {"12", false}}, io.EOF},
		{"ten digits: not a count", "1234567890 x\n", 100, []frame{{"1234567890 x", false}}, io.EOF},
		{"line cut at max", "abcdefghij\nxy\n", 4, []frame{{"abcd", true}, {"xy", false}}, io.EOF},
		{"count cut at max, rest skipped", "10 abcdefghij3 xyz", 4, []frame{{"abcd", true}, {"xyz", false}}, io.EOF},
		{"count exactly max", "4 abcd1 x", 4, []frame{{"abcd", false}, {"x", false}}, io.EOF},
		{"digits beyond max", "123456789\n", 4, []frame{{"1234", true}}, io.EOF},
		{"frame shorter than its count", "10 abc", 100, nil, io.ErrUnexpectedEOF},
		{"cut frame shorter than its count", "10 abcdefg", 4, nil, io.ErrUnexpectedEOF},
		{"empty", "", 100, nil, io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := frames(t, tc.in, tc.max)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || !errors.Is(err, tc.err) {
				t.Errorf("frames of %q (max %d):\n got %v, %v\nwant %v, %v", tc.in, tc.max, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestFramerLongLineAcrossBuffers(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	got, err := frames(t, long+"\nshort\n"+fmt.Sprintf("%d %s", len(long), long), 100<<10)
	if err != io.EOF || len(got) != 3 {
		t.Fatalf("got %d frames, %v", len(got), err)
	}
	for i, want := range []frame{{long[:100<<10], true}, {"short", false}, {long[:100<<10], true}} {
		if got[i] != want {
			t.Errorf("frame %d: %d bytes, cut %v; want %d bytes, cut %v", i, len(got[i].msg), got[i].cut, len(want.msg), want.cut)
		}
	}
}

func TestFramerAllocatesNothing(t *testing.T) {
	one := "<134>Dec  2 01:54:44 haproxy[1]: " + haproxyHTTP
	in := []byte(strings.Repeat(fmt.Sprintf("%d %s", len(one), one)+one+"\n", 200))
	r := bytes.NewReader(in)
	f := NewFramer(r, 1024)
	next := func() {
		if _, _, err := f.Next(); err == io.EOF {
			r.Reset(in)
			f = NewFramer(r, 1024)
		}
	}
	for range 4 {
		next() // grow the buffer
	}
	if n := testing.AllocsPerRun(100, next); n != 0 {
		t.Errorf("Next allocates %v times per message", n)
	}
}

// FuzzFramer frames arbitrary messages one way or the other and checks that
// they come back as they went, cut at the limit; and that any stream at all
// gives messages no longer than the limit and ends.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("<134>a\n<13>b c\n\n12 x"), true, uint8(8))
	f.Add([]byte("<134>Dec  2 01:54:44 haproxy[1]: hello\n<13>b"), false, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, counted bool, max uint8) {
		if len(data) > 4096 {
			return
		}
		limit := int(max) + 1
		for _, m := range framerMessages(t, data, limit) {
			if len(m) > limit {
				t.Fatalf("message of %d bytes, limit %d", len(m), limit)
			}
		}
		var stream bytes.Buffer
		var want []frame
		for _, m := range bytes.Split(data, []byte("\n")) {
			if len(m) == 0 || !counted && (m[0] == '\r' || m[0] == 0 || m[0] >= '1' && m[0] <= '9') {
				continue // not something a sender can send (RFC 6587 counts start at 1)
			}
			if counted {
				fmt.Fprintf(&stream, "%d %s", len(m), m)
			} else {
				stream.Write(m)
				stream.WriteByte('\n')
			}
			w := frame{string(m), len(m) > limit}
			if w.cut {
				w.msg = w.msg[:limit]
			}
			want = append(want, w)
		}
		got, err := frames(t, stream.String(), limit)
		if err != io.EOF || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("framed %q (counted %v, limit %d):\n got %v, %v\nwant %v", stream.String(), counted, limit, got, err, want)
		}
	})
}

// framerMessages reads every message of data, raw.
func framerMessages(t *testing.T, data []byte, limit int) [][]byte {
	t.Helper()
	var out [][]byte
	f := NewFramer(bytes.NewReader(data), limit)
	for range len(data) + 1 {
		m, _, err := f.Next()
		if err != nil {
			return out
		}
		out = append(out, m)
	}
	t.Fatalf("more messages than bytes in %q", data)
	return nil
}
