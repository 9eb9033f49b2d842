package source

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

// writeBenchLog writes n generated HAProxy lines to dir/name (gzipped when
// name ends in .gz) and returns the path and the uncompressed size.
func writeBenchLog(b *testing.B, dir, name string, n int) (string, int64) {
	b.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var w io.Writer = f
	var zw *gzip.Writer
	if filepath.Ext(name) == ".gz" {
		zw = gzip.NewWriter(f)
		w = zw
	}
	bw := bufio.NewWriter(w)
	g := haproxygen.New(haproxygen.Config{Seed: 1, Step: time.Millisecond})
	var line []byte
	var size int64
	for range n {
		line = append(g.Append(line[:0]), '\n')
		bw.Write(line)
		size += int64(len(line))
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, size
}

// BenchmarkRead measures the read stage: a whole file through Open and
// Next, line by line with file and offset, as backfill reads it, plain and
// gzipped.
func BenchmarkRead(b *testing.B) {
	const lines = 100_000
	for _, name := range []string{"haproxy.log", "haproxy.log.gz"} {
		b.Run(name, func(b *testing.B) {
			path, size := writeBenchLog(b, b.TempDir(), name, lines)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				f, err := Open(path, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				readAllLines(b, f, lines)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
		})
	}
}

// readAllLines reads f to its end, closes it, and fails b unless it held
// want lines.
func readAllLines(b *testing.B, f *File, want int) {
	b.Helper()
	n := 0
	for {
		_, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	f.Close()
	if n != want {
		b.Fatalf("read %d lines, want %d", n, want)
	}
}
