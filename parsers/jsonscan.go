package parsers

import (
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON scanner: one pass over a line that both checks it is one valid
// JSON object (RFC 8259) and records where the values of the rule's paths
// are, walking the line and the rule's tree of paths (jsonNode) together.
//
// Why our own and not a library. A JSON rule needs, per line: full
// validation with the place of the first error (a line cut at 64 KiB, or
// nginx's unquoted empty $upstream_response_time, must be told from a good
// line), the values of some 25 paths in one pass, numbers as written, strings
// decoded exactly as encoding/json decodes them, and no allocation. The
// candidates, measured on the same Caddy line and 25 paths (the commit that
// added BenchmarkParseJSON has the numbers):
//
//   - encoding/json (into a map, then a walk per path) is some 15 to 20
//     times slower and allocates about 190 times per line;
//   - github.com/valyala/fastjson builds a tree of the whole line without
//     allocating, but its Parse accepts NaN, raw control characters, bad
//     escapes and numbers such as 1.2.3 or 01 (its Validate, a second pass,
//     refuses them), decodes "\ud800\u0041" to one U+FFFD (encoding/json:
//     U+FFFD then A), passes invalid UTF-8 through, re-encodes objects
//     instead of giving their text, and formats an error (with allocations
//     and no offset) for every malformed line; with Validate it took about
//     2.5 times as long as this scanner, without it 1.4 times;
//   - github.com/buger/jsonparser reads several paths in one pass but does
//     not validate: a line cut short, or with text after the object, still
//     yields its values; it took about 3 times as long as this scanner.
//
// This scanner is small, has no dependency, and is checked against
// encoding/json by FuzzJSON.

// maxJSONDepth bounds how deeply objects and arrays may nest, so that a
// hostile line cannot make the scanner recurse without limit. Real log lines
// nest three or four levels.
const maxJSONDepth = 64

// JSONError is why a line that starts like a JSON object is not one: a line
// cut short, an unquoted value, text after the closing brace.
type JSONError struct {
	// Offset is the 0-based byte offset in the line of the first byte that
	// is wrong, or the line's length when the line ends too soon.
	Offset int
	// Msg says what was expected there.
	Msg string
}

// Error returns e.g. "malformed JSON at byte 17: expected ':' after a key".
func (e *JSONError) Error() string {
	return "malformed JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// jsonScan is the scanner's state for one line. It lives in a Match's
// scratch space and is reused, so scanning allocates nothing once its
// buffers have grown to the lines seen.
type jsonScan struct {
	line []byte
	// data is nil until a value must be decoded (a string with escapes or
	// invalid UTF-8): it is then a copy of line with the decoded values
	// appended, so that offsets into line hold in data too. buf keeps its
	// storage from line to line.
	data []byte
	buf  []byte
	// slots holds 2 offsets per slot (see jsonRule), -1 when absent.
	slots []int
	depth int
	// keyBuf holds a decoded key that had escapes, for comparing.
	keyBuf []byte
	// replacementKeys is set when some path's key holds U+FFFD, which a key
	// with invalid UTF-8 decodes to: raw keys must then be decoded before
	// they are compared.
	replacementKeys bool
	err             JSONError
}

// scan reads line, whose first non-blank byte at i is '{', against the tree
// rooted at root. It reports whether line is one valid JSON object; when it
// is not, s.err says why.
func (s *jsonScan) scan(line []byte, i int, root *jsonNode) bool {
	s.line, s.data, s.depth = line, nil, 0
	clearIndex(s.slots)
	i = s.value(i, root)
	if s.data != nil {
		s.buf = s.data[:0] // keep the grown buffer for the next line
	}
	if i < 0 {
		return false
	}
	if i = skipSpace(line, i); i != len(line) {
		s.fail(i, "text after the object's closing '}'")
		return false
	}
	return true
}

// fail records a problem at offset i and returns -1 for the caller to pass
// on.
func (s *jsonScan) fail(i int, msg string) int {
	if i >= len(s.line) {
		i, msg = len(s.line), "the line ends inside the object (was it cut short?)"
	}
	s.err = JSONError{Offset: i, Msg: msg}
	return -1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// value reads the value starting at b[i] (not blank) and returns the offset
// just past it, or -1. n is the value's node, nil when no path leads here.
func (s *jsonScan) value(i int, n *jsonNode) int {
	b := s.line
	if n != nil {
		for _, sl := range n.under {
			s.slots[2*sl], s.slots[2*sl+1] = -1, -1
		}
	}
	if i >= len(b) {
		return s.fail(i, "expected a value")
	}
	switch c := b[i]; c {
	case '"':
		end, flags := scanJSONString(b, i+1)
		if end < 0 {
			return s.fail(explainString(b, i+1))
		}
		if n != nil && n.slot >= 0 {
			s.setString(n.slot, i+1, end-1, flags)
		}
		return end
	case '{':
		return s.object(i, n)
	case '[':
		return s.array(i, n)
	case 't':
		return s.literal(i, "true", n)
	case 'f':
		return s.literal(i, "false", n)
	case 'n':
		// null reads as absent.
		if n != nil && n.slot >= 0 {
			s.set(n.slot, -1, -1)
		}
		return s.literal(i, "null", nil)
	default:
		end := scanNumber(b, i)
		if end < 0 {
			if c == '-' || ('0' <= c && c <= '9') {
				return s.fail(-end-1, "invalid number")
			}
			return s.fail(i, "expected a value (a string, number, object, array, true, false or null)")
		}
		if n != nil && n.slot >= 0 {
			s.set(n.slot, i, end)
		}
		return end
	}
}

// literal reads the word lit at b[i].
func (s *jsonScan) literal(i int, lit string, n *jsonNode) int {
	b := s.line
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) || b[i+k] != lit[k] {
			return s.fail(i+k, "expected a value (a string, number, object, array, true, false or null)")
		}
	}
	if n != nil && n.slot >= 0 {
		s.set(n.slot, i, i+len(lit))
	}
	return i + len(lit)
}

// object reads the object whose '{' is at b[i].
func (s *jsonScan) object(i int, n *jsonNode) int {
	b := s.line
	start := i
	if s.depth++; s.depth > maxJSONDepth {
		return s.fail(i, "objects and arrays nest deeper than "+strconv.Itoa(maxJSONDepth)+" levels")
	}
	var keys bool
	if n != nil {
		keys = len(n.keys) > 0
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return s.fail(i, `expected a key in double quotes`)
			}
			kend, kflags := scanJSONString(b, i+1)
			if kend < 0 {
				return s.fail(explainString(b, i+1))
			}
			var child *jsonNode
			if keys {
				child = s.lookup(n, b[i+1:kend-1], kflags)
			}
			i = skipSpace(b, kend)
			if i >= len(b) || b[i] != ':' {
				return s.fail(i, "expected ':' after a key")
			}
			i = skipSpace(b, i+1)
			if i = s.value(i, child); i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return s.fail(i, "expected ',' or '}' after an object member")
		}
	}
	s.depth--
	if n != nil && n.slot >= 0 {
		s.setRaw(n.slot, start, i)
	}
	return i
}

// array reads the array whose '[' is at b[i].
func (s *jsonScan) array(i int, n *jsonNode) int {
	b := s.line
	start := i
	if s.depth++; s.depth > maxJSONDepth {
		return s.fail(i, "objects and arrays nest deeper than "+strconv.Itoa(maxJSONDepth)+" levels")
	}
	var elems []jsonElem
	if n != nil {
		elems = n.elems
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		i++
	} else {
		for k := 0; ; k++ {
			var child *jsonNode
			if len(elems) > 0 && elems[0].index == k {
				child = elems[0].node
				elems = elems[1:]
			}
			if i = s.value(i, child); i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			return s.fail(i, "expected ',' or ']' after an array element")
		}
	}
	s.depth--
	if n != nil && n.slot >= 0 {
		s.setRaw(n.slot, start, i)
	}
	return i
}

// lookup returns n's member of interest for the raw key (between its
// quotes), or nil. A key is compared as encoding/json would see it: decoded.
// Most keys have no escapes and are valid UTF-8, which decoding leaves as
// they are, so they are compared raw.
func (s *jsonScan) lookup(n *jsonNode, raw []byte, flags uint8) *jsonNode {
	if flags&strEscapes != 0 || (s.replacementKeys && flags&strHigh != 0 && !utf8.Valid(raw)) {
		s.keyBuf = appendUnquoted(s.keyBuf[:0], raw)
		return n.child(s.keyBuf)
	}
	return n.child(raw)
}

// set records slot as line[start:end], bytes that need no decoding.
func (s *jsonScan) set(slot, start, end int) {
	s.slots[2*slot], s.slots[2*slot+1] = start, end
}

// setString records slot as the string line[start:end] (between its quotes),
// decoded into data when it has escapes or invalid UTF-8.
func (s *jsonScan) setString(slot, start, end int, flags uint8) {
	raw := s.line[start:end]
	if flags&strEscapes == 0 && (flags&strHigh == 0 || utf8.Valid(raw)) {
		s.set(slot, start, end)
		return
	}
	s.copyLine()
	off := len(s.data)
	s.data = appendUnquoted(s.data, raw)
	s.set(slot, off, len(s.data))
}

// setRaw records slot as the JSON text line[start:end] of an object or
// array, as written, except that invalid UTF-8 is replaced by U+FFFD (the
// text only has such bytes inside strings, where U+FFFD is valid JSON), so
// that every field is valid UTF-8.
func (s *jsonScan) setRaw(slot, start, end int) {
	raw := s.line[start:end]
	if utf8.Valid(raw) {
		s.set(slot, start, end)
		return
	}
	s.copyLine()
	off := len(s.data)
	s.data = appendValidUTF8(s.data, raw)
	s.set(slot, off, len(s.data))
}

// copyLine starts data as a copy of line, once per line.
func (s *jsonScan) copyLine() {
	if s.data == nil {
		s.data = append(s.buf[:0], s.line...)
	}
}

// plainString marks the bytes a string holds as they are: all but the quote,
// the backslash and control characters. Bytes of 0x80 and up are plain here;
// their UTF-8 is checked only in the values a rule takes.
var plainString = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// What scanJSONString found in a string, besides its end.
const (
	strEscapes = 1 << iota // a backslash escape
	strHigh                // a byte of 0x80 or more: UTF-8 to check
)

// scanJSONString finds the end of the string whose opening quote is at
// b[i-1]: it returns the offset just past the closing quote and what the
// string holds (strEscapes, strHigh), or -1 when the string is not valid
// JSON (see explainString).
func scanJSONString(b []byte, i int) (int, uint8) {
	var flags uint8
	var seen uint64 // every plain byte ORed in, for strHigh
	for {
		// Eight bytes at a time while none of them ends the run, then
		// byte by byte up to the one that does.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			if specialIn8(x) {
				break
			}
			seen |= x
			i += 8
		}
		for i < len(b) && plainString[b[i]] {
			seen |= uint64(b[i])
			i++
		}
		if i >= len(b) {
			return -1, flags
		}
		switch b[i] {
		case '"':
			if seen&0x8080808080808080 != 0 {
				flags |= strHigh
			}
			return i + 1, flags
		case '\\':
			flags |= strEscapes
			if i+1 >= len(b) {
				return -1, flags
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hexValue(b[i+2:i+6]) < 0 {
					return -1, flags
				}
				i += 6
			default:
				return -1, flags
			}
		default:
			return -1, flags // a control character
		}
	}
}

// specialIn8 reports whether any of the eight bytes packed in x is one that
// ends a run of plain string bytes: '"', '\\' or a control character (below
// 0x20). These are the usual tests for a zero byte (after XOR with the
// byte looked for) and for a byte below n, which never miss one; they may
// report one that is not there only in bytes above the first hit, and the
// byte loop that follows looks at each byte itself anyway.
func specialIn8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((q-ones)&^q|(bs-ones)&^bs|(x-ones*0x20)&^x)&highs != 0
}

// explainString says where and why the string whose opening quote is at
// b[i-1] is not valid, for a string scanJSONString refused.
func explainString(b []byte, i int) (int, string) {
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i, "internal error: the string is valid"
		case c == '\\':
			if i+1 >= len(b) {
				return i + 1, ""
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) || hexValue(b[k:k+1]) < 0 {
						return k, `\u must be followed by four hex digits`
					}
				}
				i += 5
			default:
				return i, `invalid escape in a string (JSON has \" \\ \/ \b \f \n \r \t \uXXXX)`
			}
		case c < 0x20:
			return i, "control character in a string (JSON writes it escaped, e.g. \\n or \\u0001)"
		}
	}
	return i, ""
}

// hexValue reads hex digits, -1 if one is not.
func hexValue(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// scanNumber reads the number at b[i] (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?
// ([eE][+-]?[0-9]+)?) and returns the offset just past it, or -1-k where k is
// the offset of the byte that is wrong.
func scanNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1 - i
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1 - i
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1 - i
		}
		i = digits(b, i)
	}
	return i
}

// appendUnquoted appends the decoded text of a valid JSON string's contents
// (between its quotes) to dst, exactly as encoding/json decodes it: escapes
// resolved, a \u surrogate pair joined, a lone surrogate and each byte of
// invalid UTF-8 replaced by U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			e := s[i+1]
			i += 2
			switch e {
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
				r := hexValue(s[i : i+4])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if d := utf16.DecodeRune(r, hexValue(s[i+2:i+6])); d != utf8.RuneError {
							dst = utf8.AppendRune(dst, d)
							i += 6
							break
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
			default: // '"', '\\', '/'
				dst = append(dst, e)
			}
		case c < utf8.RuneSelf:
			k := i + 1
			for k < len(s) && s[k] < utf8.RuneSelf && s[k] != '\\' {
				k++
			}
			dst = append(dst, s[i:k]...)
			i = k
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// appendValidUTF8 appends s to dst with each byte of invalid UTF-8 replaced
// by U+FFFD.
func appendValidUTF8(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
