package journal

import (
	"strings"
	"testing"

	"github.com/logspan/logspan/internal/source"
)

// BenchmarkRead measures what the journal input adds per line on
// logspan's side: reading journalctl's JSON output and decoding each
// entry into a line with its metadata and cursor, batches delivered to a
// deliver that does nothing.
func BenchmarkRead(b *testing.B) {
	const n = 10_000
	var sb strings.Builder
	for range n {
		sb.WriteString(haproxyEntry)
		sb.WriteByte('\n')
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	lines := 0
	r := newRun(Options{}, func(ls []source.Line) error { lines += len(ls); return nil })
	for b.Loop() {
		lines = 0
		if err := r.read(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
		if lines != n {
			b.Fatalf("%d lines, want %d", lines, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/line")
}
