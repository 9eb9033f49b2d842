package mapping

import (
	"bytes"
)

var (
	sqlCommentOpen  = []byte("/*")
	sqlCommentClose = []byte("*/")
	sqlTPKey        = []byte("traceparent")
	sqlTPPair       = []byte("traceparent='")
)

// sqlMaxTraceParent bounds a decoded traceparent: 55 characters for
// version 00, a little more room for a later version's extra data.
const sqlMaxTraceParent = 128

// findSQLComment looks for the trace context a sqlcommenter comment put in
// a SQL statement (as PostgreSQL logs it): the traceparent of the last
// /*...*/ comment that has a traceparent key, and, still encoded, the raw
// value of its tracestate key (nil when there is none). The statement may
// hold other comments and string literals before it; the sqlcommenter
// specification appends its comment, so the last one is the right one.
// When no closed comment has a traceparent, a comment left open at the end
// (a statement cut at a log's length limit) is read, and failing that a
// bare traceparent='...' pair (a log that drops comment delimiters).
//
// A comment is recognised by the text "traceparent", which URL encoding
// leaves as it is. Keys and values are read as drivers write them (see
// sqlPairs). The
// traceparent is then checked with ParseTraceParent's strict grammar:
// invalid reports a traceparent key whose value failed.
func findSQLComment(b []byte) (tc TraceContext, ts []byte, found, invalid bool) {
	region, ok := sqlCommentRegion(b)
	if !ok {
		return tc, nil, false, false
	}
	tpRaw, ts, hasTP := sqlPairs(region)
	if !hasTP {
		return tc, nil, false, false
	}
	var buf [sqlMaxTraceParent]byte
	v, ok := sqlUnescape(buf[:0], tpRaw)
	if !ok {
		return tc, nil, false, true
	}
	tp, err := ParseTraceParent(trimOWS(v))
	if err != nil {
		return tc, nil, false, true
	}
	return TraceContext{TraceID: tp.TraceID, SpanID: tp.SpanID, Flags: tp.Flags}, ts, true, false
}

// sqlCommentRegion returns the text of the comment findSQLComment reads.
func sqlCommentRegion(b []byte) ([]byte, bool) {
	// A comment still open at the end.
	if open := bytes.LastIndex(b, sqlCommentOpen); open >= 0 && !bytes.Contains(b[open+2:], sqlCommentClose) {
		if c := b[open+2:]; bytes.Contains(c, sqlTPKey) {
			return c, true
		}
	}
	for end := len(b); ; {
		cl := bytes.LastIndex(b[:end], sqlCommentClose)
		if cl < 0 {
			break
		}
		open := bytes.LastIndex(b[:cl], sqlCommentOpen)
		if open < 0 {
			break
		}
		if c := b[open+2 : cl]; bytes.Contains(c, sqlTPKey) {
			return c, true
		}
		end = open
	}
	if i := bytes.LastIndex(b, sqlTPPair); i >= 0 {
		return b[i:], true
	}
	return nil, false
}

// sqlPairs reads a sqlcommenter comment's key='value' pairs, separated by
// ',', and returns the raw (still escaped and URL-encoded) values of the
// traceparent and tracestate keys. It reads leniently, as drivers differ:
// spaces around pairs, a value without quotes (up to the next ','), \'
// inside a quoted value, keys URL-encoded. Reading stops at the first
// thing that is not a pair, keeping what came before.
func sqlPairs(c []byte) (tp, ts []byte, hasTP bool) {
	for len(c) > 0 {
		c = trimLeftSpace(c)
		eq := bytes.IndexByte(c, '=')
		if eq <= 0 {
			return tp, ts, hasTP
		}
		rawKey := trimOWS(c[:eq])
		c = trimLeftSpace(c[eq+1:])
		var val []byte
		if len(c) > 0 && c[0] == '\'' {
			j := 1
			for j < len(c) && c[j] != '\'' {
				if c[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(c) {
				// No closing quote: a value cut short. Not used.
				return tp, ts, hasTP
			}
			val, c = c[1:j], trimLeftSpace(c[j+1:])
			if len(c) > 0 && c[0] != ',' {
				return tp, ts, hasTP
			}
		} else {
			end := bytes.IndexByte(c, ',')
			if end < 0 {
				end = len(c)
			}
			val, c = trimOWS(c[:end]), c[end:]
		}
		if len(c) > 0 {
			c = c[1:] // the ','
		}
		var kb [16]byte
		key, ok := sqlUnescape(kb[:0], rawKey)
		if !ok {
			continue // longer than any key wanted here
		}
		switch string(key) {
		case "traceparent":
			if !hasTP {
				tp, hasTP = val, true
			}
		case "tracestate":
			if ts == nil {
				ts = val
			}
		}
	}
	return tp, ts, hasTP
}

// sqlUnescape appends to dst the text of a sqlcommenter key or value: a
// backslash escapes the next byte (\' for a quote), %XX is a URL-encoded
// byte (either case), and %% is one % first, because Python's sqlcommenter
// doubles every % for DB-API placeholders ("%%3D" for "="). A % not
// followed by two hex digits is kept. '+' is kept as '+': Go's
// sqlcommenter writes a space as '+', but neither traceparent nor a
// tracestate holds spaces, and '+' is a valid tracestate character.
// It never grows dst: ok is false when the text does not fit dst's
// capacity, so that callers can decode into a stack buffer.
func sqlUnescape(dst, v []byte) ([]byte, bool) {
	for i := 0; i < len(v); i++ {
		if len(dst) == cap(dst) {
			return dst, false
		}
		c := v[i]
		switch c {
		case '\\':
			if i+1 < len(v) {
				i++
				c = v[i]
			}
		case '%':
			j := i + 1
			if j < len(v) && v[j] == '%' {
				j++
			}
			if j+1 < len(v) && isAnyHex(v[j]) && isAnyHex(v[j+1]) {
				c = anyHexVal(v[j])<<4 | anyHexVal(v[j+1])
				i = j + 1
			} else if j > i+1 {
				i = j - 1 // "%%" not before hex: one '%'
			}
		}
		dst = append(dst, c)
	}
	return dst, true
}

// trimLeftSpace drops leading spaces, tabs and line breaks (a statement
// logged over several lines).
func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
