// Command otlpcount is an OTLP/gRPC trace receiver for shell scripts (the
// container image check, scripts/image-ci.sh): a logspan under test, in
// another process or a container on the host network, exports to it, and the
// script asks it how many spans arrived and how many of them were distinct,
// which tells a lost line from a line sent twice (logspan derives span ids
// from the line).
//
// It serves an otlptest.Receiver that keeps span ids only, prints
// "listening HOST:PORT" on stdout, then answers each line read from stdin
// with "SPANS DISTINCT" and exits when stdin closes, the protocol bench's
// receiver speaks, so a script runs it as a coprocess:
//
//	coproc RECV { otlpcount -listen 127.0.0.1:0; }
//	read -r _ addr <&"${RECV[0]}"
//	echo ? >&"${RECV[1]}"; read -r spans distinct <&"${RECV[0]}"
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/logspan/logspan/internal/otlptest"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "otlpcount:", err)
		os.Exit(1)
	}
}

// run serves until stdin ends. An Export call is counted before it is
// answered, so a question asked after the sender saw its export acknowledged
// gets an answer that includes it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("otlpcount", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve OTLP/gRPC on (port 0: a free one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	r, err := otlptest.Listen(*listen)
	if err != nil {
		return err
	}
	defer r.Stop()
	r.KeepIDsOnly()
	if _, err := fmt.Fprintf(stdout, "listening %s\n", r.Addr()); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	in := bufio.NewScanner(stdin)
	for in.Scan() {
		if _, err := fmt.Fprintf(stdout, "%d %d\n", r.SpanCount(), r.DistinctSpanIDs()); err != nil {
			return fmt.Errorf("stdout: %w", err)
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	return nil
}
