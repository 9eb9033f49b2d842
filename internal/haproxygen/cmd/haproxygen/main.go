// Command haproxygen prints synthetic HAProxy httplog lines from
// internal/haproxygen, for shell scripts that need a log whose every line
// becomes exactly one span with its own id (scripts/image-ci.sh counts them
// at a receiver). Lines from different seeds differ from each other too, so
// a script can write batches with seeds 1, 2, 3 and expect their sum.
//
//	haproxygen -seed 1 -n 200 >>haproxy.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/logspan/logspan/internal/haproxygen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "haproxygen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("haproxygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 0, "which sequence of lines")
	n := fs.Int("n", 100, "how many lines")
	step := fs.Duration("step", time.Millisecond, "time between the accept dates of consecutive lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *n < 0 {
		return fmt.Errorf("-n %d: want 0 or more lines", *n)
	}
	g := haproxygen.New(haproxygen.Config{Seed: *seed, Step: *step})
	w := bufio.NewWriter(stdout)
	var line []byte
	for range *n {
		line = append(g.Append(line[:0]), '\n')
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("stdout: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	return nil
}
