package syslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
)

// receiveBuffer is the socket receive buffer asked for: room for bursts
// while the reader is descheduled. Linux grants at most
// net.core.rmem_max (often 208 KiB) to an unprivileged process.
const receiveBuffer = 4 << 20

// listenUDP binds a UDP socket and asks the kernel to report the
// datagrams it drops for a full receive buffer.
func listenUDP(address string) (*net.UDPConn, error) {
	addr, err := net.ResolveUDPAddr("udp", address)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(receiveBuffer) // best effort: capped by the kernel
	if err := reportDrops(c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// udpReader reads datagrams from c, storing in drops the count of
// datagrams the kernel dropped that comes with them.
func udpReader(c *net.UDPConn, drops *atomic.Int64) func([]byte) (int, error) {
	oob := make([]byte, 64)
	return func(b []byte) (int, error) {
		n, oobn, _, _, err := c.ReadMsgUDPAddrPort(b, oob)
		if d, ok := droppedCount(oob[:oobn]); ok {
			drops.Store(d)
		}
		return n, err
	}
}

// readDatagrams reads datagrams with read into the queue until the socket
// is closed. There is one goroutine per socket, however many senders: a
// datagram that finds the queue full is dropped and counted, since nothing
// can make its sender wait.
func (s *Stream) readDatagrams(ctx context.Context, read func([]byte) (int, error)) error {
	buf := make([]byte, s.cfg.MaxMessage+1) // one more byte shows a longer datagram
	for {
		n, err := read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("syslog %s: read: %w", s.cfg.Addr.URL, err)
		}
		s.Stats.Received.Add(1)
		cut := n > s.cfg.MaxMessage
		if cut {
			n = s.cfg.MaxMessage
			s.Stats.Cut.Add(1)
		}
		if !s.queue.Offer(buf[:n], cut) {
			s.Stats.DroppedQueueFull.Add(1)
		}
	}
}
