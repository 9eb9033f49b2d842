package parsers

import (
	"testing"

	"github.com/logspan/logspan/internal/haproxygen"
)

// BenchmarkParse measures each rule over the testdata lines meant for it,
// and the HTTP rule over lines of haproxygen (the standard httplog line,
// with a syslog-free layout and one capture block), reporting ns per line (a
// later target is 250k lines/s end to end on 2 cores, and parsing should take
// well under 1 µs of it). Rules with a native scanner are measured twice:
// "native" is Parse as the daemon runs it, scanner first; "regexp" is the
// regexp alone, the fallback and the only path of every other rule.
func BenchmarkParse(b *testing.B) {
	ps := ruleParsers(b)
	for i, r := range ruleExprs {
		var lines [][]byte
		for _, file := range testFiles(b) {
			for n, line := range readLines(b, file) {
				if intendedRule(b, file, n) == r.name {
					lines = append(lines, []byte(line))
				}
			}
		}
		benchPaths(b, r.name, ps[i], lines)
	}
	g := haproxygen.New(haproxygen.Config{Seed: 1})
	lines := make([][]byte, 1000)
	for i := range lines {
		lines[i] = g.Append(nil)
	}
	benchPaths(b, "HTTP-generated", ruleParser(b, "HTTP"), lines)
}

// benchPaths runs benchLines for p's native path, if it has one, and for
// its regexp alone.
func benchPaths(b *testing.B, name string, p *Parser, lines [][]byte) {
	if p.native != nil {
		b.Run(name+"/native", func(b *testing.B) { benchLines(b, p, lines) })
	}
	b.Run(name+"/regexp", func(b *testing.B) { benchLines(b, regexpOnly(p), lines) })
}

// benchLines parses lines with p over and over; each must match.
func benchLines(b *testing.B, p *Parser, lines [][]byte) {
	m := p.NewMatch()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, line := range lines {
			if !p.Parse(line, m) {
				b.Fatalf("no match: %s", line)
			}
		}
		n += len(lines)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/line")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for _, line := range lines {
			p.Parse(line, m)
		}
	}))/float64(len(lines)), "allocs/line")
}
