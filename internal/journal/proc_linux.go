package journal

import "syscall"

// sysProcAttr puts journalctl in a process group of its own and has the
// kernel kill it when logspan dies, even by SIGKILL: a journalctl left
// behind would wait for the next entry before noticing its reader is gone.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
