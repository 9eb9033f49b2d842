// Package journal reads the systemd journal as a stream of lines, so that
// services logging to it (HAProxy with `log stdout`, nginx under systemd)
// become spans like lines of a file.
//
// It runs `journalctl --follow --output=json` as a child process rather
// than linking libsystemd: logspan stays one static binary, and journalctl
// already knows every journal file format, rotation and permission rule.
// Each JSON entry becomes a source.Line: its MESSAGE the text, a few
// well-known fields (_SYSTEMD_UNIT, _HOSTNAME, …) the line's metadata, and
// its __CURSOR the line's Position, so that the daemon can resume just
// after the last entry the collector acknowledged.
//
// One idea per file:
//
//   - command.go: the journalctl command line for where a run starts (a
//     cursor, the configured start, the moment of a first start).
//   - entry.go: decoding one JSON entry, allocation-free, into a batch's
//     buffers.
//   - child.go: the journalctl process: its own process group, stopped
//     with the context, its stderr logged with what to do about it.
//   - hint.go: what journalctl's complaints mean for an operator.
//   - stream.go: the Stream the daemon runs: batches delivered with
//     backpressure, journalctl restarted with backoff after the last
//     cursor delivered.
package journal
