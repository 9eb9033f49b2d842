package syslog

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// serveTCP accepts connections until ctx ends, reading each on a goroutine
// of its own into the queue. While the queue is full a connection is not
// read, so the sender's socket buffer fills and the sender waits: TCP
// messages are not dropped, they are held back.
func (s *Stream) serveTCP(ctx context.Context) error {
	var (
		mu     sync.Mutex
		conns  = map[net.Conn]struct{}{}
		closed bool
		wg     sync.WaitGroup
	)
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		closed = true
		for c := range conns {
			_ = c.Close()
		}
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer func() {
		stop()
		closeAll()
		wg.Wait()
	}()
	var backoff time.Duration
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors or the like: wait, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.cfg.Log.Warn("syslog: accept failed, retrying", "listen", s.cfg.Addr.URL, "err", err, "in", backoff)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		mu.Lock()
		if closed || len(conns) >= s.cfg.MaxConnections {
			mu.Unlock()
			_ = c.Close()
			if !closed {
				s.Stats.Rejected.Add(1)
				s.cfg.Log.Warn("syslog: too many connections, one closed", "listen", s.cfg.Addr.URL, "from", c.RemoteAddr().String(), "max", s.cfg.MaxConnections)
			}
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		s.Stats.Connections.Add(1)
		wg.Go(func() {
			s.readConn(ctx, c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			_ = c.Close()
			s.Stats.Connections.Add(-1)
		})
	}
}

// readConn reads one connection's messages into the queue until the
// sender closes it or ctx ends.
func (s *Stream) readConn(ctx context.Context, c net.Conn) {
	f := NewFramer(c, s.cfg.MaxMessage)
	for {
		msg, cut, err := f.Next()
		if err != nil {
			if err != io.EOF && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.cfg.Log.Warn("syslog: connection ended", "listen", s.cfg.Addr.URL, "from", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		s.Stats.Received.Add(1)
		if cut {
			s.Stats.Cut.Add(1)
		}
		if s.queue.Push(ctx, msg, cut) != nil {
			return
		}
	}
}
