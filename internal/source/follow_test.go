package source

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestFollowReaderHoldsPartialLine: a followed file's last line without its
// newline is not returned, and the rest of it, written later, completes it.
func TestFollowReaderHoldsPartialLine(t *testing.T) {
	tests := []struct {
		name   string
		writes []string // appended one after the other, reading after each
		want   []string // lines returned, in order
		ends   []int64  // End of each line
	}{
		{"whole lines", []string{"a\nb\n"}, []string{"a", "b"}, []int64{2, 4}},
		{"line completed later", []string{"a\nbb", "b\n"}, []string{"a", "bbb"}, []int64{2, 6}},
		{"completed in three writes", []string{"x", "y", "z\n"}, []string{"xyz"}, []int64{4}},
		{"crlf split", []string{"ab\r", "\n"}, []string{"ab"}, []int64{4}},
		{"never completed", []string{"a\nhalf"}, []string{"a"}, []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.log")
			w, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			fr := newFollowReader(r, path, 0, 0)
			var got []string
			var ends []int64
			for _, s := range tt.writes {
				if _, err := w.WriteString(s); err != nil {
					t.Fatal(err)
				}
				for {
					l, err := fr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, string(l.Data))
					ends = append(ends, l.End)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lines %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] || ends[i] != tt.ends[i] {
					t.Errorf("line %d: %q ending at %d, want %q ending at %d", i, got[i], ends[i], tt.want[i], tt.ends[i])
				}
			}
			if last := tt.ends[len(tt.ends)-1]; fr.Offset() != last {
				t.Errorf("offset %d, want %d (a held-back line is not consumed)", fr.Offset(), last)
			}
		})
	}
}

// TestFollowReaderFlushesPartialOfReleasedFile: when a file is let go, its
// unfinished last line is returned as a line of its own.
func TestFollowReaderFlushesPartialOfReleasedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.log")
	if err := os.WriteFile(path, []byte("a\ntail"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fr := newFollowReader(r, path, 0, 0)
	if l, err := fr.Next(); err != nil || string(l.Data) != "a" {
		t.Fatalf("first line %q, %v", l.Data, err)
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("partial line returned before release: %v", err)
	}
	l, ok := fr.flushPartial()
	if !ok || string(l.Data) != "tail" || l.Offset != 2 || l.End != 6 {
		t.Fatalf("flushed %q [%d,%d) ok=%v, want \"tail\" [2,6)", l.Data, l.Offset, l.End, ok)
	}
	if _, ok := fr.flushPartial(); ok {
		t.Error("flushed twice")
	}
}
