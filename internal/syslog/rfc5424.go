package syslog

import "bytes"

// parse5424 reads what follows <PRI> in the RFC 5424 form: VERSION SP
// TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA,
// then the message after a space, without its byte order mark. A field
// written as the nil value "-" is left nil. ok is false when b is not that
// form, so the caller can try another.
func parse5424(h *Header, b []byte) (msg []byte, ok bool) {
	if len(b) < 2 || b[0] < '1' || b[0] > '9' {
		return nil, false
	}
	i := 1
	if isDigit(b[1]) {
		i = 2
	}
	if i >= len(b) || b[i] != ' ' {
		return nil, false
	}
	b = b[i+1:]
	var fields [5][]byte // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
	for k := range fields {
		tok, rest, ok := token(b)
		if !ok || rest == nil && len(b) == len(tok) {
			return nil, false // a field missing, or no SD after it
		}
		if string(tok) != "-" {
			fields[k] = tok
		}
		b = rest
	}
	if ts := fields[0]; ts != nil && rfc3339Time(ts) != len(ts) {
		return nil, false
	}
	n, ok := skipSD(b)
	if !ok {
		return nil, false
	}
	switch {
	case n == len(b):
		msg = b[n:]
	case b[n] == ' ':
		msg = bytes.TrimPrefix(b[n+1:], bom)
	default:
		return nil, false
	}
	h.Timestamp, h.Hostname, h.AppName, h.ProcID, h.MsgID = fields[0], fields[1], fields[2], fields[3], fields[4]
	return msg, true
}

// bom is the UTF-8 byte order mark RFC 5424 lets a message start with.
var bom = []byte{0xEF, 0xBB, 0xBF}

// skipSD returns the length of the STRUCTURED-DATA at the start of b: the
// nil value "-" or one or more [SD-ID PARAM="VALUE" ...] elements. Inside a
// quoted value a backslash escapes the next byte, so \] and \" do not end
// the element or the value. ok is false when there is no complete SD.
func skipSD(b []byte) (n int, ok bool) {
	if len(b) > 0 && b[0] == '-' {
		return 1, true
	}
	i := 0
	for i < len(b) && b[i] == '[' {
		quoted := false
		for i++; i < len(b); i++ {
			c := b[i]
			if quoted {
				switch c {
				case '\\':
					i++
				case '"':
					quoted = false
				}
				continue
			}
			if c == '"' {
				quoted = true
			} else if c == ']' {
				break
			}
		}
		if i >= len(b) {
			return 0, false
		}
		i++ // past ']'
	}
	return i, i > 0
}
