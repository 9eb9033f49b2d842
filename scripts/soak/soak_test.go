package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/logspan/logspan/internal/haproxygen"
	"github.com/logspan/logspan/internal/otlptest"
	"github.com/logspan/logspan/mapping"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// contents maps each file of dir to its text.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestRotateFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.log"), "g3")
	deleted, err := rotateFiles(dir, "x.log", 3)
	if err != nil || deleted {
		t.Fatalf("first rotation: deleted %v, err %v", deleted, err)
	}
	if got := contents(t, dir); len(got) != 1 || got["x.log.1"] != "g3" {
		t.Fatalf("after one rotation: %v", got)
	}
	for _, g := range []string{"g4", "g5", "g6"} {
		writeFile(t, filepath.Join(dir, "x.log"), g)
		if _, err := rotateFiles(dir, "x.log", 3); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "x.log"), "g7")
	want := map[string]string{"x.log": "g7", "x.log.1": "g6", "x.log.2": "g5", "x.log.3": "g4"}
	if got := contents(t, dir); !equalMaps(got, want) {
		t.Fatalf("before the deleting rotation: %v, want %v", got, want)
	}
	deleted, err = rotateFiles(dir, "x.log", 3)
	if err != nil || !deleted {
		t.Fatalf("rotation dropping g4: deleted %v, err %v", deleted, err)
	}
	want = map[string]string{"x.log.1": "g7", "x.log.2": "g6", "x.log.3": "g5"}
	if got := contents(t, dir); !equalMaps(got, want) {
		t.Fatalf("after: %v, want %v", got, want)
	}
	if _, err := rotateFiles(dir, "x.log", 0); err == nil {
		t.Error("keep 0 accepted")
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// readIDs returns the span id of every line of every file in dir, with the
// number of lines per file.
func readIDs(t *testing.T, dir string) (map[trace.SpanID]int, map[string]int) {
	t.Helper()
	ids := map[trace.SpanID]int{}
	perFile := map[string]int{}
	for name, text := range contents(t, dir) {
		if text != "" && !strings.HasSuffix(text, "\n") {
			t.Errorf("%s ends in a partial line", name)
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			_, sid := mapping.IDs(ruleName, sc.Bytes())
			ids[sid]++
			perFile[name]++
		}
	}
	return ids, perFile
}

func newTestWriter(t *testing.T, keep int) *writer {
	t.Helper()
	recv, err := otlptest.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(recv.Stop)
	recv.KeepIDsOnly()
	return &writer{
		dir:   t.TempDir(),
		keep:  keep,
		rate:  1000,
		every: time.Hour,
		gen:   haproxygen.New(haproxygen.Config{Seed: 5, Step: time.Millisecond}),
		recv:  recv,
	}
}

func TestWriterRotationKeepsWritingToTheOldFile(t *testing.T) {
	w := newTestWriter(t, 1)
	if err := w.open(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := w.writeLine(w.f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.rotate(); err != nil {
		t.Fatal(err)
	}
	_, perFile := readIDs(t, w.dir)
	if perFile[logName+".1"] != 10+lateLines || perFile[logName] != 0 {
		t.Fatalf("lines per file after rotation: %v, want %d in .1 and none in the new file", perFile, 10+lateLines)
	}
	for range 3 {
		if err := w.writeLine(w.f); err != nil {
			t.Fatal(err)
		}
	}
	// With one generation kept, the next rotation deletes the first file.
	if err := w.rotate(); err != nil {
		t.Fatal(err)
	}
	w.f.Close()
	if !slices.Equal(w.deleted, []int{0}) || w.rotations != 2 {
		t.Fatalf("deleted generations %v after %d rotations, want [0] after 2", w.deleted, w.rotations)
	}
	if !slices.Equal(w.genFirst, []int{0, 15, 23}) {
		t.Fatalf("generation starts %v", w.genFirst)
	}
	for i, want := range map[int]bool{0: true, 14: true, 15: false, 22: false} {
		if w.inDeletedFile(i) != want {
			t.Errorf("line %d in a deleted file: %v, want %v", i, !want, want)
		}
	}
	if got := w.unreceived(1); got != 8 {
		t.Errorf("unreceived lines of generation 1: %d, want 8", got)
	}
}

func TestWriterRun(t *testing.T) {
	w := newTestWriter(t, 10)
	w.rate = 2000
	w.every = 100 * time.Millisecond
	t0 := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), t0.Add(450*time.Millisecond))
	defer cancel()
	if err := w.run(ctx, t0); err != nil {
		t.Fatal(err)
	}
	// 900 lines are due; a rotation on the last tick adds its late lines.
	if n := len(w.ids); n < 900 || n > 900+lateLines*w.rotations {
		t.Errorf("%d lines written in 450ms at 2000/s, want 900", n)
	}
	// Ticks may come late on a busy machine: at least one rotation, at
	// most one per 100ms.
	if w.rotations < 1 || w.rotations > 4 {
		t.Errorf("%d rotations in 450ms every 100ms", w.rotations)
	}
	onDisk, perFile := readIDs(t, w.dir)
	if len(perFile) != w.rotations+1 {
		t.Errorf("files %v after %d rotations", perFile, w.rotations)
	}
	if len(onDisk) != len(w.ids) {
		t.Errorf("%d distinct lines on disk, %d written", len(onDisk), len(w.ids))
	}
	for i, id := range w.ids {
		if onDisk[id] != 1 {
			t.Fatalf("line %d is %d times on disk", i, onDisk[id])
		}
	}
}

func TestCompare(t *testing.T) {
	a, b, c, x := trace.SpanID{1}, trace.SpanID{2}, trace.SpanID{3}, [8]byte{9}
	got := compare([]trace.SpanID{a, b, c}, map[[8]byte]int{a: 2, c: 1, x: 1})
	if !slices.Equal(got.missing, []int{1}) || got.unexpected != 1 {
		t.Errorf("compare: missing %v, unexpected %d; want [1], 1", got.missing, got.unexpected)
	}
	count := func(id [8]byte) int { return map[[8]byte]int{a: 1}[id] }
	if n := countMissing([]trace.SpanID{a, b, c}, count); n != 2 {
		t.Errorf("countMissing %d, want 2", n)
	}
}

func TestMissingExamples(t *testing.T) {
	cfg := haproxygen.Config{Seed: 3, Step: time.Millisecond}
	g := haproxygen.New(cfg)
	var lines []string
	for range 5 {
		lines = append(lines, string(g.Append(nil)))
	}
	w := &writer{genFirst: []int{0, 3}, deleted: []int{0}}
	got := missingExamples(cfg, w, []int{1, 3, 4}, 2)
	want := []string{
		"line 2 (file generation 0, deleted by rotation): " + lines[1],
		"line 4 (file generation 1, kept): " + lines[3],
	}
	if !slices.Equal(got, want) {
		t.Errorf("examples:\n%q\nwant\n%q", got, want)
	}
}

func TestParseStatus(t *testing.T) {
	const status = "Name:\tlogspan\nVmPeak:\t 1300000 kB\nVmHWM:\t   45056 kB\nVmRSS:\t   40960 kB\nThreads:\t8\n"
	rss, hwm, err := parseStatus([]byte(status))
	if err != nil || rss != 40<<20 || hwm != 44<<20 {
		t.Errorf("parseStatus: rss %d, hwm %d, err %v", rss, hwm, err)
	}
	if _, _, err := parseStatus([]byte("Name:\tzombie\n")); err == nil {
		t.Error("no error without VmRSS")
	}
	if _, _, err := parseStatus([]byte("VmRSS:\t12 MB\nVmHWM:\t1 kB\n")); err == nil {
		t.Error("no error for an unknown unit")
	}
	// Our own process has a status file.
	if rss, _, err := readStatus(os.Getpid()); err != nil || rss <= 0 {
		t.Errorf("readStatus(self): %d, %v", rss, err)
	}
}

func TestMemoryVerdict(t *testing.T) {
	var series []rssSample
	for i := range 10 {
		series = append(series, rssSample{at: time.Duration(i) * time.Second, rss: int64(30+i) << 20})
	}
	first, last := fifthMedians(series)
	if first != 30<<20+1<<19 || last != 38<<20+1<<19 {
		t.Errorf("fifth medians %s, %s; want 30.5 and 38.5 MiB", mib(first), mib(last))
	}
	if f, l := fifthMedians(series[:4]); f != -1 || l != -1 {
		t.Errorf("medians of 4 samples: %d, %d; want -1, -1", f, l)
	}
	tests := []struct {
		first, last int64
		grew        bool
	}{
		{30 << 20, 31 << 20, false},
		{30 << 20, 60 << 20, true},    // 2x and 30 MiB
		{5 << 20, 15 << 20, false},    // 3x but only 10 MiB
		{100 << 20, 140 << 20, false}, // 40 MiB but only 1.4x
		{-1, 500 << 20, false},
	}
	for _, tt := range tests {
		if got := rssGrew(tt.first, tt.last, 1.5); got != tt.grew {
			t.Errorf("rssGrew(%s, %s) = %v", mib(tt.first), mib(tt.last), got)
		}
	}
}

func TestFailures(t *testing.T) {
	ok := result{RSSFirstFifth: 30 << 20, RSSLastFifth: 31 << 20}
	if f := ok.failures(1.5); len(f) != 0 {
		t.Errorf("clean run fails: %v", f)
	}
	bad := ok
	bad.Missing, bad.Unexpected, bad.ExitCode, bad.SelfExits, bad.Garbage = 3, 1, 1, 1, 2
	bad.RSSLastFifth = 80 << 20
	f := strings.Join(bad.failures(1.5), "; ")
	for _, want := range []string{"3 lines missing", "1 unexpected", "logged 2 lines that match no rule", "exited with code 1", "by itself", "memory grew"} {
		if !strings.Contains(f, want) {
			t.Errorf("failures %q lack %q", f, want)
		}
	}
	dup := ok
	dup.Received, dup.Distinct = 105, 100
	if f := dup.failures(1.5); len(f) != 1 || !strings.Contains(f[0], "5 spans arrived more than once") {
		t.Errorf("duplicates without a crash: %v", f)
	}
	dup.Kills = 1 // a crash resends what was not acknowledged
	if f := dup.failures(1.5); len(f) != 0 {
		t.Errorf("duplicates after a crash fail the soak: %v", f)
	}
	stuck := ok
	stuck.ExitErr = "logspan did not exit within 30s of SIGTERM; killed"
	if f := stuck.failures(1.5); len(f) != 1 || !strings.Contains(f[0], "did not exit") {
		t.Errorf("stuck stop: %v", f)
	}
}

func TestPrint(t *testing.T) {
	r := result{
		Duration: 300 * time.Second, Written: 600000, Rotations: 59, Generations: 10, DeletedFiles: 50,
		Kills: 2, Outage: 30 * time.Second, Received: 612345, Distinct: 600000,
		CatchUp: 1200 * time.Millisecond, StopTook: 300 * time.Millisecond,
		PeakRSS: 41 << 20, RSSSamples: 360, RSSFirstFifth: 30 << 20, RSSLastFifth: 31 << 20,
	}
	var b strings.Builder
	r.print(&b)
	for _, want := range []string{
		"soak: 5m0s, 600000 lines written, 59 rotations by rename (10 rotated files kept, 50 deleted), 2 kills, collector down 30s\n",
		"soak: spans received 612345 (distinct 600000), missing 0, unexpected 0\n",
		"soak: logspan exited with code 0 300ms after SIGTERM\n",
		"soak: logspan peak RSS 41.0 MiB; median RSS first fifth 30.0 MiB, last fifth 31.0 MiB (360 samples)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSchedule(t *testing.T) {
	got := schedule(300*time.Second, 2, 30*time.Second)
	want := []event{{100 * time.Second, evKill}, {135 * time.Second, evOutageStart}, {165 * time.Second, evOutageEnd}, {200 * time.Second, evKill}}
	if !slices.Equal(got, want) {
		t.Errorf("schedule %v, want %v", got, want)
	}
	if got := schedule(time.Minute, 0, 0); len(got) != 1 || got[0].at <= time.Minute {
		t.Errorf("empty schedule %v: want one event past the end", got)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 5*time.Minute || o.rate != 2000 || o.rotate != 5*time.Second || o.kills != 2 ||
		o.outage != 30*time.Second || o.drain != time.Minute || o.rssGrowth != 1.5 || o.keepGens != 10 {
		t.Errorf("defaults %+v", o)
	}
	o, err = parseFlags(strings.Fields("-duration 40s -rate 1000 -rotate 4s -kills 2 -outage 8s"))
	if err != nil || o.keepGens != 7 {
		t.Errorf("CI form: %+v, %v", o, err)
	}
	for _, bad := range []string{"-rate 0", "-outage 1m -duration 30s", "-kills -1", "-rss-growth 0.5", "extra"} {
		if _, err := parseFlags(strings.Fields(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDaemonEnv(t *testing.T) {
	env := daemonEnv([]string{"PATH=/bin", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://elsewhere:4317", "OTEL_SERVICE_NAME=x"}, "http://127.0.0.1:5")
	want := []string{"PATH=/bin", "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:5", "OTEL_EXPORTER_OTLP_INSECURE=true"}
	if !slices.Equal(env, want) {
		t.Errorf("env %v, want %v", env, want)
	}
}

func TestParseDirectives(t *testing.T) {
	tests := []struct {
		name, in     string
		keep         int
		copytruncate bool
		body, err    string
	}{
		{"compress, keep added", "create\ncompress\ndelaycompress\n", 7, false, "create\ncompress\ndelaycompress\nrotate 7\n", ""},
		{"own rotate wins", "rotate 3\ncompress", 3, false, "rotate 3\ncompress\n", ""},
		{"copytruncate, comment", "# keep the descriptor\n  copytruncate\n", 7, true, "# keep the descriptor\n  copytruncate\nrotate 7\n", ""},
		{"a whole block", "/var/log/x.log {\ncompress\n}\n", 0, false, "", "directives only"},
		{"bad rotate", "rotate many\n", 0, false, "", "rotate N"},
		{"rotate 0", "rotate 0\n", 0, false, "", "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr, body, err := parseDirectives([]byte(tt.in), 7)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if body != tt.body || lr.keep != tt.keep || lr.copytruncate != tt.copytruncate {
				t.Errorf("got body %q keep %d copytruncate %v; want %q %d %v", body, lr.keep, lr.copytruncate, tt.body, tt.keep, tt.copytruncate)
			}
		})
	}
}

// TestWriterRotatesWithLogrotate rotates with the real logrotate: the files
// are the ones its directives make, and every line is on disk once, except
// the late lines of compress without delaycompress, which go to a file
// already compressed and deleted (only a reader holding it open sees them).
func TestWriterRotatesWithLogrotate(t *testing.T) {
	if _, err := exec.LookPath("logrotate"); err != nil {
		t.Skip("logrotate is not installed (apt-get install logrotate)")
	}
	const written = 3*10 + 3*lateLines
	tests := []struct {
		directives string
		files      []string // after three rotations
		onDisk     int      // distinct lines in the files
	}{
		{"create\ncompress\ndelaycompress\n", []string{logName, logName + ".1", logName + ".2.gz", logName + ".3.gz"}, written},
		{"create\ncompress\n", []string{logName, logName + ".1.gz", logName + ".2.gz", logName + ".3.gz"}, written - 3*lateLines},
		{"copytruncate\ncompress\ndelaycompress\n", []string{logName, logName + ".1", logName + ".2.gz", logName + ".3.gz"}, written},
		{"rotate 2\ncreate\n", []string{logName, logName + ".1", logName + ".2"}, written - 10 - lateLines},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(strings.TrimSpace(tt.directives), "\n", "+"), func(t *testing.T) {
			w := newTestWriter(t, 5)
			tmp := t.TempDir()
			if err := os.Chmod(w.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(tmp, "directives")
			writeFile(t, conf, tt.directives)
			lr, err := newLogrotate(conf, tmp, filepath.Join(w.dir, logName), 5)
			if err != nil {
				t.Fatal(err)
			}
			w.lr, w.keep = lr, lr.keep
			if err := w.open(); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				for range 10 {
					if err := w.writeLine(w.f); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.rotate(); err != nil {
					t.Fatal(err)
				}
			}
			w.f.Close()
			var names []string
			ids := map[trace.SpanID]int{}
			for name, text := range contents(t, w.dir) {
				names = append(names, name)
				if strings.HasSuffix(name, ".gz") {
					zr, err := gzip.NewReader(strings.NewReader(text))
					if err != nil {
						t.Fatal(err)
					}
					b, err := io.ReadAll(zr)
					if err != nil {
						t.Fatal(err)
					}
					text = string(b)
				}
				for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
					if l != "" {
						_, sid := mapping.IDs(ruleName, []byte(l))
						ids[sid]++
					}
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.files) {
				t.Errorf("files %q, want %q", names, tt.files)
			}
			if len(w.genFirst) != 4 || w.rotations != 3 || len(w.ids) != written {
				t.Errorf("%d generations and %d lines after %d rotations, want 4 and %d after 3", len(w.genFirst), len(w.ids), w.rotations, written)
			}
			if len(ids) != tt.onDisk {
				t.Errorf("%d distinct lines on disk, want %d", len(ids), tt.onDisk)
			}
			for id, n := range ids {
				if n != 1 {
					t.Errorf("line %s is %d times on disk", id, n)
				}
			}
			wantDeleted := []int(nil)
			if lr.keep == 2 {
				wantDeleted = []int{0}
			}
			if !slices.Equal(w.deleted, wantDeleted) {
				t.Errorf("deleted generations %v, want %v", w.deleted, wantDeleted)
			}
		})
	}
}

func TestCountGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logspan.log")
	writeFile(t, path, `time=x level=INFO msg="following file" file=a
time=x level=WARN msg="line matches no rule" file=/l/haproxy.log.1.gz line=1
time=x level=WARN msg="rule haproxy_http: line not mapped: bad time" file=/l/haproxy.log line=9
time=x level=WARN msg="line matches no rule" file=/l/haproxy.log.1.gz line=2
`)
	if n := countGarbage(path); n != 3 {
		t.Errorf("countGarbage = %d, want 3", n)
	}
	if n := countGarbage(filepath.Join(t.TempDir(), "none")); n != 0 {
		t.Errorf("countGarbage of no log = %d, want 0", n)
	}
}
