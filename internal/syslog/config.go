package syslog

import (
	"io/fs"
	"log/slog"

	"github.com/logspan/logspan/internal/source"
)

// Defaults of a receiver; Config.WithDefaults is the one place they apply.
const (
	// DefaultQueueMessages holds about 10 seconds of a busy HAProxy's
	// lines while the collector is away.
	DefaultQueueMessages = 10000
	// DefaultQueueBytes bounds the same queue in memory: 10,000 HAProxy
	// lines take about 4 MiB.
	DefaultQueueBytes = 8 << 20
	// DefaultMaxConnections bounds TCP senders: a proxy opens one
	// connection per log target and process.
	DefaultMaxConnections = 64
	// DefaultSocketMode lets the socket's owner and group send to a unix
	// socket.
	DefaultSocketMode fs.FileMode = 0o660
)

// Config says where a receiver listens and how much it holds.
type Config struct {
	Addr Addr
	// QueueMessages and QueueBytes bound the queue between the socket
	// and the pipeline (see Queue). QueueBytes is raised to MaxMessage.
	QueueMessages int
	QueueBytes    int
	// MaxMessage is the longest message kept whole; longer ones are cut
	// and counted (default: the longest line of a file,
	// source.DefaultMaxLineBytes).
	MaxMessage int
	// MaxConnections bounds the TCP connections open at once; more are
	// closed as they come, and counted.
	MaxConnections int
	// SocketMode is the unix socket's permission bits.
	SocketMode fs.FileMode
	Log        *slog.Logger
}

// WithDefaults returns c with every unset value at its default.
func (c Config) WithDefaults() Config {
	if c.QueueMessages <= 0 {
		c.QueueMessages = DefaultQueueMessages
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = DefaultQueueBytes
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = source.DefaultMaxLineBytes
	}
	c.QueueBytes = max(c.QueueBytes, c.MaxMessage)
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.SocketMode == 0 {
		c.SocketMode = DefaultSocketMode
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}
