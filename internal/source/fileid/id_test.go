package fileid

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// logText is n HAProxy-like lines, each unique.
func logText(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString("Nov 21 10:00:00 lb haproxy[1]: 10.0.0.1:")
		b.WriteString(strings.Repeat("7", i%5+1))
		b.WriteString(" GET /item/")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("\n")
	}
	return b.Bytes()
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t *testing.T, name string, data []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestIdentify(t *testing.T) {
	long := logText(100) // well past Size
	short := logText(3)
	gz := gzipped(t, long)
	tests := []struct {
		name       string
		data       []byte
		wantPrefix []byte
		compressed bool
		err        error
	}{
		{"empty", nil, nil, false, nil},
		{"short", short, short, false, nil},
		{"long", long, long[:Size], false, nil},
		{"gzip, decompressed start", gz, long[:Size], true, nil},
		{"short gzip", gzipped(t, short), short, true, nil},
		{"gzip being written", gz[:len(gz)/3], nil, true, ErrIncomplete},
		{"gzip header being written", gz[:5], nil, true, ErrIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, "x.log", tt.data)
			id, prefix, fi, err := Identify(f)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), f.Name()) {
					t.Fatalf("error %v, want %v naming the file", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(prefix, tt.wantPrefix) || id.Compressed != tt.compressed {
				t.Errorf("prefix %d bytes compressed %v, want %d bytes compressed %v", len(prefix), id.Compressed, len(tt.wantPrefix), tt.compressed)
			}
			if id.FingerprintLen != len(tt.wantPrefix) || (len(tt.wantPrefix) > 0 && id.Fingerprint != sha256.Sum256(tt.wantPrefix)) {
				t.Errorf("fingerprint over %d bytes, want the hash of %d", id.FingerprintLen, len(tt.wantPrefix))
			}
			if !id.Is(fi) || id.Inode == 0 {
				t.Errorf("identity %+v is not the file's own", id)
			}
			if id.Complete() != (len(tt.wantPrefix) == Size) {
				t.Errorf("Complete() = %v with %d bytes", id.Complete(), id.FingerprintLen)
			}
		})
	}
}

func TestSameContentAndSameFile(t *testing.T) {
	long := logText(100)
	plain := writeFile(t, "app.log", long)
	gz := writeFile(t, "app.log.1.gz", gzipped(t, long))
	other := writeFile(t, "other.log", logText(101)[40:])
	pid, _, _, err := Identify(plain)
	if err != nil {
		t.Fatal(err)
	}
	gid, gprefix, _, err := Identify(gz)
	if err != nil {
		t.Fatal(err)
	}
	_, oprefix, _, err := Identify(other)
	if err != nil {
		t.Fatal(err)
	}
	if !pid.SameContent(gprefix) {
		t.Error("a compressed copy does not match its original's content")
	}
	if pid.SameFile(gid) {
		t.Error("a compressed copy is the same file on disk as its original")
	}
	if pid.SameContent(oprefix) {
		t.Error("another log matches the content")
	}
	var young ID
	young.Refingerprint(long[:10])
	if !young.SameContent(long) || young.SameContent(long[:9]) || young.SameContent(oprefix) {
		t.Error("a 10-byte fingerprint matches what starts with those 10 bytes only")
	}
	var empty ID
	if !empty.SameContent(oprefix) || !empty.SameContent(nil) {
		t.Error("a fingerprint of no bytes matches every file")
	}
}

func TestKnownJSONIsTheCheckpointEntry(t *testing.T) {
	var id ID
	id.Refingerprint([]byte("a"))
	id.Dev, id.Inode = 2049, 1234
	k := Known{Path: "/var/log/haproxy.log", ID: id, Offset: 10, Seen: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"path":"/var/log/haproxy.log","dev":2049,"inode":1234,"fingerprint_len":1,"fingerprint":"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb","offset":10,"seen":"2026-01-02T03:04:05Z"}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	var back Known
	if err := json.Unmarshal(b, &back); err != nil || back != k {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	empty, _ := json.Marshal(Known{Path: "/e", Finished: true, ID: ID{Compressed: true}})
	if !strings.Contains(string(empty), `"fingerprint":""`) || !strings.Contains(string(empty), `"compressed":true`) || !strings.Contains(string(empty), `"finished":true`) {
		t.Errorf("empty fingerprint, compressed, finished: %s", empty)
	}
	for _, bad := range []string{`"abc"`, `"` + strings.Repeat("zz", 32) + `"`} {
		var f Fingerprint
		if err := json.Unmarshal([]byte(bad), &f); err == nil || !strings.Contains(err.Error(), "fingerprint") {
			t.Errorf("fingerprint %s: error %v", bad, err)
		}
	}
}
