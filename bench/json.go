package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// targetJSONLinesPerSec is the target for a JSON rule reading
// Caddy-like access lines of about 25 fields.
const targetJSONLinesPerSec = 150_000

// writeJSONLog writes n Caddy-like JSON access lines (Caddy 2.6+'s default
// JSON log: float epoch ts at the end, float seconds duration, headers as
// arrays), half of them with a traceparent, and returns the bytes written.
// Keys come in Caddy's order, but header keys vary, as Caddy's map order
// does.
func writeJSONLog(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"/", "/api/v1/orders", "/api/v1/users/42", "/static/app.js", "/login", "/search?q=caddy&page=2"}
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	statuses := []int{200, 200, 200, 200, 201, 204, 301, 404, 500, 503}
	agents := []string{"curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "Go-http-client/1.1"}
	ts := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var total int64
	var line []byte
	for i := range n {
		ts = ts.Add(250 * time.Microsecond)
		dur := time.Duration(rng.IntN(200_000_000))
		line = append(line[:0], `{"level":"info","ts":`...)
		line = strconv.AppendFloat(line, float64(ts.UnixNano())/1e9, 'f', 7, 64)
		line = append(line, `,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"10.0.`...)
		line = strconv.AppendInt(line, int64(rng.IntN(256)), 10)
		line = append(line, '.')
		line = strconv.AppendInt(line, int64(rng.IntN(256)), 10)
		line = append(line, `","remote_port":"`...)
		line = strconv.AppendInt(line, int64(1024+rng.IntN(60000)), 10)
		line = append(line, `","client_ip":"10.0.0.1","proto":"HTTP/2.0","method":"`...)
		line = append(line, methods[rng.IntN(len(methods))]...)
		line = append(line, `","host":"shop.example.com","uri":"`...)
		line = append(line, paths[rng.IntN(len(paths))]...)
		line = append(line, `","headers":{`...)
		hdrs := [][]byte{
			fmt.Appendf(nil, `"User-Agent":[%q]`, agents[rng.IntN(len(agents))]),
			[]byte(`"Accept":["*/*"]`),
			[]byte(`"Accept-Encoding":["gzip, deflate, br"]`),
		}
		if i%2 == 0 {
			hdrs = append(hdrs, fmt.Appendf(nil, `"Traceparent":["00-%016x%016x-%016x-01"]`, rng.Uint64()|1, rng.Uint64(), rng.Uint64()|1))
		}
		rng.Shuffle(len(hdrs), func(a, b int) { hdrs[a], hdrs[b] = hdrs[b], hdrs[a] })
		for j, h := range hdrs {
			if j > 0 {
				line = append(line, ',')
			}
			line = append(line, h...)
		}
		line = append(line, `},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"shop.example.com"}},"bytes_read":0,"user_id":"","duration":`...)
		line = strconv.AppendFloat(line, dur.Seconds(), 'f', 9, 64)
		line = append(line, `,"size":`...)
		line = strconv.AppendInt(line, int64(rng.IntN(100_000)), 10)
		line = append(line, `,"status":`...)
		line = strconv.AppendInt(line, int64(statuses[rng.IntN(len(statuses))]), 10)
		line = append(line, `,"resp_headers":{"Server":["Caddy"],"Content-Type":["application/json"]}}`+"\n"...)
		w.Write(line)
		total += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return total, f.Close()
}

// jsonScenario backfills Caddy-like JSON lines with a JSON rule
// (bench/json-rule.yaml) into the same receiver as the other scenarios.
func (b *bench) jsonScenario() error {
	log := filepath.Join(b.dir, "caddy.log")
	size, err := writeJSONLog(log, b.o.lines)
	if err != nil {
		return err
	}
	config, err := b.rules(filepath.Join("bench", "json-rule.yaml"))
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\njson: `logspan backfill` with a JSON rule (bench/json-rule.yaml) on Caddy-like lines, %s lines (%.1f MiB), %d runs (medians)\n",
		thousands(int64(b.o.lines)), mib(size), b.o.otherRuns)
	var walls, cpus, rsss []float64
	for range b.o.otherRuns {
		u, err := b.backfill(config, int64(b.o.lines), log)
		if err != nil {
			return err
		}
		walls, cpus, rsss = append(walls, u.Wall.Seconds()), append(cpus, u.CPU.Seconds()), append(rsss, float64(u.PeakRSS))
	}
	b.header()
	r := row{name: "logspan backfill (JSON rule)", lines: int64(b.o.lines), bytes: size, wall: secs(median(walls)), cpu: secs(median(cpus)), peakRSS: int64(median(rsss))}
	b.print(r)
	rate := float64(r.lines) / r.wall.Seconds()
	b.verdict(fmt.Sprintf("≥ %s lines/s: %s", thousands(targetJSONLinesPerSec), thousands(int64(rate))), rate >= targetJSONLinesPerSec, false)
	return nil
}
