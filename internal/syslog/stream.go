package syslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// Stream is a syslog receiver as an input of the daemon (a
// pipeline.Stream): it listens on one socket, queues what arrives, and
// hands the messages to the pipeline as lines, with the header's values as
// the lines' metadata.
type Stream struct {
	cfg   Config
	Stats Stats
	queue *Queue

	udp    *net.UDPConn  // udp://
	unix   *net.UnixConn // unix://
	tcp    net.Listener  // tcp://
	remove func()        // removes the unix socket's file

	running   atomic.Bool
	closeOnce sync.Once
	number    int64 // lines handed over, for messages
}

// batchLines is the most lines handed to the pipeline at once: one chunk
// of the pipeline's.
const batchLines = 256

// New opens the socket cfg names, so that a port in use or a bad path is
// an error at startup and senders can send from now on; Run reads it.
// Close it if Run is never called.
func New(cfg Config) (*Stream, error) {
	cfg = cfg.WithDefaults()
	s := &Stream{cfg: cfg, queue: NewQueue(cfg.QueueMessages, cfg.QueueBytes, cfg.MaxMessage)}
	var err error
	switch a := cfg.Addr; a.Network {
	case "udp":
		s.udp, err = listenUDP(a.Address)
	case "unixgram":
		s.unix, s.remove, err = listenUnixgram(a.Address, cfg.SocketMode)
	case "tcp":
		s.tcp, err = net.Listen("tcp", a.Address)
	default:
		err = fmt.Errorf("unknown network %q", a.Network)
	}
	if err != nil {
		return nil, fmt.Errorf("syslog %s: %w", cfg.Addr.URL, err)
	}
	return s, nil
}

// LocalAddr is the address the socket is bound to (the port chosen when
// the URL said 0).
func (s *Stream) LocalAddr() net.Addr {
	switch {
	case s.udp != nil:
		return s.udp.LocalAddr()
	case s.unix != nil:
		return s.unix.LocalAddr()
	}
	return s.tcp.Addr()
}

// Queued is the number of messages waiting for the pipeline, those in the
// batch being handed over included.
func (s *Stream) Queued() int { return s.queue.Len() }

// Key is "": syslog cannot be replayed, so there is no position to keep.
func (s *Stream) Key() string { return "" }

// Run receives until ctx ends, handing what is at hand to deliver, a batch
// of up to batchLines lines at a time; from is ignored. It then closes the
// socket; messages still queued are counted as dropped (shutdown). It
// returns early only when the socket fails.
func (s *Stream) Run(ctx context.Context, _ string, deliver func([]source.Line) error) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("syslog: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var recvErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		recvErr = s.receive(ctx)
		cancel() // a failed socket ends the consumer too
	})
	s.cfg.Log.Info("receiving syslog", "listen", s.cfg.Addr.URL, "addr", s.LocalAddr().String())
	s.consume(ctx, deliver)
	cancel()
	s.Close()
	wg.Wait()
	s.Stats.DroppedShutdown.Add(int64(s.queue.Len()))
	return recvErr
}

// receive reads the socket into the queue until ctx ends or the socket
// fails.
func (s *Stream) receive(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	switch {
	case s.udp != nil:
		return s.readDatagrams(ctx, udpReader(s.udp, &s.Stats.DroppedReceiveBuffer))
	case s.unix != nil:
		return s.readDatagrams(ctx, s.unix.Read)
	}
	return s.serveTCP(ctx)
}

// consume hands the queue's messages to deliver until ctx ends.
func (s *Stream) consume(ctx context.Context, deliver func([]source.Line) error) {
	batch := make([]Message, 0, batchLines)
	lines := make([]source.Line, 0, batchLines)
	meta := make([]linemeta.Value, 0, batchLines*maxMeta)
	for {
		var err error
		if batch, err = s.queue.Take(ctx, batch, batchLines); err != nil {
			return
		}
		lines, meta = s.lines(batch, lines[:0], meta[:0])
		if deliver(lines) != nil {
			return // ctx ended: the batch stays queued, counted at shutdown
		}
		s.queue.Release()
	}
}

// lines turns messages into lines: the header parsed into metadata, the
// message after it as the line's text.
func (s *Stream) lines(batch []Message, lines []source.Line, meta []linemeta.Value) ([]source.Line, []linemeta.Value) {
	for _, m := range batch {
		data, invalid := m.Data, false
		if !utf8.Valid(data) {
			// Rare: replaced in a new slice so that every later stage
			// (and the header's values) sees valid text, as for files.
			data, invalid = bytes.ToValidUTF8(data, []byte("\uFFFD")), true
		}
		h, msg := Parse(data)
		if h.Form == NoHeader {
			s.Stats.NoHeader.Add(1)
		}
		start := len(meta)
		meta = h.AppendMeta(meta)
		s.number++
		l := source.Line{Data: msg, Number: s.number, Truncated: m.Cut, InvalidUTF8: invalid}
		if len(meta) > start {
			l.Meta = meta[start:len(meta):len(meta)]
		}
		lines = append(lines, l)
	}
	return lines, meta
}

// Close closes the socket (and removes a unix socket's file). Run closes
// it when it returns; call Close only for a Stream never run.
func (s *Stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		switch {
		case s.udp != nil:
			err = s.udp.Close()
		case s.unix != nil:
			err = s.unix.Close()
			s.remove()
		default:
			err = s.tcp.Close()
		}
	})
	return err
}
