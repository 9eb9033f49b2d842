package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestDockerDecode(t *testing.T) {
	const ts = "2026-12-01T10:00:00.123456789Z"
	tests := []struct {
		name, line string
		want       Record
		err        error
	}{
		{"full line", `{"log":"GET / HTTP/1.1\n","stream":"stdout","time":"` + ts + `"}`,
			Record{Time: []byte(ts), Log: []byte("GET / HTTP/1.1"), Stream: Stdout}, nil},
		{"piece of a long line", `{"log":"abc","stream":"stderr","time":"` + ts + `"}`,
			Record{Time: []byte(ts), Log: []byte("abc"), Stream: Stderr, Partial: true}, nil},
		{"escapes resolved", `{"log":"a\"b\\c\/d\te\u00e9\ud83d\ude00\n","stream":"stdout","time":"` + ts + `"}`,
			Record{Time: []byte(ts), Log: []byte("a\"b\\c/d\te\u00e9\U0001F600"), Stream: Stdout}, nil},
		{"lone surrogate replaced", `{"log":"x\ud83dy\n","stream":"stdout"}`,
			Record{Log: []byte("x\uFFFDy"), Stream: Stdout}, nil},
		{"CR LF kept for the joiner", `{"log":"x\r\n","stream":"stdout"}`,
			Record{Log: []byte("x\r"), Stream: Stdout}, nil},
		{"any order, spaces, attrs skipped", ` { "time" : "` + ts + `" , "attrs":{"a":"}\"{","b":[1,{"c":null}]},"n":-1.5e3,"ok":true, "stream":"stdout", "log":"x\n" } `,
			Record{Time: []byte(ts), Log: []byte("x"), Stream: Stdout}, nil},
		{"time optional", `{"log":"x\n","stream":"stdout"}`, Record{Log: []byte("x"), Stream: Stdout}, nil},
		{"empty line", `{"log":"\n","stream":"stdout"}`, Record{Log: []byte(""), Stream: Stdout}, nil},
		{"no log", `{"stream":"stdout","time":"` + ts + `"}`, Record{}, ErrDockerLog},
		{"log not a string", `{"log":1,"stream":"stdout"}`, Record{}, ErrDockerLog},
		{"no stream", `{"log":"x\n"}`, Record{}, ErrDockerStream},
		{"bad stream", `{"log":"x\n","stream":"stdin"}`, Record{}, ErrDockerStream},
		{"bad time", `{"log":"x\n","stream":"stdout","time":"yesterday"}`, Record{}, ErrDockerTime},
		{"cut short", `{"log":"x\n","stream":"stdout","ti`, Record{}, ErrDockerJSON},
		{"unterminated log", `{"log":"x`, Record{}, ErrDockerJSON},
		{"trailing comma", `{"log":"x\n","stream":"stdout",}`, Record{}, ErrDockerJSON},
		{"garbage after", `{"log":"x\n","stream":"stdout"} x`, Record{}, ErrDockerJSON},
		{"not an object", `["log"]`, Record{}, ErrDockerJSON},
		{"plain line", `GET / HTTP/1.1`, Record{}, ErrDockerJSON},
		{"empty", ``, Record{}, ErrDockerJSON},
	}
	var d DockerDecoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tt.line))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && !sameRecord(got, tt.want) {
				t.Errorf("got %s, want %s", show(got), show(tt.want))
			}
		})
	}
}

func TestDockerDecodeAllocatesNothing(t *testing.T) {
	plain := []byte(`{"log":"10.0.0.1:5000 [01/Dec/2026:10:00:00.000] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n","stream":"stdout","time":"2026-12-01T10:00:00.123456789Z"}`)
	var d DockerDecoder
	d.Decode(plain) // grows the buffer
	if n := testing.AllocsPerRun(100, func() { _, _ = d.Decode(plain) }); n != 0 {
		t.Errorf("Decode allocates %v times a line", n)
	}
}

// FuzzDockerDecode compares the decoder with encoding/json: on a line that
// is valid JSON, the decoder must read the log encoding/json reads, and
// accept every object with a log string and a stream it knows.
func FuzzDockerDecode(f *testing.F) {
	f.Add([]byte(`{"log":"GET / HTTP/1.1\n","stream":"stdout","time":"2026-12-01T10:00:00.123456789Z"}`))
	f.Add([]byte(`{"log":"a\u00e9\ud83d\ude00","stream":"stderr"}`))
	f.Add([]byte(`{"attrs":{"x":["}"]},"log":"\\","stream":"stdout"}`))
	f.Add([]byte(`{"log":"\ud800\n","stream":"stdout"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) > 4096 {
			return
		}
		var d DockerDecoder
		r, err := d.Decode(line)
		if !json.Valid(line) {
			return
		}
		var obj map[string]any
		if json.Unmarshal(line, &obj) != nil {
			return
		}
		log, isStr := obj["log"].(string)
		stream, _ := obj["stream"].(string)
		_, badTime := obj["time"]
		if tm, ok := obj["time"].(string); ok && rfc3339([]byte(tm)) {
			badTime = false
		}
		if hasDuplicateKeys(line) || !isStr || stream != "stdout" && stream != "stderr" || badTime {
			return
		}
		if err != nil {
			t.Fatalf("valid record %q refused: %v", line, err)
		}
		want := []byte(log)
		if bytes.HasSuffix(want, []byte("\n")) != !r.Partial {
			t.Fatalf("Partial = %v for log %q", r.Partial, log)
		}
		want = bytes.TrimSuffix(want, []byte("\n"))
		// The decoder leaves invalid UTF-8 for the reader to replace once
		// the line is whole; encoding/json replaces each bad byte.
		if !bytes.Equal(eachInvalidReplaced(r.Log), want) {
			t.Fatalf("log = %q, encoding/json reads %q", r.Log, want)
		}
		if r.Stream.String() != stream {
			t.Fatalf("stream = %v, want %s", r.Stream, stream)
		}
	})
}

// hasDuplicateKeys says a top-level key of the object occurs twice (the
// decoder and encoding/json may then keep different ones).
func hasDuplicateKeys(line []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := k.(string)
		if seen[key] {
			return true
		}
		seen[key] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// eachInvalidReplaced replaces each byte of invalid UTF-8 in b with U+FFFD,
// as encoding/json does when it decodes a string.
func eachInvalidReplaced(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}
