package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is what one process cost: wall time from start to exit, CPU time
// (user plus system) and peak resident memory, from the kernel's rusage.
type usage struct {
	Wall    time.Duration
	CPU     time.Duration
	PeakRSS int64 // bytes
}

// procHandle is a started child process and when it started.
type procHandle struct {
	cmd    *exec.Cmd
	start  time.Time
	stderr *bytes.Buffer
}

// start starts name with args, its output thrown away but for the last
// stderr, kept for error messages.
func start(env []string, stdout io.Writer, name string, args ...string) (*procHandle, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	h := &procHandle{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = h.stderr
	h.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return h, nil
}

// startPiped starts name with its stdin and stdout connected to the caller.
func startPiped(name string, env []string) (*procHandle, io.WriteCloser, io.Reader, error) {
	cmd := exec.Command(name)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	h := &procHandle{cmd: cmd, start: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	return h, in, out, nil
}

// wait waits for the process and returns its cost; a non-zero exit is an
// error that quotes the end of its stderr.
func (h *procHandle) wait() (usage, error) {
	err := h.cmd.Wait()
	u := usage{Wall: time.Since(h.start)}
	if st := h.cmd.ProcessState; st != nil {
		u.CPU = st.UserTime() + st.SystemTime()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			u.PeakRSS = ru.Maxrss << 10 // Linux reports KiB
		}
	}
	if err != nil {
		msg := ""
		if h.stderr != nil {
			msg = lastLines(h.stderr.String(), 5)
		}
		return u, fmt.Errorf("%s: %w\n%s", h.cmd.Path, err, msg)
	}
	return u, nil
}

// run runs name to completion and returns its cost and its stderr.
func run(env []string, name string, args ...string) (usage, string, error) {
	h, err := start(env, nil, name, args...)
	if err != nil {
		return usage{}, "", err
	}
	u, err := h.wait()
	return u, h.stderr.String(), err
}

// cpuOf reads the CPU time a live process has used so far from
// /proc/PID/stat (utime and stime, in clock ticks of 1/100 s).
func cpuOf(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// After the name: state(0) ... utime(11) stime(12).
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
