package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source/fileid"
)

// fp is a valid fingerprint (SHA-256 of "a").
const fp = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"

// sampleEntries returns entries covering every field, in no sorted order,
// with Seen in a non-UTC zone.
func sampleEntries() []Entry {
	zone := time.FixedZone("CEST", 2*3600)
	seen := time.Date(2026, 3, 4, 5, 6, 7, 890123456, zone)
	var sum fileid.Fingerprint
	if err := sum.UnmarshalText([]byte(fp)); err != nil {
		panic(err)
	}
	return []Entry{
		{Path: "/var/log/haproxy.log", ID: fileid.ID{Dev: 2049, Inode: 1234, FingerprintLen: 1024, Fingerprint: sum}, Offset: 98765, Seen: seen},
		{Path: "/var/log/haproxy.log.2.gz", ID: fileid.ID{Dev: 2049, Inode: 77, FingerprintLen: 1024, Fingerprint: sum, Compressed: true}, Offset: 5_000_000, Finished: true, Seen: seen.Add(-time.Hour)},
		{Path: "/var/log/haproxy.log.1", ID: fileid.ID{Dev: 2049, Inode: 1233, FingerprintLen: 1, Fingerprint: sum}, Offset: 1, Seen: seen.Add(-time.Minute)},
		{Path: "/var/log/empty.log", ID: fileid.ID{Dev: 2049, Inode: 9}, Seen: seen},
	}
}

// openStore opens dir and fails the test on any error, closing at cleanup.
func openStore(t *testing.T, dir string) (*Store, []Entry) {
	t.Helper()
	s, entries, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, entries
}

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// tempFiles returns the leftover temp files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, fileName+".tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameEntries compares entries field by field, times with Equal.
func sameEntries(t *testing.T, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Seen.Equal(w.Seen) {
			t.Errorf("entry %d (%s): Seen %v, want %v", i, w.Path, g.Seen, w.Seen)
		}
		g.Seen, w.Seen = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// containsAll fails unless s contains each of subs.
func containsAll(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not mention %q", s, sub)
		}
	}
}
