package syslog

import "bytes"

// parse3164 reads what follows <PRI> in the BSD form: a time, then a
// hostname and a TAG where present, and returns the message after them.
//
// RFC 3164 puts a hostname after a BSD time, but local senders leave it out
// (HAProxy's default `local` form, glibc's syslog(3)): a first word shaped
// as a tag ("haproxy[123]:", "haproxy:") is taken as the tag, not as a
// hostname. After an RFC 3339 time (HAProxy's `timed` form, rsyslog's
// high-precision form) a word is a hostname only when a tag follows it,
// since `timed` sends the message straight after the time.
func parse3164(h *Header, b []byte) (msg []byte, ok bool) {
	n := bsdTime(b)
	bsd := n > 0
	if !bsd {
		if n = rfc3339Time(b); n == 0 {
			return nil, false
		}
	}
	h.Timestamp = b[:n]
	rest := b[n:]
	if len(rest) > 0 {
		rest = rest[1:] // the space after the time
	}
	first, afterFirst, ok := token(rest)
	if !ok {
		return rest, true
	}
	if app, pid, ok := tag(first); ok {
		h.AppName, h.ProcID = app, pid
		return afterFirst, true
	}
	second, afterSecond, ok := token(afterFirst)
	app, pid, isTag := tag(second)
	switch {
	case ok && isTag:
		h.Hostname, h.AppName, h.ProcID = first, app, pid
		return afterSecond, true
	case bsd:
		h.Hostname = first
		return afterFirst, true
	}
	return rest, true
}

// maxTag bounds a tag's name: RFC 3164 says 32 characters, senders such as
// systemd units and containers write longer ones.
const maxTag = 64

// tag reports whether tok is a TAG: "name:" or "name[pid]:", the name
// without ':', '[' or ']' and the pid not empty.
func tag(tok []byte) (app, pid []byte, ok bool) {
	if len(tok) < 2 || tok[len(tok)-1] != ':' {
		return nil, nil, false
	}
	name := tok[:len(tok)-1]
	if name[len(name)-1] == ']' {
		open := bytes.IndexByte(name, '[')
		if open <= 0 || open == len(name)-2 {
			return nil, nil, false
		}
		name, pid = name[:open], name[open+1:len(name)-1]
		if bytes.IndexByte(pid, ']') >= 0 {
			return nil, nil, false
		}
	}
	if len(name) > maxTag || bytes.ContainsAny(name, ":[]") {
		return nil, nil, false
	}
	return name, pid, true
}
