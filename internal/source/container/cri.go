package container

import (
	"bytes"
	"errors"
)

// Why a line is not a CRI record. The errors are fixed values, so that a
// file of garbage costs no allocation per line.
var (
	ErrCRITime   = errors.New("not a CRI record: it does not start with an RFC 3339 time")
	ErrCRIStream = errors.New("not a CRI record: no stdout or stderr after the time")
	ErrCRITag    = errors.New("not a CRI record: no P or F tag after the stream")
)

// ParseCRI decodes one line of a CRI log file:
//
//	<time> <stream> <tags> <log>
//
// where time is RFC 3339 (nanoseconds in practice), stream is stdout or
// stderr, and tags is P (partial: the line continues in the next record of
// the stream) or F (full: this record ends it), perhaps followed by further
// tags after a colon, which are ignored. An empty log may lose its
// separating space. The Record's slices point into line.
func ParseCRI(line []byte) (Record, error) {
	var r Record
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || !rfc3339(line[:sp]) {
		return r, ErrCRITime
	}
	r.Time, line = line[:sp], line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp < 0 {
		return r, ErrCRIStream
	}
	s, ok := streamOf(line[:sp])
	if !ok {
		return r, ErrCRIStream
	}
	r.Stream, line = s, line[sp+1:]
	tags := line
	if sp = bytes.IndexByte(line, ' '); sp >= 0 {
		tags, r.Log = line[:sp], line[sp+1:]
	} else {
		r.Log = line[len(line):]
	}
	if len(tags) == 0 || len(tags) > 1 && tags[1] != ':' {
		return r, ErrCRITag
	}
	switch tags[0] {
	case 'P':
		r.Partial = true
	case 'F':
	default:
		return r, ErrCRITag
	}
	return r, nil
}

// rfc3339 says b looks like an RFC 3339 time: a date, T, a time of day,
// then only digits and the characters of fractions and zones. It checks the
// shape, not the calendar: the time is the rules' to parse, if they want it,
// and a cheap test here keeps auto-detection from taking a plain line that
// starts with a date for a record.
func rfc3339(b []byte) bool {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		c := b[i]
		if shape[i] == 'd' {
			if c < '0' || c > '9' {
				return false
			}
		} else if c != shape[i] && !(shape[i] == 'T' && c == 't') {
			return false
		}
	}
	for _, c := range b[len(shape):] {
		if (c < '0' || c > '9') && c != '.' && c != ':' && c != '+' && c != '-' && c != 'Z' && c != 'z' {
			return false
		}
	}
	return true
}
