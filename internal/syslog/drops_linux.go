package syslog

import (
	"encoding/binary"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// reportDrops turns on SO_RXQ_OVFL: every datagram read then comes with
// the number of datagrams the kernel dropped on the socket so far.
func reportDrops(c *net.UDPConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
	}); err != nil {
		return err
	}
	return serr
}

// droppedCount finds the SO_RXQ_OVFL count in a datagram's control
// messages; the kernel sends it only once drops are not zero.
func droppedCount(oob []byte) (int64, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		size := int(h.Len)
		if size < unix.SizeofCmsghdr || size > len(oob) {
			return 0, false
		}
		data := oob[unix.CmsgLen(0):size]
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && len(data) >= 4 {
			return int64(binary.NativeEndian.Uint32(data)), true
		}
		next := unix.CmsgSpace(size - unix.CmsgLen(0))
		if next > len(oob) {
			return 0, false
		}
		oob = oob[next:]
	}
	return 0, false
}
