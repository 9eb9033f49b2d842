// Package syslog receives syslog messages over UDP, TCP and unix datagram
// sockets, so that a program such as HAProxy, which logs to a syslog
// server, can log straight to logspan with no file in between.
//
// Each message's header (RFC 3164 in its local and network forms, RFC
// 5424, and HAProxy's shorter forms) is parsed and its values go with the
// line as metadata (syslog.hostname, syslog.app_name, ...); the message
// after the header is the line the rules see. A message without a valid
// header is the line as it came, and is counted.
//
// Syslog cannot be replayed, so delivery is only as good as the transport:
// datagrams (UDP, unix) are not acknowledged, and what arrives while the
// pipeline takes no lines waits in a bounded queue, beyond which messages
// are dropped and counted; a TCP connection is simply not read while the
// queue is full, which stops the sender (backpressure).
//
// One idea per file:
//
//   - header.go, rfc3164.go, rfc5424.go, timestamp.go: parsing a header.
//   - framing.go: splitting a TCP stream into messages (RFC 6587 octet
//     counting or newlines, detected per frame).
//   - queue.go: the bounded queue between the sockets and the pipeline.
//   - addr.go, config.go: where a receiver listens, and its bounds.
//   - datagram.go, drops_linux.go: UDP and unix datagrams, one reading
//     goroutine per socket; the kernel's own drop count (SO_RXQ_OVFL).
//   - unixsock.go: the unix socket's file (stale ones, permissions).
//   - tcp.go: TCP connections, a bounded number, one goroutine each.
//   - stream.go: the receiver as a pipeline.Stream; stats.go its metrics.
package syslog
