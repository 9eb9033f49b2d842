package syslog

import "bytes"

// Form is the kind of syslog header a message began with.
type Form uint8

const (
	// NoHeader: the message did not begin with <PRI>; it is the line as a
	// whole (HAProxy's `format raw`, or a sender that is not syslog).
	NoHeader Form = iota
	// PriorityOnly: <PRI> and then the message (HAProxy's `format short`
	// and `format priority`).
	PriorityOnly
	// RFC3164: <PRI>, a BSD time ("Dec  2 01:52:57") or an RFC 3339 time,
	// then hostname and TAG[pid]: where present (HAProxy's default `local`
	// form has no hostname, `rfc3164` has one, `timed` has neither).
	RFC3164
	// RFC5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD.
	RFC5424
)

// String names the form for messages and tests.
func (f Form) String() string {
	switch f {
	case PriorityOnly:
		return "priority"
	case RFC3164:
		return "rfc3164"
	case RFC5424:
		return "rfc5424"
	}
	return "none"
}

// Header is what a syslog header said about the message after it. Its byte
// slices point into the bytes parsed, so they are valid exactly as long as
// those; a value the header did not give (or gave as RFC 5424's nil "-") is
// nil.
type Header struct {
	Form     Form
	Facility uint8 // PRI / 8 (0..23); meaningful when Form != NoHeader
	Severity uint8 // PRI % 8 (0..7)
	// Timestamp is the time as the header wrote it, unparsed: RFC 3164's
	// has no year and no zone, and the rules, not the receiver, say what
	// to make of it.
	Timestamp []byte
	Hostname  []byte
	AppName   []byte // RFC 5424 APP-NAME; RFC 3164 TAG without [pid]
	ProcID    []byte // RFC 5424 PROCID; RFC 3164 the pid in TAG[pid]
	MsgID     []byte // RFC 5424 only
}

// Parse splits a syslog message into its header and the message after it.
// It accepts what HAProxy's log formats send (rfc3164, local, rfc5424,
// short, priority, timed) and what RFC 3164 and RFC 5424 senders in
// general do. A message that does not begin with a valid <PRI> has
// Form NoHeader and is returned whole as msg. A trailing line ending
// (LF or CRLF) and trailing NULs, which some senders put at the end of a
// datagram, are not part of the message. Parse allocates nothing.
func Parse(b []byte) (h Header, msg []byte) {
	b = trimEnd(b)
	pri, rest, ok := parsePRI(b)
	if !ok {
		return Header{}, b
	}
	h.Facility, h.Severity = uint8(pri/8), uint8(pri%8)
	if m, ok := parse5424(&h, rest); ok {
		h.Form = RFC5424
		return h, m
	}
	if m, ok := parse3164(&h, rest); ok {
		h.Form = RFC3164
		return h, m
	}
	h = Header{Form: PriorityOnly, Facility: h.Facility, Severity: h.Severity}
	return h, rest
}

// trimEnd removes trailing NULs, LFs and CRs.
func trimEnd(b []byte) []byte {
	for len(b) > 0 {
		switch b[len(b)-1] {
		case '\n', '\r', 0:
			b = b[:len(b)-1]
		default:
			return b
		}
	}
	return b
}

// parsePRI reads "<N>" with N of one to three digits, at most 191
// (facility 23, severity 7).
func parsePRI(b []byte) (pri int, rest []byte, ok bool) {
	if len(b) < 3 || b[0] != '<' {
		return 0, nil, false
	}
	i := 1
	for ; i < len(b) && i <= 4 && isDigit(b[i]); i++ {
		pri = pri*10 + int(b[i]-'0')
	}
	if i == 1 || i > 4 || i >= len(b) || b[i] != '>' || pri > 191 {
		return 0, nil, false
	}
	return pri, b[i+1:], true
}

// token returns the bytes of b up to the first space (or all of b) and what
// follows that space. ok is false when the token is empty or holds a byte
// that is not printable US-ASCII, as header fields must be.
func token(b []byte) (tok, rest []byte, ok bool) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		tok, rest = b, nil
	} else {
		tok, rest = b[:i], b[i+1:]
	}
	if len(tok) == 0 {
		return nil, nil, false
	}
	for _, c := range tok {
		if c < 33 || c > 126 {
			return nil, nil, false
		}
	}
	return tok, rest, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
