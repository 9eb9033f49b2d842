// Package source reads log lines from files, each with the file it came from
// and its byte offset, so that later stages can report where a line is and a
// checkpoint can say how far a file has been delivered.
//
// For a backfill, a file is read once from start to end: plain text, gzip
// (recognised by its magic bytes, whatever its name) or standard input. Lines
// longer than a limit are cut and counted, never a reason to stop reading, and
// invalid UTF-8 is replaced so that every later stage sees valid text.
package source
