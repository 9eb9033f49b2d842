package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenMovesCorruptFileAside(t *testing.T) {
	valid := `{"version":1,"written":"2026-01-02T03:04:05Z","entries":[{"path":"/var/log/haproxy.log","dev":1,"inode":2,"fingerprint_len":1024,"fingerprint":"` + fp + `","offset":10,"seen":"2026-01-02T03:04:05Z"}]}`
	tests := []struct {
		name    string
		content string
		reason  string // in the error, for the operator
	}{
		{"empty file", "", "empty file"},
		{"zero bytes", strings.Repeat("\x00", 4096), "zero"},
		{"truncated JSON", valid[:len(valid)/2], "not valid JSON"},
		{"not JSON", "hello\n", "not valid JSON"},
		{"trailing garbage", valid + "}", "not valid JSON"},
		{"JSON null", "null", "version"},
		{"no version", `{"entries":[]}`, "version"},
		{"wrong version", strings.Replace(valid, `"version":1`, `"version":2`, 1), "version 2"},
		{"no entries", `{"version":1}`, "entries"},
		{"negative offset", strings.Replace(valid, `"offset":10`, `"offset":-10`, 1), "negative offset"},
		{"negative inode", strings.Replace(valid, `"inode":2`, `"inode":-2`, 1), "not valid JSON"},
		{"empty path", strings.Replace(valid, `"/var/log/haproxy.log"`, `""`, 1), "empty path"},
		{"fingerprint too short", strings.Replace(valid, fp, "abc", 1), "fingerprint"},
		{"fingerprint not hex", strings.Replace(valid, fp, strings.Repeat("zz", 32), 1), "fingerprint"},
		{"fingerprint missing", strings.Replace(valid, `"fingerprint":"`+fp+`",`, "", 1), "fingerprint"},
		{"fingerprint_len too big", strings.Replace(valid, `"fingerprint_len":1024`, `"fingerprint_len":1025`, 1), "fingerprint_len"},
		{"fingerprint_len negative", strings.Replace(valid, `"fingerprint_len":1024`, `"fingerprint_len":-1`, 1), "fingerprint_len"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, fileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}

			s, entries, err := Open(dir)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open: error %v, want *CorruptError", err)
			}
			if s == nil {
				t.Fatal("Open returned a nil Store with a CorruptError")
			}
			defer s.Close()
			if len(entries) != 0 {
				t.Errorf("got %d entries from a corrupt file", len(entries))
			}
			containsAll(t, err.Error(), path, tt.reason, ce.MovedTo)
			if !strings.HasPrefix(ce.MovedTo, path+".corrupt-") {
				t.Errorf("moved to %s, want %s.corrupt-<unix seconds>", ce.MovedTo, path)
			}
			aside, rerr := os.ReadFile(ce.MovedTo)
			if rerr != nil {
				t.Fatalf("moved-aside file: %v", rerr)
			}
			if string(aside) != tt.content {
				t.Errorf("moved-aside file holds %q, want the original %q", aside, tt.content)
			}
			if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("%s still there after moving it aside (stat: %v)", path, serr)
			}

			// The Store is usable: Save works, even with no entries, and
			// the next start loads what it saved.
			if written, err := s.Save(nil); err != nil || !written {
				t.Fatalf("Save(nil) after corrupt file = %v, %v; want true, nil", written, err)
			}
			want := sampleEntries()
			if _, err := s.Save(want); err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, got := openStore(t, dir)
			sameEntries(t, got, canonical(want))
		})
	}
}

func TestCorruptFilesNeverOverwriteEachOther(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, fileName)
	seen := map[string]string{}
	for _, content := range []string{"first", "second", "third"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		s, _, err := Open(dir)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("Open: %v, want *CorruptError", err)
		}
		s.Close()
		if prev, ok := seen[ce.MovedTo]; ok {
			t.Fatalf("%q moved to %s, where %q already was", content, ce.MovedTo, prev)
		}
		seen[ce.MovedTo] = content
	}
	for to, content := range seen {
		if got, err := os.ReadFile(to); err != nil || string(got) != content {
			t.Errorf("%s holds %q (%v), want %q", to, got, err, content)
		}
	}
}
