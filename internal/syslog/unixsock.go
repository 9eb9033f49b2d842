package syslog

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// listenUnixgram binds a unix datagram socket at path with the permission
// bits mode, creating its directory if needed. A socket file left by a
// process that is gone is removed first; a socket another process still
// receives on, or a file that is not a socket, is an error and left alone.
// remove deletes the socket file, if it is still the one bound here.
func listenUnixgram(path string, mode fs.FileMode) (c *net.UnixConn, remove func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, nil, err
	}
	c, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, nil, err
	}
	fi, err := os.Lstat(path)
	if err == nil {
		err = os.Chmod(path, mode)
	}
	if err != nil {
		_ = c.Close()
		_ = os.Remove(path)
		return nil, nil, err
	}
	_ = c.SetReadBuffer(receiveBuffer) // best effort: capped by the kernel
	remove = func() {
		if now, err := os.Lstat(path); err == nil && os.SameFile(fi, now) {
			_ = os.Remove(path) // not a socket a later process bound
		}
	}
	return c, remove, nil
}

// removeStale removes a socket file at path that no process receives on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket (not removed)", path)
	}
	probe, err := net.Dial("unixgram", path)
	if err == nil {
		_ = probe.Close()
		return fmt.Errorf("%s: another process receives on this socket", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%s: cannot tell whether the socket is in use: %w", path, err)
	}
	return os.Remove(path)
}
