package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/logspan/logspan/internal/otlptest"
)

// receiverEnv, when set in the environment, makes the bench binary run as
// the OTLP receiver instead: the bench starts itself again with it, so the
// receiver is a separate process from both the bench and logspan, as a
// collector would be.
const receiverEnv = "LOGSPAN_BENCH_RECEIVER"

// runReceiver serves an otlptest.Counter (a real OTLP/gRPC receiver that
// acknowledges every request and counts spans without decoding them) on a
// loopback port. It prints "listening ADDR" on stdout, then answers each
// line read from stdin with "SPANS REQUESTS", and exits when stdin closes.
func runReceiver() error {
	c, err := otlptest.ListenCounter("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer c.Stop()
	fmt.Printf("listening %s\n", c.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Printf("%d %d\n", c.Spans(), c.Requests())
	}
	if err := in.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// receiverProc is the bench's handle on its receiver process.
type receiverProc struct {
	cmd  *procHandle
	addr string
	in   io.WriteCloser
	out  *bufio.Scanner
}

// counts asks the receiver for its span and request counts.
func (p *receiverProc) counts() (spans, requests int64, err error) {
	if _, err := io.WriteString(p.in, "?\n"); err != nil {
		return 0, 0, err
	}
	if !p.out.Scan() {
		return 0, 0, fmt.Errorf("receiver: no answer: %v", p.out.Err())
	}
	if _, err := fmt.Sscan(p.out.Text(), &spans, &requests); err != nil {
		return 0, 0, fmt.Errorf("receiver: answer %q: %w", p.out.Text(), err)
	}
	return spans, requests, nil
}

// startReceiver starts the bench binary again as the receiver.
func startReceiver() (*receiverProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	h, in, out, err := startPiped(self, []string{receiverEnv + "=1"})
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		return nil, fmt.Errorf("receiver: did not start: %v", sc.Err())
	}
	var addr string
	if _, err := fmt.Sscanf(sc.Text(), "listening %s", &addr); err != nil {
		return nil, fmt.Errorf("receiver: %q: %w", sc.Text(), err)
	}
	return &receiverProc{cmd: h, addr: addr, in: in, out: sc}, nil
}
