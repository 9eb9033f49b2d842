// Command haproxylines prints HAProxy-shaped log lines to stdout and stderr,
// as HAProxy does with "log stdout format raw" in a container, for the
// tests that run it in a container and read the log its runtime writes
// (internal/pipeline/podman_test.go). Two lines are long: the runtime
// writes them in pieces (CRI P records), one longer than logspan's 64 KiB
// line limit. The test runs it outside a container too, for the lines
// each span must come from.
package main

import (
	"fmt"
	"os"
	"strings"
)

// lines returns the lines for stdout and those for stderr.
func lines() (out, err []string) {
	line := func(client, date, path string, status, ta int) string {
		return fmt.Sprintf("%s [%s] web~ app/srv1 1/0/2/%d/%d %d 512 - - ---- 3/3/1/1/0 0/0 \"GET %s HTTP/1.1\"",
			client, date, ta-3, ta, status, path)
	}
	out = []string{
		line("10.0.0.1:40001", "01/Dec/2026:10:00:00.001", "/index.html", 200, 10),
		line("10.0.0.3:40003", "01/Dec/2026:10:00:00.003", "/long/"+strings.Repeat("a", 20000), 200, 30),
		line("10.0.0.4:40004", "01/Dec/2026:10:00:00.004", "/huge/"+strings.Repeat("b", 70000), 414, 40),
	}
	err = []string{
		line("10.0.0.2:40002", "01/Dec/2026:10:00:00.002", "/missing", 404, 20),
	}
	return out, err
}

func main() {
	out, errs := lines()
	for _, l := range out[:1] {
		fmt.Fprintln(os.Stdout, l)
	}
	for _, l := range errs {
		fmt.Fprintln(os.Stderr, l)
	}
	for _, l := range out[1:] {
		fmt.Fprintln(os.Stdout, l)
	}
}
