package parsers

import "bytes"

// Native scanners for %{HAPROXY_HEADER}%{HAPROXY_HTTP} and
// %{HAPROXY_HEADER}%{HAPROXY_TCP}, written against their expansion (see
// patterns/haproxy.grok).
//
// How they stay identical to the regexp. Go's regexp reports the submatches
// of the leftmost-first match: of all the ways the anchored expression can
// match the whole line, the one a backtracking matcher would find first
// (greedy parts longest first, lazy parts shortest first, alternatives and
// optional groups in written order). The scanners read the line left to
// right and, at every choice, either
//
//   - show that only one option can fit, as with the greedy runs, where a
//     shorter run would leave a byte of the run's class where the next part
//     of the pattern accepts none, or alternatives that start with
//     different bytes; or
//   - try the options in the regexp's order (the header's optional parts,
//     the client's lazy length), taking the first that fits.
//
// The one choice they do not follow through is the header's: when the first
// reading of the header fits but the rest of the line does not follow it,
// the regexp would go on to other readings (or to none), and the scanners
// decline instead. Otherwise they decline only lines the regexp does not
// match either. Parse then runs the regexp, which settles every line the
// scanners decline, so declining is always safe; accepting is what the
// tests check.
// Field indexes of %{HAPROXY_HEADER}%{HAPROXY_HTTP}, in the order
// Parser.FieldNames gives them (first appearance in the expression). Both
// layouts share the first twelve (the TCP layout calls field 7 accept_date).
const (
	fSyslogPri = iota
	fSyslogTimestamp
	fSyslogHost
	fProgram
	fPID
	fClientIP
	fClientPort
	fDate
	fFrontend
	fFrontendTLS
	fBackend
	fServer
	fRequestTime // HTTP timers start here
	fQueueTime
	fConnectTime
	fResponseTime
	fActiveTime
	fStatusCode
	fBytesRead
	fRequestCookie
	fResponseCookie
	fTermination
	fActConn
	fFeConn
	fBeConn
	fSrvConn
	fRedispatched
	fRetries
	fSrvQueue
	fBackendQueue
	fRequestHeaders
	fResponseHeaders
	fRequestLine
	fHTTPMethod
	fURIScheme
	fURIHost
	fURIPort
	fURLPath
	fURLQuery
	fHTTPVersion
	fFcErr
	fSSLFcErr
	fSSLCErr
	fSSLCCaErr
	fSSLFcIsResumed
	fSSLSNI
	fSSLVersion
	fTLSVersion
	fSSLProtocolVersion
	fSSLCipher
	fTruncated // only the regexp fills it: the scanner declines cut lines
	httpFields
)

// Field indexes of %{HAPROXY_HEADER}%{HAPROXY_TCP} after the shared prefix.
const (
	fTCPQueueTime = fServer + 1 + iota
	fTCPConnectTime
	fTCPSessionTime
	fTCPBytesRead
	fTCPTermination
	fTCPActConn
	fTCPFeConn
	fTCPBeConn
	fTCPSrvConn
	fTCPRedispatched
	fTCPRetries
	fTCPSrvQueue
	fTCPBackendQueue
	tcpFields
)

// scanHAProxyHTTP is the nativeScanner of %{HAPROXY_HEADER}%{HAPROXY_HTTP}.
func scanHAProxyHTTP(line []byte, idx []int) bool {
	if len(idx) < 2*httpFields {
		return false
	}
	i := scanPrefix(line, idx)
	if i < 0 {
		return false
	}
	// The five timers, TR/Tw/Tc/Tr/Ta (or Tq/Tw/Tc/Tr/Tt before 1.7).
	if i = scanTimers(line, i, idx, fRequestTime, fActiveTime); i < 0 {
		return false
	}
	// %ST: -?\d+.
	if i = optSignField(line, i, '-', idx, fStatusCode, ' '); i < 0 {
		return false
	}
	// %B: \+?\d+.
	if i = optSignField(line, i, '+', idx, fBytesRead, ' '); i < 0 {
		return false
	}
	// The two cookies, [^ ]+ each.
	for _, f := range [...]int{fRequestCookie, fResponseCookie} {
		e := span(line, i, clNotSpace)
		if e == i || !at(line, e, ' ') {
			return false
		}
		setField(idx, f, i, e)
		i = e + 1
	}
	// %tsc: exactly four of [A-Za-z-].
	if i = termField(line, i, 4, idx, fTermination); i < 0 {
		return false
	}
	if i = scanCounts(line, i, idx, fActConn); i < 0 {
		return false
	}
	// The rest is the whole layout's end or, on a line HAProxy cut at its
	// length limit, HAPROXY_HTTP_CUT (the field truncated, from here to the
	// end of the line). Both start with the same blocks, read the same way.
	tail := i
	// Up to two " {...}" blocks, each optional and tried first, so taken
	// when present. Their text, [^}]*, runs to the first }. When a block is
	// not there the next one cannot be either (it would start the same way),
	// so the loop stops. Skipping a block that is there cannot help the
	// regexp: the next group would have to read it instead, leaving the same
	// rest. A block without its } cannot be read by the whole layout (nor by
	// HAPROXY_HTTP_CUT's first form, which needs a quote after the blocks):
	// the line was cut inside it, and its text runs to the end of the line,
	// HAPROXY_HTTP_CUT's second or third form.
	for _, f := range [...]int{fRequestHeaders, fResponseHeaders} {
		if !at(line, i, ' ') || !at(line, i+1, '{') {
			break
		}
		start := i + 2
		end := bytes.IndexByte(line[start:], '}')
		if end < 0 {
			setField(idx, f, start, len(line))
			setField(idx, fTruncated, tail, len(line))
			return true
		}
		end += start
		setField(idx, f, start, end)
		i = end + 1
	}
	// The quoted request: ` "`, then the text up to the next quote.
	if !at(line, i, ' ') || !at(line, i+1, '"') {
		return false
	}
	start := i + 2
	end := bytes.IndexByte(line[start:], '"')
	if end < 0 {
		// No closing quote: the whole layout cannot match, and the line
		// is HAPROXY_HTTP_CUT's first form, the request cut.
		setField(idx, fRequestLine, start, len(line))
		scanRequestCut(line, start, idx)
		setField(idx, fTruncated, tail, len(line))
		return true
	}
	end += start
	setField(idx, fRequestLine, start, end)
	scanRequestLine(line, start, end, idx)
	i = end + 1
	if i == len(line) {
		return true
	}
	return scanSSLSuffix(line, i, idx)
}

// scanHAProxyTCP is the nativeScanner of %{HAPROXY_HEADER}%{HAPROXY_TCP}.
func scanHAProxyTCP(line []byte, idx []int) bool {
	if len(idx) < 2*tcpFields {
		return false
	}
	i := scanPrefix(line, idx)
	if i < 0 {
		return false
	}
	// Tw/Tc/Tt.
	if i = scanTimers(line, i, idx, fTCPQueueTime, fTCPSessionTime); i < 0 {
		return false
	}
	if i = optSignField(line, i, '+', idx, fTCPBytesRead, ' '); i < 0 {
		return false
	}
	// %ts: exactly two of [A-Za-z-].
	if i = termField(line, i, 2, idx, fTCPTermination); i < 0 {
		return false
	}
	i = scanCounts(line, i, idx, fTCPActConn)
	return i == len(line)
}

// scanTimers reads the timers of fields first..last, separated by '/' and
// followed by a space, and returns the offset past that space, or -1.
func scanTimers(line []byte, i int, idx []int, first, last int) int {
	for f := first; f <= last; f++ {
		sep := byte('/')
		if f == last {
			sep = ' '
		}
		if i = signedField(line, i, idx, f, sep); i < 0 {
			return -1
		}
	}
	return i
}

// scanPrefix reads what both layouts share: the optional syslog header, then
// "client:port [date] frontend[~] backend/server ". It returns the offset
// just past that last space, or -1 to decline.
func scanPrefix(line []byte, idx []int) int {
	i := scanHeader(line, idx)
	if i < 0 {
		return -1
	}
	// Client and port: [\w.:%-]+? then (?::(\d+|-))? then " [". Neither may
	// hold a space, so " [" is at the first space. The client is lazy: the
	// regexp tries the shortest client first, with the port before without.
	// A port holds no colon, so the only client that can have one ends at
	// the last colon; failing that, the client is everything up to the
	// space, without a port.
	sp := bytes.IndexByte(line[i:], ' ')
	if sp < 0 {
		return -1
	}
	sp += i
	if !at(line, sp+1, '[') {
		return -1
	}
	cend := span(line, i, clClient) // the client cannot extend past this
	if c := bytes.LastIndexByte(line[i:sp], ':') + i; c > i && c <= cend && isPort(line[c+1:sp]) {
		setField(idx, fClientIP, i, c)
		setField(idx, fClientPort, c+1, sp)
	} else if sp > i && cend >= sp {
		setField(idx, fClientIP, i, sp)
	} else {
		return -1
	}
	// The bracketed date, then "] ".
	i = sp + 2
	e := dateEnd(line, i)
	if e < 0 || !at(line, e, ']') || !at(line, e+1, ' ') {
		return -1
	}
	setField(idx, fDate, i, e)
	i = e + 2
	// Frontend [\w.:-]+, then the optional ~ (taken when there: without it
	// the space would have to be at the ~), then a space.
	e = span(line, i, clName)
	if e == i {
		return -1
	}
	setField(idx, fFrontend, i, e)
	if at(line, e, '~') {
		setField(idx, fFrontendTLS, e, e+1)
		e++
	}
	if !at(line, e, ' ') {
		return -1
	}
	i = e + 1
	// Backend, then "/".
	e = span(line, i, clName)
	if e == i || !at(line, e, '/') {
		return -1
	}
	setField(idx, fBackend, i, e)
	i = e + 1
	// Server: [\w.:-]+ or <[A-Z]+>; the two start with different bytes.
	if at(line, i, '<') {
		e = i + 1
		for isUpper(line, e) {
			e++
		}
		if e == i+1 || !at(line, e, '>') {
			return -1
		}
		e++
	} else if e = span(line, i, clName); e == i {
		return -1
	}
	if !at(line, e, ' ') {
		return -1
	}
	setField(idx, fServer, i, e)
	return e + 1
}

// isPort reports whether b is a whole HAPROXY_PORT, \d+ or -.
func isPort(b []byte) bool {
	if len(b) == 1 && b[0] == '-' {
		return true
	}
	return len(b) > 0 && digits(b, 0) == len(b)
}

// scanHeader reads the optional syslog header (HAPROXY_HEADER) and returns
// where HAProxy's message starts: 0 when there is no header, -1 to decline.
//
// The header is an optional group, so the regexp tries it first, and within
// it the optional "1 ", timestamp and host, each first present then absent.
// Everything else in the header has a single way to match (see timestampEnd
// and headerTail), so trying those three choices in that order, as the
// regexp does, finds the header the regexp tries first, or shows that there
// is none: the message then starts at 0. When there is one, the caller
// declines if the rest of the line does not follow, since the regexp would
// then go on to the header's other readings, or to none.
func scanHeader(line []byte, idx []int) int {
	if len(line) == 0 {
		return -1
	}
	if line[0] != '<' {
		if e := headerAfterPRI(line, 0, idx); e >= 0 {
			return e
		}
		return 0
	}
	// <PRI>: \d{1,3}, then >. No message can start with <, so the header
	// must be there.
	e := digits(line, 1)
	if e == 1 || e > 4 || !at(line, e, '>') {
		return -1
	}
	setField(idx, fSyslogPri, 1, e)
	i := e + 1
	// rfc5424's version, "1 ", optional.
	if at(line, i, '1') && at(line, i+1, ' ') {
		if e := headerAfterPRI(line, i+2, idx); e >= 0 {
			return e
		}
	}
	return headerAfterPRI(line, i, idx)
}

// headerAfterPRI reads the header from i on, after <PRI> if any: the
// optional timestamp and host, each tried first present then absent as the
// regexp does, then headerTail. It returns the end of the header, past its
// last space, or -1 when no header fits, and sets the fields only if one
// does.
func headerAfterPRI(line []byte, i int, idx []int) int {
	// The timestamp has a single way to match (see timestampEnd), and the
	// host is a greedy [\w.:-]+ that must be followed by a space, which only
	// its longest run can be.
	if ts := timestampEnd(line, i); ts >= 0 && at(line, ts, ' ') {
		if h := span(line, ts+1, clName); h > ts+1 && at(line, h, ' ') {
			if e := headerTail(line, h+1, idx); e >= 0 {
				setField(idx, fSyslogTimestamp, i, ts)
				setField(idx, fSyslogHost, ts+1, h)
				return e
			}
		}
		if e := headerTail(line, ts+1, idx); e >= 0 {
			setField(idx, fSyslogTimestamp, i, ts)
			return e
		}
	}
	return headerTail(line, i, idx)
}

// headerTail reads the end of the header at i, "program[pid]: " or rfc5424's
// "program pid MSGID SD ", which has a single way to match: the program
// [\w./-]+ and the MSGID [^ ]+ are greedy runs that must be followed by
// bytes outside them, and the two forms of the pid (\d+ or -), of its end
// (]: or a space) and of the SD (- or [...]) each start with different
// bytes. It returns the end of the header, past its last space, or -1, and
// sets the fields only if it fits.
//
// On a raw line, which starts with an address, it fails at once: the
// program's run stops at the address's first colon.
func headerTail(line []byte, i int, idx []int) int {
	// Program, then [ or a space.
	prog := span(line, i, clProg)
	if prog == i || !(at(line, prog, '[') || at(line, prog, ' ')) {
		return -1
	}
	// Pid: \d+ or -.
	ps := prog + 1
	pe := ps + 1
	if !at(line, ps, '-') {
		if pe = digits(line, ps); pe == ps {
			return -1
		}
	}
	e := pe
	switch {
	case at(line, e, ']') && at(line, e+1, ':'):
		e += 2
	case at(line, e, ' '):
		// rfc5424: " MSGID SD".
		m := span(line, e+1, clNotSpace)
		if m == e+1 || !at(line, m, ' ') {
			return -1
		}
		if e = sdEnd(line, m+1); e < 0 {
			return -1
		}
	default:
		return -1
	}
	if !at(line, e, ' ') {
		return -1
	}
	setField(idx, fProgram, i, prog)
	setField(idx, fPID, ps, pe)
	return e + 1
}

// sdEnd returns the end of rfc5424's structured data at i,
// -|(?:\[(?:[^\]\\]|\\.)*\])+, or -1. Inside an element a backslash takes
// the next character whatever it is (but a newline: . does not match one),
// so an element ends at the first ] not escaped. Elements follow one another
// while the next byte is [; the regexp could stop earlier only to find a
// space there, which it is not.
func sdEnd(line []byte, i int) int {
	if at(line, i, '-') {
		return i + 1
	}
	if !at(line, i, '[') {
		return -1
	}
	for at(line, i, '[') {
		j := i + 1
		for {
			if j >= len(line) {
				return -1
			}
			c := line[j]
			if c == ']' {
				break
			}
			if c == '\\' {
				if j+1 >= len(line) || line[j+1] == '\n' {
					return -1
				}
				j += 2
				continue
			}
			j++
		}
		i = j + 1
	}
	return i
}

// timestampEnd returns the end of a HAPROXY_SYSLOG_TIMESTAMP at i, or -1.
// Its two forms start differently ([A-Z] or a digit), and each has a single
// way to match: the runs in it (spaces, day digits, fraction digits) are
// each followed by a byte outside the run.
func timestampEnd(line []byte, i int) int {
	if isUpper(line, i) {
		// Feb  6 12:14:14: [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}.
		if !isLower(line, i+1) || !isLower(line, i+2) || !at(line, i+3, ' ') {
			return -1
		}
		j := i + 4
		for at(line, j, ' ') {
			j++
		}
		e := digits(line, j)
		if e == j || e-j > 2 || !at(line, e, ' ') {
			return -1
		}
		j = e + 1
		if !fixedDigits(line, j, 2) || !at(line, j+2, ':') || !fixedDigits(line, j+3, 2) || !at(line, j+5, ':') || !fixedDigits(line, j+6, 2) {
			return -1
		}
		return j + 8
	}
	// 2026-08-21T18:01:40.123456+02:00 or ...Z.
	j := i
	if !fixedDigits(line, j, 4) || !at(line, j+4, '-') || !fixedDigits(line, j+5, 2) || !at(line, j+7, '-') ||
		!fixedDigits(line, j+8, 2) || !at(line, j+10, 'T') || !fixedDigits(line, j+11, 2) || !at(line, j+13, ':') ||
		!fixedDigits(line, j+14, 2) || !at(line, j+16, ':') || !fixedDigits(line, j+17, 2) {
		return -1
	}
	j += 19
	if at(line, j, '.') {
		e := digits(line, j+1)
		if e == j+1 {
			return -1
		}
		j = e
	}
	if at(line, j, 'Z') {
		return j + 1
	}
	if (at(line, j, '+') || at(line, j, '-')) && fixedDigits(line, j+1, 2) && at(line, j+3, ':') && fixedDigits(line, j+4, 2) {
		return j + 6
	}
	return -1
}

// dateEnd returns the end of a HAPROXY_DATE at i,
// \d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?, or -1. The caller
// checks that ] follows, which a shorter fraction could not have.
func dateEnd(line []byte, i int) int {
	if !fixedDigits(line, i, 2) || !at(line, i+2, '/') || !isUpper(line, i+3) || !isLower(line, i+4) || !isLower(line, i+5) ||
		!at(line, i+6, '/') || !fixedDigits(line, i+7, 4) || !at(line, i+11, ':') || !fixedDigits(line, i+12, 2) ||
		!at(line, i+14, ':') || !fixedDigits(line, i+15, 2) || !at(line, i+17, ':') || !fixedDigits(line, i+18, 2) {
		return -1
	}
	j := i + 20
	if at(line, j, '.') {
		if e := digits(line, j+1); e > j+1 {
			return e
		}
	}
	return j
}

// signedField reads a HAPROXY_TIMER, [+-]?\d+, as field f, followed by sep.
// It returns the offset past sep, or -1.
func signedField(line []byte, i int, idx []int, f int, sep byte) int {
	j := i
	if at(line, j, '+') || at(line, j, '-') {
		j++
	}
	e := digits(line, j)
	if e == j || !at(line, e, sep) {
		return -1
	}
	setField(idx, f, i, e)
	return e + 1
}

// optSignField reads sign?\d+ as field f, followed by sep (HAPROXY_STATUS
// with -, HAPROXY_BYTES and HAPROXY_RETRIES with +, HAPROXY_COUNT with sign
// 0 for none). It returns the offset past sep, or -1.
func optSignField(line []byte, i int, sign byte, idx []int, f int, sep byte) int {
	j := i
	if sign != 0 && at(line, j, sign) {
		j++
	}
	e := digits(line, j)
	if e == j || !at(line, e, sep) {
		return -1
	}
	setField(idx, f, i, e)
	return e + 1
}

// termField reads a termination state, exactly n of [A-Za-z-], as field f,
// followed by a space. It returns the offset past the space, or -1.
func termField(line []byte, i, n int, idx []int, f int) int {
	if i+n >= len(line) || line[i+n] != ' ' {
		return -1
	}
	for _, c := range line[i : i+n] {
		if byteClass[c]&clTerm == 0 {
			return -1
		}
	}
	setField(idx, f, i, i+n)
	return i + n + 1
}

// scanCounts reads "%ac/%fc/%bc/%sc/%rc %sq/%bq" into the eight fields from
// first on (actconn, feconn, beconn, srvconn, redispatched, retries,
// srv_queue, backend_queue). All counts are \d+; the retries may follow a +,
// the redispatched field, which the regexp takes whenever it is there. It
// returns the offset just past the backend queue, or -1.
func scanCounts(line []byte, i int, idx []int, first int) int {
	for k := range 4 {
		if i = optSignField(line, i, 0, idx, first+k, '/'); i < 0 {
			return -1
		}
	}
	if at(line, i, '+') {
		setField(idx, first+4, i, i+1)
		i++
	}
	if i = optSignField(line, i, 0, idx, first+5, ' '); i < 0 {
		return -1
	}
	if i = optSignField(line, i, 0, idx, first+6, '/'); i < 0 {
		return -1
	}
	// The backend queue ends the layout (TCP) or is followed by " {" or
	// ` "` (HTTP): the caller checks what follows.
	e := digits(line, i)
	if e == i {
		return -1
	}
	setField(idx, first+7, i, e)
	return e
}

// scanRequestLine splits the request text line[start:end] (between the
// quotes, holding no quote) into method, target parts and version when it
// has the shape of HAPROXY_REQUEST_LINE's first alternative; otherwise the
// text stays whole in request_line, as the regexp's second alternative,
// [^"]*, leaves it.
//
// That choice can be made on the text alone, and exactly: no part of the
// first alternative matches a quote, so it can only end at the closing
// quote, where [^"]* ends too, and what follows is the same for both. The
// first alternative is then taken exactly when the text is a whole request
// line, which the steps below decide without guessing: every run in it is
// followed by a byte outside the run. The optional authority in front of
// the path (scheme://host[:port], or host:port) does not change whether the
// text fits: all its bytes are path bytes, with no ? or space, so however
// much of it is read, the path ends at the same place and the rest is the
// same. When the text fits, the authority is the one the regexp tries
// first (see uriAuthority).
func scanRequestLine(line []byte, start, end int, idx []int) {
	// Method: [A-Z][A-Z0-9_-]*, then a space.
	if !isUpper(line, start) {
		return
	}
	m := span(line, start+1, clMethod)
	if m >= end || line[m] != ' ' {
		return
	}
	t := scanTarget(line, m+1)
	j := t.end
	// " HTTP/" and the version \d+(?:\.\d+)?, which must end the text.
	if end-j < len(" HTTP/") || string(line[j:j+len(" HTTP/")]) != " HTTP/" {
		return
	}
	vs := j + len(" HTTP/")
	ve := digits(line, vs)
	if ve == vs {
		return
	}
	if at(line, ve, '.') {
		if e := digits(line, ve+1); e > ve+1 {
			ve = e
		}
	}
	if ve != end {
		return
	}
	setField(idx, fHTTPMethod, start, m)
	t.set(idx)
	setField(idx, fHTTPVersion, vs, ve)
}

// scanRequestCut reads HAPROXY_REQUEST_CUT, a request line from start to the
// end of a line that has no quote after start: the method, a space and the
// target, then a space and anything, or the end. The path and query stop
// only at a space, a ? or the end (there is no quote), so after the target
// comes a space or the end: with a method and its space the first
// alternative always fits. Without them the text is read whole, as
// request_line alone, which the caller has set.
func scanRequestCut(line []byte, start int, idx []int) {
	if !isUpper(line, start) {
		return
	}
	m := span(line, start+1, clMethod)
	if !at(line, m, ' ') {
		return
	}
	setField(idx, fHTTPMethod, start, m)
	scanTarget(line, m+1).set(idx)
}

// target is a request target as HAPROXY_URI_TARGET reads it at start: the
// optional authority, then the path [^ ?"]* and the optional ?query
// [^ "]*, which end at end.
type target struct {
	start     int
	auth      authority
	pathStart int
	pathEnd   int
	queryEnd  int // -1: no query
	end       int
}

// scanTarget reads a request target at i. It always fits (the path may be
// empty); whether what follows fits is for the caller to check.
func scanTarget(line []byte, i int) target {
	t := target{start: i, auth: uriAuthority(line, i), pathStart: i, queryEnd: -1}
	if t.auth.ok {
		t.pathStart = t.auth.next
	}
	t.pathEnd = span(line, t.pathStart, clPath)
	t.end = t.pathEnd
	if at(line, t.end, '?') {
		t.queryEnd = span(line, t.end+1, clQuery)
		t.end = t.queryEnd
	}
	return t
}

// set records the target's fields.
func (t target) set(idx []int) {
	if a := t.auth; a.ok {
		if a.schemeEnd >= 0 {
			setField(idx, fURIScheme, t.start, a.schemeEnd)
		}
		setField(idx, fURIHost, a.hostStart, a.hostEnd)
		if a.portStart >= 0 {
			setField(idx, fURIPort, a.portStart, a.next)
		}
	}
	setField(idx, fURLPath, t.pathStart, t.pathEnd)
	if t.queryEnd >= 0 {
		setField(idx, fURLQuery, t.pathEnd+1, t.queryEnd)
	}
}

// authority is where uriAuthority found the parts of a request target's
// authority; ok is false when there is none.
type authority struct {
	ok                 bool
	schemeEnd          int // -1: the host:port form, without a scheme
	hostStart, hostEnd int
	portStart          int // -1: no port
	next               int // where the path starts
}

// uriAuthority reads the optional authority of HAPROXY_URI_TARGET at i, as
// the regexp tries it first: scheme://host with the optional :port (taken
// when a digit follows the colon, with all its digits), else host:port
// (CONNECT's form). Every run is greedy and followed by a byte outside it:
// the scheme's by ':', the host's by a byte that is not a host byte, the
// port's by a non-digit, so the longest runs are the first readings.
func uriAuthority(line []byte, i int) authority {
	if isUpper(line, i) || isLower(line, i) {
		s := span(line, i+1, clScheme)
		if at(line, s, ':') && at(line, s+1, '/') && at(line, s+2, '/') {
			if hs, he, next := uriHost(line, s+3); next >= 0 {
				a := authority{ok: true, schemeEnd: s, hostStart: hs, hostEnd: he, portStart: -1, next: next}
				if at(line, next, ':') {
					if pe := digits(line, next+1); pe > next+1 {
						a.portStart, a.next = next+1, pe
					}
				}
				return a
			}
		}
	}
	if hs, he, next := uriHost(line, i); next >= 0 && at(line, next, ':') {
		if pe := digits(line, next+1); pe > next+1 {
			return authority{ok: true, schemeEnd: -1, hostStart: hs, hostEnd: he, portStart: next + 1, next: pe}
		}
	}
	return authority{}
}

// uriHost reads HAPROXY_URI_HOST at i: \[IPv6\] or a name. It returns the
// host's bounds (without the brackets) and the offset after it, or next -1.
// The two forms start with different bytes ([ is not a name byte).
func uriHost(line []byte, i int) (start, end, next int) {
	if at(line, i, '[') {
		e := span(line, i+1, clIPv6)
		if e > i+1 && at(line, e, ']') {
			return i + 1, e, e + 1
		}
		return 0, 0, -1
	}
	if e := span(line, i, clURIName); e > i {
		return i, e, e
	}
	return 0, 0, -1
}

// scanSSLSuffix reads option httpslog's suffix at i, which is not the end of
// the line: " c/c/c/c/c sni/version/cipher" with codes [\w-]+ and names
// [^ /]*, the last running to the end of the line. The suffix is optional,
// but without it the line would have to end at i, so it must be there.
func scanSSLSuffix(line []byte, i int, idx []int) bool {
	if !at(line, i, ' ') {
		return false
	}
	i++
	for f := fFcErr; f <= fSSLFcIsResumed; f++ {
		e := span(line, i, clCode)
		sep := byte('/')
		if f == fSSLFcIsResumed {
			sep = ' '
		}
		if e == i || !at(line, e, sep) {
			return false
		}
		setField(idx, f, i, e)
		i = e + 1
	}
	for _, f := range [...]int{fSSLSNI, fSSLVersion, fSSLCipher} {
		e := span(line, i, clSSLName)
		if f == fSSLCipher {
			if e != len(line) {
				return false
			}
		} else if !at(line, e, '/') {
			return false
		}
		setField(idx, f, i, e)
		if f == fSSLVersion {
			sslVersionNumber(line, i, e, idx)
		}
		i = e + 1
	}
	return true
}

// sslVersionNumber splits %sslv, line[start:end], as HAPROXY_SSL_VERSION
// does: TLSv or SSLv followed by exactly \d+(?:\.\d+)? gives the number
// as tls_version or ssl_protocol_version. The alternatives must end where
// the [^ /]* run ends (a / follows), so either the whole text has that
// shape or the last alternative, which sets nothing more, is taken.
func sslVersionNumber(line []byte, start, end int, idx []int) {
	if end-start < len("TLSv") {
		return
	}
	f := -1
	switch string(line[start : start+len("TLSv")]) {
	case "TLSv":
		f = fTLSVersion
	case "SSLv":
		f = fSSLProtocolVersion
	default:
		return
	}
	ns := start + len("TLSv")
	e := digits(line, ns)
	if e == ns {
		return
	}
	if e < end && line[e] == '.' {
		if d := digits(line, e+1); d > e+1 {
			e = d
		}
	}
	if e == end {
		setField(idx, f, ns, end)
	}
}
