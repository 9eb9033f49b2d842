package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockName is the lock file in the state directory. It is never removed:
// removing a lock file lets a second daemon lock a new file of the same name
// while the first still holds the old one.
const lockName = "lock"

// lockDir takes an exclusive, non-blocking flock on dir/lock and writes the
// holder's pid into it. Two daemons sharing a state directory would overwrite
// each other's checkpoints, so a second one must fail at once with a message
// that says which process to look at, not wait. flock is released by the
// kernel when the process dies, so a crash never leaves a stale lock.
func lockDir(dir string) (*os.File, error) {
	name := filepath.Join(dir, lockName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, operatorError(dir, err)
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readPid(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another logspan (pid %s) is using state directory %s (stop it, or give each daemon its own --state-dir)", holder, dir)
		}
		return nil, fmt.Errorf("state directory %s: lock %s: %w", dir, name, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(pid, 0)
	}
	if err != nil {
		f.Close() // also releases the lock
		return nil, operatorError(dir, fmt.Errorf("write pid to %s: %w", name, err))
	}
	return f, nil
}

// unlockDir releases the lock and closes the lock file. The pid is left in
// the file; it is only read while someone holds the lock, who rewrote it.
func unlockDir(f *os.File) error {
	uerr := flock(f, syscall.LOCK_UN)
	cerr := f.Close()
	if uerr != nil {
		return fmt.Errorf("unlock %s: %w", f.Name(), uerr)
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", f.Name(), cerr)
	}
	return nil
}

// flock calls flock(2), retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// readPid returns the pid written in the lock file by its holder, or
// "unknown" when it cannot be read (the holder may be between truncating and
// writing it).
func readPid(f *os.File) string {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return "unknown"
	}
	s := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(s); err != nil {
		return "unknown"
	}
	return s
}
