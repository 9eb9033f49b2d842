package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logspan/logspan/internal/source/container"
	"github.com/logspan/logspan/internal/source/linemeta"
)

const (
	t1 = "2026-12-01T10:00:00.000000001Z"
	t2 = "2026-12-01T10:00:00.000000002Z"
	t3 = "2026-12-01T10:00:00.000000003Z"
)

// cri is one CRI record line.
func cri(ts, stream, tag, log string) string { return ts + " " + stream + " " + tag + " " + log + "\n" }

// docker is one json-file record line; log is JSON-escaped already.
func docker(ts, stream, log string) string {
	return `{"log":"` + log + `","stream":"` + stream + `","time":"` + ts + `"}` + "\n"
}

// shown is a line as the unwrapper's tests compare it.
func shown(l Line) string {
	s := fmt.Sprintf("%q [%d,%d) #%d", l.Data, l.Offset, l.End, l.Number)
	if tm := linemeta.Get(l.Meta, linemeta.ContainerTime); tm != nil {
		s += " time=" + string(tm)
	}
	if st := linemeta.Get(l.Meta, linemeta.ContainerStream); st != nil {
		s += " " + string(st)
	}
	if l.Truncated {
		s += " cut"
	}
	if l.InvalidUTF8 {
		s += " utf8"
	}
	if l.WrapperErr != nil {
		s += " err=" + l.WrapperErr.Error()
	}
	return s
}

func TestFileUnwrapsContainerLogs(t *testing.T) {
	a, b := cri(t1, "stdout", "F", "GET /a"), cri(t2, "stdout", "P", "GET /very/")
	c := cri(t3, "stdout", "F", "long")
	split := "\xc3\xa9" // é, split by the runtime between its two bytes
	tests := []struct {
		name   string
		format container.Format
		max    int
		input  string
		want   []string
	}{
		{"cri: wrapper removed, time and stream as meta", container.CRI, 0, a + cri(t2, "stderr", "F", "oops"), []string{
			fmt.Sprintf(`"GET /a" [0,%d) #1 time=%s stdout`, len(a), t1),
			fmt.Sprintf(`"oops" [%d,%d) #2 time=%s stderr`, len(a), len(a)+len(cri(t2, "stderr", "F", "oops")), t2),
		}},
		{"cri: pieces joined, first offset and time, last end", container.CRI, 0, a + b + c, []string{
			fmt.Sprintf(`"GET /a" [0,%d) #1 time=%s stdout`, len(a), t1),
			fmt.Sprintf(`"GET /very/long" [%d,%d) #2 time=%s stdout`, len(a), len(a+b+c), t2),
		}},
		{"cri: joined line cut at the limit", container.CRI, 8, b + c, []string{
			fmt.Sprintf(`"GET /ver" [0,%d) #1 time=%s stdout cut`, len(b+c), t2),
		}},
		{"cri: a character split between pieces is whole again", container.CRI, 0,
			cri(t1, "stdout", "P", "caf"+split[:1]) + cri(t2, "stdout", "F", split[1:]), []string{
				fmt.Sprintf(`"café" [0,%d) #1 time=%s stdout`, len(cri(t1, "stdout", "P", "caf"+split[:1])+cri(t2, "stdout", "F", split[1:])), t1),
			}},
		{"cri: invalid UTF-8 replaced once joined", container.CRI, 0, cri(t1, "stdout", "F", "a\xffb"), []string{
			fmt.Sprintf(`%q [0,%d) #1 time=%s stdout utf8`, "a\uFFFDb", len(cri(t1, "stdout", "F", "a\xffb")), t1),
		}},
		{"cri: a line that is no record is passed on and says why", container.CRI, 0, "garbage\n" + a, []string{
			`"garbage" [0,8) #1 err=` + container.ErrCRITime.Error(),
			fmt.Sprintf(`"GET /a" [8,%d) #2 time=%s stdout`, 8+len(a), t1),
		}},
		{"cri: pieces without their last handed out at the end", container.CRI, 0, a + b, []string{
			fmt.Sprintf(`"GET /a" [0,%d) #1 time=%s stdout`, len(a), t1),
			fmt.Sprintf(`"GET /very/" [%d,%d) #2 time=%s stdout`, len(a), len(a+b), t2),
		}},
		{"docker: unescaped and joined", container.Docker, 0,
			docker(t1, "stdout", `GET \"/a\"\n`) + docker(t2, "stderr", `GET /very/`) + docker(t3, "stderr", `long\n`), []string{
				fmt.Sprintf(`"GET \"/a\"" [0,%d) #1 time=%s stdout`, len(docker(t1, "stdout", `GET \"/a\"\n`)), t1),
				fmt.Sprintf(`"GET /very/long" [%d,%d) #2 time=%s stderr`, len(docker(t1, "stdout", `GET \"/a\"\n`)),
					len(docker(t1, "stdout", `GET \"/a\"\n`)+docker(t2, "stderr", `GET /very/`)+docker(t3, "stderr", `long\n`)), t2),
			}},
		{"auto: each line as what it is", container.Auto, 0,
			a + docker(t2, "stderr", `x\n`) + "plain line\n" + `{"log":1}` + "\n", []string{
				fmt.Sprintf(`"GET /a" [0,%d) #1 time=%s stdout`, len(a), t1),
				fmt.Sprintf(`"x" [%d,%d) #2 time=%s stderr`, len(a), len(a)+len(docker(t2, "stderr", `x\n`)), t2),
				fmt.Sprintf(`"plain line" [%d,%d) #3`, len(a)+len(docker(t2, "stderr", `x\n`)), len(a)+len(docker(t2, "stderr", `x\n`))+11),
				fmt.Sprintf(`"{\"log\":1}" [%d,%d) #4 err=%v`, len(a)+len(docker(t2, "stderr", `x\n`))+11, len(a)+len(docker(t2, "stderr", `x\n`))+11+10, container.ErrDockerLog),
			}},
		{"plain: lines as they are", container.Plain, 0, a, []string{
			fmt.Sprintf(`%q [0,%d) #1`, strings.TrimSuffix(a, "\n"), len(a)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open("-", strings.NewReader(tt.input), tt.max)
			if err != nil {
				t.Fatal(err)
			}
			f.SetFormat(tt.format)
			var got []string
			for {
				l, err := f.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, shown(l))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if f.Offset() != int64(len(tt.input)) {
				t.Errorf("Offset() = %d at the end, want %d", f.Offset(), len(tt.input))
			}
		})
	}
}

// TestTailerHoldsUnfinishedContainerLines: a followed CRI file's line
// whose last piece is not written yet is not handed out, and the file's
// position stays at its first piece; it is handed out whole once the last
// piece comes, or as it is when the file is let go.
func TestTailerHoldsUnfinishedContainerLines(t *testing.T) {
	tt := newTail(t, func(tt *tail, c *TailerConfig) { c.Inputs[0].Format = container.CRI })
	a, b := cri(t1, "stdout", "F", "a"), cri(t2, "stdout", "P", "b1-")
	tt.write("app.log", a+b)
	tt.cycle()
	tt.expect("a")
	f := tt.tl.Files()[0]
	if got := f.fo.offset(); got != int64(len(a)) {
		t.Fatalf("position %d with a line unfinished, want %d (its first piece)", got, len(a))
	}
	tt.write("app.log", cri(t2, "stderr", "F", "err"))
	tt.cycle()
	tt.expect("err")
	tt.write("app.log", cri(t3, "stdout", "P", "b2-")+cri(t3, "stdout", "F", "b3"))
	var got []Line
	if _, err := tt.tl.Poll(func(_ *Followed, l *Line) error {
		c := *l
		c.Data = []byte(string(l.Data))
		got = append(got, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	size := fileSize(t, tt.path("app.log"))
	if len(got) != 1 || string(got[0].Data) != "b1-b2-b3" || got[0].Offset != int64(len(a)) || got[0].End != size {
		t.Fatalf("got %v, want the joined line b1-b2-b3 at [%d,%d)", got, len(a), size)
	}
	if tm := linemeta.Get(got[0].Meta, linemeta.ContainerTime); string(tm) != t2 {
		t.Errorf("time %s, want the first piece's %s", tm, t2)
	}
	if got := f.fo.offset(); got != size {
		t.Errorf("position %d after the line, want the file's end %d", got, size)
	}

	// Let go with a line unfinished (and a last record without its
	// newline): both are handed out, and the file's known offset is its end.
	tt.write("app.log", cri(t3, "stdout", "P", "c1-")+strings.TrimSuffix(cri(t3, "stdout", "P", "c2"), "\n"))
	if err := os.Remove(tt.path("app.log")); err != nil {
		t.Fatal(err)
	}
	tt.cycle() // it grew: read on
	tt.now = tt.now.Add(time.Second)
	tt.cycle() // idle: the deletion is noticed
	tt.expect("")
	tt.now = tt.now.Add(10 * time.Second)
	tt.cycle()
	tt.expect("c1-c2")
	if want := fmt.Sprintf("released app.log %d", size+int64(len(cri(t3, "stdout", "P", "c1-")+cri(t3, "stdout", "P", "c2"))-1)); len(tt.closes) != 1 || tt.closes[0] != want {
		t.Errorf("closes %q, want %q", tt.closes, want)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestTailerRestartsContainerFileAtTruncation: a truncated container log
// forgets its unfinished line and reads the new content from the start.
func TestTailerRestartsContainerFileAtTruncation(t *testing.T) {
	tt := newTail(t, func(tt *tail, c *TailerConfig) { c.Inputs[0].Format = container.CRI })
	tt.write("app.log", cri(t1, "stdout", "F", "a")+cri(t1, "stdout", "P", "half-"))
	tt.cycle()
	tt.expect("a")
	if err := os.Truncate(tt.path("app.log"), 0); err != nil {
		t.Fatal(err)
	}
	tt.write("app.log", cri(t2, "stdout", "F", "new"))
	tt.cycle()
	tt.expect("new")
}

func TestUnwrapAllocatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	var b strings.Builder
	for i := range 2000 {
		if i%10 == 0 {
			b.WriteString(cri(t1, "stdout", "P", strings.Repeat("x", 100)))
		}
		b.WriteString(cri(t1, "stdout", "F", "10.0.0.1:5000 [01/Dec/2026:10:00:00.000] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\""))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.SetFormat(container.CRI)
	for range 100 { // grow the buffers
		f.Next()
	}
	if n := testing.AllocsPerRun(1000, func() {
		if _, err := f.Next(); err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("unwrapping allocates %v times a line", n)
	}
}
