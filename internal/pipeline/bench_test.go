package pipeline

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/haproxygen"
	"github.com/logspan/logspan/internal/otlptest"
)

// BenchmarkBackfill runs the whole backfill pipeline in process (read,
// parse, map, batch, encode, export over loopback gRPC) on generated HAProxy
// lines with the shipped rules, into an in-process receiver that counts
// spans without decoding them. It is the profile target for the end-to-end cost; the
// bench command measures the real binary.
func BenchmarkBackfill(b *testing.B) {
	b.Chdir("../..")
	cfg := loadShippedRules(b)
	const lines = 100_000
	path := filepath.Join(b.TempDir(), "haproxy.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	g := haproxygen.New(haproxygen.Config{Seed: 1, UnmatchedRatio: 0.03, Step: time.Millisecond})
	var line []byte
	var size int64
	for range lines {
		line = append(g.Append(line[:0]), '\n')
		w.Write(line)
		size += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	want := int64(g.Count() - g.Unmatched())

	recv, err := otlptest.ListenCounter("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Stop()
	ecfg := emit.Config{Endpoint: recv.Endpoint(), HostName: "h", Version: "bench"}
	exp, err := emit.New(context.Background(), ecfg)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = exp.Shutdown(context.Background()) }()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		bf := &Backfill{Rules: cfg.Rules, Sender: exp, Export: ecfg, Stats: NewStats(cfg.Rules)}
		if err := bf.Run(context.Background(), []string{path}); err != nil {
			b.Fatal(err)
		}
		if got := bf.Stats.SpansExported.Load(); got != want {
			b.Fatalf("exported %d spans, want %d", got, want)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/lines, "ns/line")
}
