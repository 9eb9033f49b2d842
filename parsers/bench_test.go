package parsers

import (
	"bytes"
	"encoding/json"
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

// BenchmarkParseJSON measures a JSON rule reading the 25 paths of
// caddyFields (nested objects and header arrays) from Caddy access lines of
// about 1.2 KiB: "caddy" is a line with nothing to decode, "caddy-escapes"
// one whose values have escapes. "not-json" is an HAProxy line tried against
// the rule (turned down on its first byte) and "malformed" a Caddy line cut
// short, which is read up to the cut. "encoding-json" is the same
// extraction with the standard library (Unmarshal into a map, then a walk
// per path), for comparison.
func BenchmarkParseJSON(b *testing.B) {
	caddy := readJSONLines(b, "caddy.jsonl")
	p, err := New(Spec{JSON: &JSONSpec{Fields: caddyFields, Require: []string{"request"}}})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		line string
		ok   bool
	}{
		{"caddy", caddy[0], true},
		{"caddy-escapes", caddy[1], true},
		{"not-json", readLines(b, "http.log")[0], false},
		{"malformed", caddy[3], false},
	}
	for _, c := range cases {
		line := []byte(c.line)
		b.Run(c.name, func(b *testing.B) {
			m := p.NewMatch()
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if p.Parse(line, m) != c.ok {
					b.Fatalf("matched = %v: %s", !c.ok, line)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
		})
	}
	b.Run("encoding-json", func(b *testing.B) {
		paths := make([][]jsonStep, len(caddyFields))
		for i, f := range caddyFields {
			if paths[i], err = parseJSONPath(f); err != nil {
				b.Fatal(err)
			}
		}
		line := []byte(caddy[0])
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var v map[string]any
			d := json.NewDecoder(bytes.NewReader(line))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				b.Fatal(err)
			}
			found := 0
			for _, steps := range paths {
				if stdlibLookup(v, steps) != nil {
					found++
				}
			}
			if found != 25 {
				b.Fatalf("found %d of 25 paths", found)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
	})
}

// stdlibLookup follows steps through a value decoded by encoding/json.
func stdlibLookup(v any, steps []jsonStep) any {
	for _, s := range steps {
		switch c := v.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil
			}
			v = c[s.key]
		case []any:
			if s.index < 0 || s.index >= len(c) {
				return nil
			}
			v = c[s.index]
		default:
			return nil
		}
	}
	return v
}
