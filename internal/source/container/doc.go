// Package container reads the wrappers that container runtimes put around
// each line a program writes to its standard output or error, so that the
// rules see the program's own line, as they would in a plain log file.
//
// Two wrappers exist in practice:
//
//   - CRI (Kubernetes: containerd, CRI-O; Podman's k8s-file driver), one
//     record a line: "2026-12-01T10:00:00.123456789Z stdout F <line>". A
//     line longer than the runtime's buffer is written as several records,
//     each tagged P (partial) but the last, tagged F.
//   - Docker's json-file driver, one JSON object a line:
//     {"log":"<line>\n","stream":"stdout","time":"2026-…Z"}. A line longer
//     than 16 KiB is split into several records whose log does not end in a
//     newline but the last.
//
// A record is decoded without allocating (ParseCRI slices the line;
// Docker unescapes into a buffer it reuses), and a Joiner puts the records
// of one line back together, per stream, within a byte limit. Both know
// nothing of files: package source feeds them the lines of a file and
// keeps the file's offsets right, and Pod reads Kubernetes metadata from a
// log file's path.
//
// One idea per file: format.go (the names an operator writes), record.go
// (a decoded record), cri.go, docker.go and decoder.go (reading one record
// in a format, or either), joiner.go (joining partial records), pod.go
// (what a path under /var/log/pods says).
package container
