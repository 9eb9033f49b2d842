// Command logsink is the end-to-end test's syslog daemon: it receives
// HAProxy's log messages on a UDP port and appends each one as a line to a
// file, which it reopens on SIGHUP, as rsyslog does for logrotate. So the log
// can be rotated by rename (mv haproxy.log haproxy.log.1; kill -HUP) while
// HAProxy keeps logging.
//
// A leading syslog priority (<134>) is dropped, as rsyslog's file format
// does; the rest of the message (rfc3164 header or raw) is kept.
//
//	logsink -listen 127.0.0.1:5140 -file /tmp/e2e/haproxy.log
//
// No message is lost across a reopen: one goroutine receives and writes, and
// the reopen happens between two writes, while the socket buffers what
// arrives. SIGTERM or SIGINT stop it after writing what is already queued.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5140", "UDP address to receive syslog messages on")
	path := flag.String("file", "haproxy.log", "file to append the messages to, reopened on SIGHUP")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*listen, *path, log); err != nil {
		log.Error("logsink failed", "err", err)
		os.Exit(1)
	}
}

func run(listen, path string, log *slog.Logger) error {
	conn, err := net.ListenPacket("udp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer conn.Close()
	if uc, ok := conn.(*net.UDPConn); ok {
		// Room for bursts while the file is being reopened (the kernel
		// caps it at net.core.rmem_max).
		_ = uc.SetReadBuffer(4 << 20)
	}
	f, err := openLog(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)

	msgs := make(chan []byte, 4096)
	go receive(conn, msgs, log)
	log.Info("logsink ready", "listen", conn.LocalAddr().String(), "file", path)

	var written, reopens int
	for {
		select {
		case m := <-msgs:
			if err := write(f, m); err != nil {
				return err
			}
			written++
		case <-hup:
			nf, err := openLog(path)
			if err != nil {
				log.Error("reopen failed, still writing to the old file", "err", err)
				continue
			}
			if err := f.Close(); err != nil {
				log.Warn("close of the old file", "err", err)
			}
			f = nf
			reopens++
			log.Info("reopened", "file", path, "messages", written)
		case <-ctx.Done():
			// Take what arrived already; HAProxy has stopped by now.
			drain := time.After(200 * time.Millisecond)
			for {
				select {
				case m := <-msgs:
					if err := write(f, m); err != nil {
						return err
					}
					written++
				case <-drain:
					log.Info("logsink stopped", "messages", written, "reopens", reopens)
					return nil
				}
			}
		}
	}
}

// receive reads datagrams into msgs until the socket is closed.
func receive(conn net.PacketConn, msgs chan<- []byte, log *slog.Logger) {
	buf := make([]byte, 64<<10)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Error("receive", "err", err)
			}
			return
		}
		msgs <- line(buf[:n])
	}
}

// line turns a syslog datagram into a log line: without its <PRI> prefix
// and trailing newlines or NULs, with one newline at the end.
func line(m []byte) []byte {
	if len(m) > 2 && m[0] == '<' {
		if i := bytes.IndexByte(m[:min(len(m), 6)], '>'); i > 1 {
			m = m[i+1:]
		}
	}
	m = bytes.TrimRight(m, "\r\n\x00")
	out := make([]byte, len(m)+1)
	copy(out, m)
	out[len(m)] = '\n'
	return out
}

func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

func write(f *os.File, m []byte) error {
	if _, err := f.Write(m); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return nil
}
