//go:build !linux

package journal

import "syscall"

// sysProcAttr puts journalctl in a process group of its own.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
