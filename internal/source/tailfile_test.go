package source

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTailFile follows a file through the changes a tailFile must tell
// apart: growth, growth not yet checked, and a rewrite in place, with read
// buffers large enough for one verifying call and too small for it.
func TestTailFile(t *testing.T) {
	first := strings.Repeat("a line of the log\n", 10) // 180 bytes
	tests := []struct {
		name    string
		change  func(path string) error // after the first 180 bytes were read
		bufSize int
		want    string // what the next reads return after a check
		wantErr error
	}{
		{
			name:    "appended",
			change:  appendTo("next line\n"),
			bufSize: 4096,
			want:    "next line\n",
		},
		{
			name:    "appended, small buffer",
			change:  appendTo("next line\n"),
			bufSize: 8,
			want:    "next line\n",
		},
		{
			name:    "nothing new",
			change:  func(string) error { return nil },
			bufSize: 4096,
			want:    "",
		},
		{
			name: "rewritten past the position",
			change: func(path string) error {
				return os.WriteFile(path, []byte(strings.Repeat("other content!!\n", 20)), 0o644)
			},
			bufSize: 4096,
			wantErr: errRewritten,
		},
		{
			name: "rewritten, small buffer",
			change: func(path string) error {
				return os.WriteFile(path, []byte(strings.Repeat("other content!!\n", 20)), 0o644)
			},
			bufSize: 8,
			wantErr: errRewritten,
		},
		{
			// The follower's check sees this one by the size alone.
			name:    "shrunk below the position: nothing read",
			change:  func(path string) error { return os.Truncate(path, 100) },
			bufSize: 4096,
			want:    "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, f, tf := openTailFile(t, first)
			got, err := readAllWith(tf, tt.bufSize)
			if err != nil || got != first {
				t.Fatalf("first read: %q, %v", got, err)
			}
			if err := tt.change(path); err != nil {
				t.Fatal(err)
			}
			// Written but not yet checked: nothing is read past the limit.
			if got, err := readAllWith(tf, tt.bufSize); got != "" || err != nil {
				t.Fatalf("before the check: %q, %v", got, err)
			}
			fi, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			tf.checked(fi.Size())
			got, err = readAllWith(tf, tt.bufSize)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("after the check: %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestTailFileRestart checks that after a rewrite the file is read again
// from its start without verifying anything.
func TestTailFileRestart(t *testing.T) {
	path, _, tf := openTailFile(t, "old line one\nold line two\n")
	if _, err := readAllWith(tf, 64); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("a new first line\nand a second\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tf.checked(30)
	if _, err := readAllWith(tf, 64); !errors.Is(err, errRewritten) {
		t.Fatalf("rewrite not seen: %v", err)
	}
	tf.restart()
	if got, err := readAllWith(tf, 64); err != nil || got != "a new first line\nand a second\n" {
		t.Errorf("after restart: %q, %v", got, err)
	}
}

// openTailFile writes content to a new file and returns its path, the open
// file (closed at the end of the test) and a tailFile on it, checked at its
// size.
func openTailFile(t *testing.T, content string) (string, *os.File, *tailFile) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tf := newTailFile(f, 0)
	tf.checked(int64(len(content)))
	return path, f, tf
}

func appendTo(s string) func(string) error {
	return func(path string) error {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(s); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

// readAllWith reads r to io.EOF in reads of at most n bytes.
func readAllWith(r io.Reader, n int) (string, error) {
	var out []byte
	buf := make([]byte, n)
	for {
		m, err := r.Read(buf)
		out = append(out, buf[:m]...)
		if err == io.EOF {
			return string(out), nil
		}
		if err != nil {
			return string(out), err
		}
	}
}
