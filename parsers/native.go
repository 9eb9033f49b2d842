package parsers

import "sync"

// nativeScanner is a hand-written matcher for one bundled layout. It reads
// line and, if it can tell for certain how the layout's regexp would split
// it, writes the field offsets into idx (2 per field, all -1 on entry, laid
// out as in Parser.FieldNames) and returns true. Otherwise it returns false,
// possibly having written some of idx, and the caller runs the regexp.
//
// The contract, checked by the differential and fuzz tests, is one way only:
// whenever a scanner returns true, the regexp matches the line too and
// yields exactly the same idx. Declining is always allowed, so a scanner only
// has to know the common forms of its layout; it never has to prove that a
// line does not match.
type nativeScanner func(line []byte, idx []int) bool

// nativeLayout ties a reference grok expression to its scanner and to the
// number of fields the scanner writes.
type nativeLayout struct {
	expr   string
	fields int
	scan   nativeScanner
}

// nativeLayouts lists the layouts that have a scanner: the bundled HAProxy
// rules that carry almost all of the traffic.
var nativeLayouts = []nativeLayout{
	{expr: "%{HAPROXY_HEADER}%{HAPROXY_HTTP}", fields: httpFields, scan: scanHAProxyHTTP},
	{expr: "%{HAPROXY_HEADER}%{HAPROXY_TCP}", fields: tcpFields, scan: scanHAProxyTCP},
}

// nativeExpansions holds, once computed, the expanded regexp of each entry of
// nativeLayouts with the library's own patterns ("" when it cannot be
// compiled, which only a broken library would cause).
//
// A rule gets a scanner only when its expansion equals one of these byte for
// byte. The scanners hard-code the library's patterns, so any difference,
// such as a rule overriding HAPROXY_PORT or writing the layout out by hand
// with one class changed, must leave the rule on the regexp; comparing the
// final expansion catches every such difference, however it was made,
// whereas comparing the rule's text would not. Field names do not take part
// in the expansion (groups are named f<index>), so a rule that renames every
// field of the layout still gets the scanner, which is right: offsets are
// written by index.
var nativeExpansions = sync.OnceValue(func() []string {
	out := make([]string, len(nativeLayouts))
	for i, l := range nativeLayouts {
		p, err := compile(Spec{Expression: l.expr})
		if err != nil || len(p.names) != l.fields {
			continue
		}
		out[i] = p.expanded
	}
	return out
})

// nativeFor returns the scanner for an expanded expression, or nil when the
// expression is not exactly one of the bundled layouts.
func nativeFor(expanded string) nativeScanner {
	for i, ref := range nativeExpansions() {
		if ref != "" && ref == expanded {
			return nativeLayouts[i].scan
		}
	}
	return nil
}

// Byte classes of the HAProxy patterns, as bits of byteClass. Each is exactly
// the set of bytes the corresponding bracket expression of the expanded regexp
// matches when read as one character. Bytes 0x80 and up are in the negated
// classes ([^ ], [^}], ...) and in no other: Go's regexp reads them as part of
// a UTF-8 sequence or as U+FFFD, neither of which a positive ASCII class
// matches and both of which a negated ASCII class does. Since every delimiter
// in the layouts is ASCII and an ASCII byte is never part of a multi-byte
// sequence, scanning bytes finds the same boundaries as scanning runes.
const (
	clDigit    uint16 = 1 << iota // [0-9]
	clProg                        // HAPROXY_SYSLOG_PROGRAM [\w./-]
	clName                        // HAPROXY_SYSLOG_HOST, HAPROXY_PROXY, HAPROXY_SERVER [\w.:-]
	clClient                      // HAPROXY_CLIENT_IP [\w.:%-]
	clCode                        // HAPROXY_SSL_CODE [\w-]
	clMethod                      // rest of HAPROXY_HTTP_METHOD [A-Z0-9_-]
	clScheme                      // rest of HAPROXY_URI_SCHEME [A-Za-z0-9+.-]
	clTerm                        // HAPROXY_TERM_HTTP, HAPROXY_TERM_TCP [A-Za-z-]
	clNotSpace                    // [^ ]
	clURIName                     // HAPROXY_URI_NAME [^/?# ":\[\]]
	clIPv6                        // HAPROXY_URI_IPV6 [0-9A-Fa-f:.]
	clPath                        // HAPROXY_URL_PATH [^ ?"]
	clQuery                       // HAPROXY_URL_QUERY [^ "]
	clSSLName                     // HAPROXY_SSL_NAME [^ /]
)

// byteClass maps each byte to the classes it belongs to, so that a run of a
// class is read with one table load per byte.
var byteClass = func() (t [256]uint16) {
	for b := range 256 {
		c := byte(b)
		digit := '0' <= c && c <= '9'
		upper := 'A' <= c && c <= 'Z'
		lower := 'a' <= c && c <= 'z'
		word := digit || upper || lower || c == '_'
		var m uint16
		set := func(cl uint16, in bool) {
			if in {
				m |= cl
			}
		}
		set(clDigit, digit)
		set(clProg, word || c == '.' || c == '/' || c == '-')
		set(clName, word || c == '.' || c == ':' || c == '-')
		set(clClient, word || c == '.' || c == ':' || c == '%' || c == '-')
		set(clCode, word || c == '-')
		set(clMethod, digit || upper || c == '_' || c == '-')
		set(clScheme, digit || upper || lower || c == '+' || c == '.' || c == '-')
		set(clTerm, upper || lower || c == '-')
		set(clNotSpace, c != ' ')
		set(clURIName, c != '/' && c != '?' && c != '#' && c != ' ' && c != '"' && c != ':' && c != '[' && c != ']')
		set(clIPv6, digit || ('A' <= c && c <= 'F') || ('a' <= c && c <= 'f') || c == ':' || c == '.')
		set(clPath, c != ' ' && c != '?' && c != '"')
		set(clQuery, c != ' ' && c != '"')
		set(clSSLName, c != ' ' && c != '/')
		t[b] = m
	}
	return t
}()

// span returns the end of the longest run of class cl in line starting at i
// (i itself when there is none). Every pattern the scanners read with it is
// greedy and followed by a byte outside its class, so the longest run is the
// only one the regexp can use: a shorter one would be followed by a byte of
// the class, which the next part of the pattern does not accept.
func span(line []byte, i int, cl uint16) int {
	for i < len(line) && byteClass[line[i]]&cl != 0 {
		i++
	}
	return i
}

// digits returns the end of the run of ASCII digits at i.
func digits(line []byte, i int) int {
	for i < len(line) && '0' <= line[i] && line[i] <= '9' {
		i++
	}
	return i
}

// at reports whether line[i] exists and is c.
func at(line []byte, i int, c byte) bool {
	return i >= 0 && i < len(line) && line[i] == c
}

// fixedDigits reports whether line holds exactly n digits at i (the regexp's
// \d{n}); the caller checks what follows.
func fixedDigits(line []byte, i, n int) bool {
	if i < 0 || i+n > len(line) {
		return false
	}
	for _, c := range line[i : i+n] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isUpper and isLower are the regexp's [A-Z] and [a-z], for bytes that may
// lie past the end of line (they then read as no match).
func isUpper(line []byte, i int) bool { return i < len(line) && 'A' <= line[i] && line[i] <= 'Z' }
func isLower(line []byte, i int) bool { return i < len(line) && 'a' <= line[i] && line[i] <= 'z' }

// setField records field f as line[start:end].
func setField(idx []int, f, start, end int) {
	idx[2*f], idx[2*f+1] = start, end
}
