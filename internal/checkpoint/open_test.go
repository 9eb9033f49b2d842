package checkpoint

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenUnusableDir(t *testing.T) {
	tests := []struct {
		name   string
		dir    func(t *testing.T) string
		root   bool // whether the case also fails for root
		reason string
	}{
		{
			name: "parent is a file",
			dir: func(t *testing.T) string {
				f := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(f, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(f, "state")
			},
			root:   true,
			reason: "not a directory",
		},
		{
			name: "dir is a file",
			dir: func(t *testing.T) string {
				f := filepath.Join(t.TempDir(), "state")
				if err := os.WriteFile(f, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return f
			},
			root:   true,
			reason: "not a directory",
		},
		{
			name: "parent is read-only",
			dir: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "ro")
				if err := os.Mkdir(p, 0o500); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(p, "state")
			},
			reason: "permission denied",
		},
		{
			name: "dir is read-only",
			dir: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "state")
				if err := os.Mkdir(p, 0o500); err != nil {
					t.Fatal(err)
				}
				return p
			},
			reason: "permission denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 {
				t.Skip("root ignores permissions")
			}
			dir := tt.dir(t)
			s, entries, err := Open(dir)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", dir)
			}
			if s != nil || entries != nil {
				t.Errorf("Open returned a Store or entries with its error")
			}
			containsAll(t, err.Error(), "state directory "+dir, tt.reason, "--state-dir")
		})
	}
}
