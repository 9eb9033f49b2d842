package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readAll(t *testing.T, r interface{ Next() (Line, error) }) []Line {
	t.Helper()
	var out []Line
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		l.Data = append([]byte(nil), l.Data...)
		out = append(out, l)
	}
}

func TestReaderSplitsLines(t *testing.T) {
	tests := []struct {
		name  string
		input string
		max   int
		want  []Line
	}{
		{"plain", "a\nbb\n", 0, []Line{
			{Data: []byte("a"), Offset: 0, End: 2},
			{Data: []byte("bb"), Offset: 2, End: 5},
		}},
		{"last line without newline", "a\nbb", 0, []Line{
			{Data: []byte("a"), Offset: 0, End: 2},
			{Data: []byte("bb"), Offset: 2, End: 4},
		}},
		{"crlf", "a\r\nb\r\n", 0, []Line{
			{Data: []byte("a"), Offset: 0, End: 3},
			{Data: []byte("b"), Offset: 3, End: 6},
		}},
		{"empty lines kept", "\n\nx\n", 0, []Line{
			{Data: []byte(""), Offset: 0, End: 1},
			{Data: []byte(""), Offset: 1, End: 2},
			{Data: []byte("x"), Offset: 2, End: 4},
		}},
		{"long line cut and counted, next line intact", "abcdefgh\nxy\n", 4, []Line{
			{Data: []byte("abcd"), Offset: 0, End: 9, Truncated: true},
			{Data: []byte("xy"), Offset: 9, End: 12},
		}},
		{"line exactly at the limit is whole", "abcd\n", 4, []Line{
			{Data: []byte("abcd"), Offset: 0, End: 5},
		}},
		{"invalid utf-8 replaced", "a\xffb\n", 0, []Line{
			{Data: []byte("a\uFFFDb"), Offset: 0, End: 4, InvalidUTF8: true},
		}},
		{"empty input", "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, NewReader(strings.NewReader(tt.input), "f", 0, tt.max))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				w := tt.want[i]
				w.File = "f"
				if !bytes.Equal(got[i].Data, w.Data) || got[i].Offset != w.Offset || got[i].End != w.End ||
					got[i].Truncated != w.Truncated || got[i].InvalidUTF8 != w.InvalidUTF8 || got[i].File != "f" {
					t.Errorf("line %d = %+v (%q), want %+v (%q)", i, got[i], got[i].Data, w, w.Data)
				}
			}
		})
	}
}

func TestReaderLineLongerThanBuffer(t *testing.T) {
	long := strings.Repeat("x", 600<<10) // longer than the 256 KiB bufio buffer
	got := readAll(t, NewReader(strings.NewReader(long+"\nok\n"), "f", 0, 0))
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2", len(got))
	}
	if len(got[0].Data) != DefaultMaxLineBytes || !got[0].Truncated {
		t.Errorf("first line: %d bytes truncated=%v, want %d bytes truncated", len(got[0].Data), got[0].Truncated, DefaultMaxLineBytes)
	}
	if string(got[1].Data) != "ok" || got[1].Offset != int64(len(long)+1) {
		t.Errorf("second line = %q at %d", got[1].Data, got[1].Offset)
	}
}

func TestOpenPlainGzipAndStdin(t *testing.T) {
	dir := t.TempDir()
	content := "line one\nline two\n"
	plain := filepath.Join(dir, "haproxy.log")
	if err := os.WriteFile(plain, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// A gzip file whose name does not say so: recognised by magic bytes.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(content))
	zw.Close()
	gz := filepath.Join(dir, "haproxy.log.1")
	if err := os.WriteFile(gz, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		stdin      io.Reader
		compressed bool
		size       int64
	}{
		{"plain", plain, nil, false, int64(len(content))},
		{"gzip", gz, nil, true, int64(zb.Len())},
		{"stdin", "-", strings.NewReader(content), false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(tc.path, tc.stdin, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Compressed != tc.compressed || f.Size != tc.size {
				t.Errorf("Compressed=%v Size=%d, want %v %d", f.Compressed, f.Size, tc.compressed, tc.size)
			}
			lines := readAll(t, f)
			if len(lines) != 2 || string(lines[1].Data) != "line two" || lines[1].Offset != 9 || lines[1].Number != 2 || lines[1].File != tc.path {
				t.Errorf("lines = %+v", lines)
			}
			if tc.size >= 0 && f.BytesRead() != tc.size {
				t.Errorf("BytesRead = %d, want %d", f.BytesRead(), tc.size)
			}
		})
	}
}

func TestOpenErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.log")
	_, err := Open(missing, nil, 0)
	if err == nil || err.Error() != "cannot open "+missing+": no such file or directory" || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want cannot open %s: no such file or directory", err, missing)
	}
	_, err = Open(dir, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: err = %v", err)
	}
	if os.Geteuid() != 0 {
		p := filepath.Join(dir, "secret.log")
		os.WriteFile(p, []byte("x\n"), 0o000)
		_, err = Open(p, nil, 0)
		if !errors.Is(err, os.ErrPermission) {
			t.Errorf("unreadable file: err = %v", err)
		}
	}
}

func TestCorruptGzipReportsWhereAndKeepsEarlierLines(t *testing.T) {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(strings.Repeat("a complete line\n", 1000)))
	zw.Close()
	data := zb.Bytes()[:zb.Len()/2] // cut in the middle
	p := filepath.Join(t.TempDir(), "cut.gz")
	os.WriteFile(p, data, 0o644)
	f, err := Open(p, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for {
		_, err = f.Next()
		if err != nil {
			break
		}
		n++
	}
	if err == io.EOF || !strings.Contains(err.Error(), "cut.gz") {
		t.Errorf("err = %v, want a read error naming the file", err)
	}
	if n == 0 {
		t.Errorf("no lines before the corrupt part")
	}
}

func TestFileErrorNamesVerbAndFileOnce(t *testing.T) {
	_, statErr := os.Stat("/nonexistent/x.log")
	tests := []struct {
		verb, path string
		err        error
		want       string
		is         error // what errors.Is must still see
	}{
		{"stat", "/nonexistent/x.log", statErr, "cannot stat /nonexistent/x.log: no such file or directory", fs.ErrNotExist},
		{"open", "/x", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}, "cannot open /x: permission denied", fs.ErrPermission},
		{"read", "/x", io.ErrUnexpectedEOF, "cannot read /x: unexpected EOF", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		err := fileError(tt.verb, tt.path, tt.err)
		if err.Error() != tt.want {
			t.Errorf("fileError = %q, want %q", err, tt.want)
		}
		if !errors.Is(err, tt.is) {
			t.Errorf("%v is not %v", err, tt.is)
		}
	}
}
