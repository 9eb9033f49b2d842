package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopWait is how long journalctl has to exit after SIGTERM before it is
// killed.
const stopWait = 5 * time.Second

// child is one running journalctl.
type child struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr *stderrLog
}

// startChild starts program with args in a process group of its own, so
// that stopping it reaches anything it started too. When ctx ends the
// group gets SIGTERM, and the process SIGKILL if it has not exited
// stopWait later; wait must be called in every case, so that no zombie is
// left.
func startChild(ctx context.Context, program string, args []string, log *slog.Logger) (*child, error) {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		// The group's id is the child's pid (Setpgid).
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	cmd.WaitDelay = stopWait
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("journalctl: %w", err)
	}
	c := &child{cmd: cmd, stdout: stdout, stderr: &stderrLog{log: log}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot run %s: not found (%s)", program, notFoundHint)
		}
		return nil, fmt.Errorf("cannot run %s: %w", program, err)
	}
	return c, nil
}

// wait waits for the child to exit and returns why it did, in words for
// the operator: its exit status and the last thing it said.
func (c *child) wait() error {
	err := c.cmd.Wait()
	last := c.stderr.last()
	switch {
	case err == nil && last == "":
		return errors.New("journalctl exited")
	case err == nil:
		return fmt.Errorf("journalctl exited: %s", last)
	case last == "":
		return fmt.Errorf("journalctl: %w", err)
	}
	return fmt.Errorf("journalctl: %w: %s", err, last)
}

// badCursor says journalctl refused the cursor it was started with.
func (c *child) badCursor() bool {
	return c.stderr.sawBadCursor()
}

// stderrLog logs each line journalctl writes to its standard error as a
// warning, with advice when the line is one hint knows, and keeps the last
// one for the message about its exit. os/exec copies into it on a
// goroutine of its own, and Wait returns only after the copy is done.
type stderrLog struct {
	log *slog.Logger

	mu        sync.Mutex
	partial   []byte
	lastLine  string
	badCursor bool
}

// maxStderrLine bounds what is kept of a line of journalctl's complaints.
const maxStderrLine = 1024

func (s *stderrLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if room := maxStderrLine - len(s.partial); room > 0 {
				s.partial = append(s.partial, p[:min(room, len(p))]...)
			}
			break
		}
		if room := maxStderrLine - len(s.partial); room > 0 {
			s.partial = append(s.partial, p[:min(room, i)]...)
		}
		s.line(string(s.partial))
		s.partial = s.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// line handles one complete line.
func (s *stderrLog) line(msg string) {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return
	}
	s.lastLine = msg
	if badCursor(msg) {
		s.badCursor = true
	}
	if h := hint(msg); h != "" {
		s.log.Warn("journal: journalctl: "+msg, "what to do", h)
		return
	}
	s.log.Warn("journal: journalctl: " + msg)
}

// last returns the last line written (a last line without its newline
// included).
func (s *stderrLog) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.line(string(s.partial))
		s.partial = s.partial[:0]
	}
	return s.lastLine
}

func (s *stderrLog) sawBadCursor() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.badCursor
}
