package parsers

import "testing"

// BenchmarkParse measures each rule over the testdata lines meant for it,
// reporting ns per line (a later target is 250k lines/s, 4000 ns/line, for
// the whole pipeline).
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
		b.Run(r.name, func(b *testing.B) {
			p := ps[i]
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
		})
	}
}
