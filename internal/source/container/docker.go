package container

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// Why a line is not a Docker json-file record.
var (
	ErrDockerJSON   = errors.New("not a Docker json-file record: not a JSON object")
	ErrDockerLog    = errors.New("not a Docker json-file record: no log string")
	ErrDockerStream = errors.New("not a Docker json-file record: no stream stdout or stderr")
	ErrDockerTime   = errors.New("not a Docker json-file record: time is not an RFC 3339 string")
)

// DockerDecoder decodes the lines of a file written by Docker's json-file logging
// driver, one JSON object a line:
//
//	{"log":"GET / HTTP/1.1\n","stream":"stdout","time":"2026-12-01T10:00:00.123456789Z"}
//
// log is required and is unescaped; stream is required; time is optional;
// other members (attrs, with --log-opt labels=…) are skipped, in any order.
// A log that does not end in a newline is a piece of a longer line (Docker
// splits lines at 16 KiB) or a last line without one: the Record is
// Partial, and the Joiner waits for the rest.
//
// A DockerDecoder reuses its buffer: decoding allocates nothing once it has grown
// to the longest log, and each Record is valid until the next Decode.
type DockerDecoder struct {
	buf []byte
}

// Decode decodes one line.
func (d *DockerDecoder) Decode(line []byte) (Record, error) {
	var r Record
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return r, ErrDockerJSON
	}
	i = skipSpace(line, i+1)
	var haveLog, haveStream bool
	d.buf = d.buf[:0]
	for i < len(line) && line[i] != '}' {
		if line[i] != '"' {
			return r, ErrDockerJSON
		}
		ks, ke, esc, next := scanString(line, i)
		if next < 0 {
			return r, ErrDockerJSON
		}
		key := line[ks:ke]
		i = skipSpace(line, next)
		if i >= len(line) || line[i] != ':' {
			return r, ErrDockerJSON
		}
		i = skipSpace(line, i+1)
		switch {
		case !esc && string(key) == "log":
			if i >= len(line) || line[i] != '"' {
				return r, ErrDockerLog
			}
			vs, ve, vesc, vnext := scanString(line, i)
			if vnext < 0 {
				return r, ErrDockerJSON
			}
			if vesc {
				d.buf = unescape(d.buf[:0], line[vs:ve])
				r.Log = d.buf
			} else {
				r.Log = line[vs:ve]
			}
			haveLog, i = true, vnext
		case !esc && string(key) == "stream":
			vs, ve, vesc, vnext := -1, -1, false, -1
			if i < len(line) && line[i] == '"' {
				vs, ve, vesc, vnext = scanString(line, i)
			}
			if vnext < 0 || vesc {
				return r, ErrDockerStream
			}
			s, ok := streamOf(line[vs:ve])
			if !ok {
				return r, ErrDockerStream
			}
			r.Stream, haveStream, i = s, true, vnext
		case !esc && string(key) == "time":
			vs, ve, vesc, vnext := -1, -1, false, -1
			if i < len(line) && line[i] == '"' {
				vs, ve, vesc, vnext = scanString(line, i)
			}
			if vnext < 0 || vesc || !rfc3339(line[vs:ve]) {
				return r, ErrDockerTime
			}
			r.Time, i = line[vs:ve], vnext
		default:
			if i = skipValue(line, i); i < 0 {
				return r, ErrDockerJSON
			}
		}
		i = skipSpace(line, i)
		if i < len(line) && line[i] == ',' {
			i = skipSpace(line, i+1)
			if i < len(line) && line[i] == '}' {
				return r, ErrDockerJSON // a trailing comma
			}
		} else if i >= len(line) || line[i] != '}' {
			return r, ErrDockerJSON
		}
	}
	if i >= len(line) || skipSpace(line, i+1) != len(line) {
		return r, ErrDockerJSON
	}
	if !haveLog {
		return r, ErrDockerLog
	}
	if !haveStream {
		return r, ErrDockerStream
	}
	if n := len(r.Log); n > 0 && r.Log[n-1] == '\n' {
		r.Log = r.Log[:n-1]
	} else {
		r.Partial = true
	}
	return r, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString reads the JSON string whose opening quote is at b[i]: its
// content is b[start:end], esc says it holds escapes, and next is the index
// just past the closing quote (-1 when the string does not end).
func scanString(b []byte, i int) (start, end int, esc bool, next int) {
	start = i + 1
	for j := start; j < len(b); j++ {
		switch b[j] {
		case '"':
			return start, j, esc, j + 1
		case '\\':
			esc = true
			j++
		}
	}
	return start, 0, false, -1
}

// skipValue returns the index just past the JSON value at b[i], or -1 when
// there is none. Strings are read as such, so that brackets and quotes in
// them do not count; objects and arrays are skipped by their depth, numbers
// and literals up to the next delimiter. It skips members this decoder has
// no use for and checks their shape only as far as skipping needs.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		_, _, _, next := scanString(b, i)
		return next
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, _, _, next := scanString(b, j)
				if next < 0 {
					return -1
				}
				j = next - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// unescape appends the JSON string content s with its escapes resolved to
// dst. A bad escape is kept as written, and a lone surrogate becomes U+FFFD,
// as encoding/json does: a record is worth more than strictness about it.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case '"', '\\', '/':
			dst = append(dst, s[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				dst = append(dst, '\\', 'u')
				continue
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, ok = hex4(s[i+3:])
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, '\\', s[i])
		}
	}
	return dst
}

// hex4 reads four hexadecimal digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
