package container

import "fmt"

// Format says how the lines of a file are wrapped. The zero value is Plain,
// so a file input that says nothing reads its lines as they are.
type Format uint8

const (
	// Plain lines are the program's own lines.
	Plain Format = iota
	// CRI lines are records of the Container Runtime Interface log format.
	CRI
	// Docker lines are records of Docker's json-file logging driver.
	Docker
	// Auto decides per line: a CRI record, a Docker record (a line that
	// starts with {"log":), or else a plain line.
	Auto
)

// formatNames are the names rules.yaml and the command line use, by Format.
var formatNames = [...]string{Plain: "plain", CRI: "cri", Docker: "docker", Auto: "auto"}

// ParseFormat returns the Format named s ("plain", "cri", "docker" or
// "auto"). It is the one place that knows the names, for rules.yaml and the
// command line alike.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), nil
		}
	}
	return Plain, fmt.Errorf("unknown format %q (expected cri, docker, auto or plain)", s)
}

// String is the Format's name, as ParseFormat reads it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}
