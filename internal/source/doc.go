// Package source reads log lines from files, each with the file it came from
// and its byte offset, so that later stages can report where a line is and a
// checkpoint can say how far a file has been delivered.
//
// A backfill reads each file once, from start to end (Open): plain text,
// gzip (recognised by its magic bytes, whatever its name) or standard
// input. The daemon follows files as they grow (Tailer), through rotation,
// compression, truncation and deletion, resuming each at its checkpoint.
// Either way, lines longer than a limit are cut and counted, never a reason
// to stop reading, and invalid UTF-8 is replaced so that every later stage
// sees valid text.
//
// One idea per file:
//
//   - reader.go, line.go: splitting a stream into Lines (Reader); file.go
//     opens a file read whole.
//   - tailfile.go, follow.go: reading one followed file from an offset
//     (plain with pread and a check of the bytes before the position, gzip
//     decompressed), holding back a last line without its newline.
//   - lifecycle.go: following one file as a state machine (grow, rotate,
//     delete, truncate, let go), free of system calls.
//   - find.go: which paths the inputs' globs match, and why none when that
//     is a problem (report.go logs each problem once).
//   - known.go: the files read before and not followed now, matched by
//     fileid (package fileid: the one file identity, which checkpoints
//     store as they are).
//   - start.go: where a found file starts being read.
//   - tailer.go, followed.go: the set of followed files across polls, and
//     what the caller sees of each.
package source
