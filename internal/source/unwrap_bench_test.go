package source

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source/container"
)

// BenchmarkReadCRI measures the read stage on HAProxy lines in a CRI log
// (--format cri) against the same lines in a plain file: what removing the
// wrapper costs per line.
func BenchmarkReadCRI(b *testing.B) {
	const lines = 100_000
	dir := b.TempDir()
	plain, plainSize := writeBenchLog(b, dir, "haproxy.log", lines)
	cri := filepath.Join(dir, "0.log")
	criSize := wrapCRI(b, plain, cri)
	for _, tt := range []struct {
		name   string
		path   string
		size   int64
		format container.Format
	}{
		{"plain", plain, plainSize, container.Plain},
		{"cri", cri, criSize, container.CRI},
		{"auto", cri, criSize, container.Auto},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(tt.size)
			b.ReportAllocs()
			for b.Loop() {
				f, err := Open(tt.path, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				f.SetFormat(tt.format)
				readAllLines(b, f, lines)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
		})
	}
}

// wrapCRI writes the lines of plain as full CRI records to path.
func wrapCRI(b *testing.B, plain, path string) int64 {
	b.Helper()
	in, err := os.Open(plain)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(out)
	sc := bufio.NewScanner(in)
	ts := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	var size int64
	var rec []byte
	for sc.Scan() {
		rec = ts.AppendFormat(rec[:0], time.RFC3339Nano)
		rec = append(append(append(rec, " stdout F "...), sc.Bytes()...), '\n')
		w.Write(rec)
		size += int64(len(rec))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return size
}
