package mapping

// SQL text as PostgreSQL logs it ("statement: SELECT ... WHERE email =
// 'a@b.example'") carries the literals the application sent: customer
// data, tokens. The database semantic conventions allow db.query.text by
// default only with every literal replaced by "?", so an attribute can ask
// for that with Sanitize "sql". Parameters ($1) and identifiers stay;
// comments go (a sqlcommenter comment is per-request data, and a comment
// may quote anything); an IN list of literals becomes IN (?).

// maxSanitized bounds the sanitised text: a statement longer than that is
// cut, as the conventions allow, so that one huge INSERT does not make a
// huge span.
const maxSanitized = 4096

// sanitizeSQL appends q with its literals replaced by "?" to dst. It is a
// lexer, not a parser: it knows PostgreSQL's quoting (standard strings with
// a doubled quote inside, E-prefixed strings with backslash escapes, B- and
// X-prefixed bit strings, U&-prefixed strings, dollar quoting
// $tag$...$tag$, "quoted identifiers") and
// its comments (-- to the end of the line, nested /* */), which is what it
// takes to tell literals from the rest. Unterminated quotes and comments
// swallow the rest of the text, so nothing after them leaks.
func sanitizeSQL(dst, q []byte) []byte {
	start := len(dst)
	for i := 0; i < len(q) && len(dst)-start < maxSanitized; {
		c := q[i]
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			i = skipBlockComment(q, i)
			// A comment separates tokens: one space stays where words
			// would otherwise join, none before punctuation or the end.
			dst = trimSpaceEnd(dst, start)
			i = skipBlanks(q, i)
			if len(dst) > start && i < len(q) && isIdentByte(dst[len(dst)-1]) && (isIdentByte(q[i]) || q[i] == '\'' || q[i] == '"') {
				dst = append(dst, ' ')
			}
		case c == '\'':
			i = skipQuoted(q, i+1, false)
			dst = appendPlaceholder(dst)
		case (c == 'E' || c == 'e') && i+1 < len(q) && q[i+1] == '\'' && !identByteBefore(q, i):
			i = skipQuoted(q, i+2, true)
			dst = appendPlaceholder(dst)
		case (c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && i+1 < len(q) && q[i+1] == '\'' && !identByteBefore(q, i):
			i = skipQuoted(q, i+2, false)
			dst = appendPlaceholder(dst)
		case (c == 'U' || c == 'u') && i+2 < len(q) && q[i+1] == '&' && q[i+2] == '\'' && !identByteBefore(q, i):
			i = skipQuoted(q, i+3, false)
			dst = appendPlaceholder(dst)
		case c == '"':
			j := skipQuotedIdent(q, i+1)
			dst = append(dst, q[i:j]...)
			i = j
		case c == '$':
			if tagEnd, ok := dollarTag(q, i); ok {
				i = skipDollarQuoted(q, i, tagEnd)
				dst = appendPlaceholder(dst)
				break
			}
			// A parameter ($1) or an operator: kept.
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			dst = append(dst, q[i:j]...)
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			if identByteBefore(q, i) {
				dst = append(dst, c)
				i++
				break
			}
			i = skipNumber(q, i)
			dst = appendPlaceholder(dst)
		case isIdentStart(c):
			j := i + 1
			for j < len(q) && isIdentByte(q[j]) {
				j++
			}
			word := q[i:j]
			switch {
			case equalFoldASCII(word, "true") || equalFoldASCII(word, "false"):
				dst = appendPlaceholder(dst)
			default:
				dst = append(dst, word...)
				if equalFoldASCII(word, "in") {
					// IN (1, 2, 3) and IN ('a', 'b') say one thing.
					if k, ok := literalList(q, j); ok {
						dst = append(dst, " (?)"...)
						j = k
					}
				}
			}
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			// Blanks at the start (after a leading comment) go.
			if len(dst) > start {
				dst = append(dst, c)
			}
			i++
		default:
			dst = append(dst, c)
			i++
		}
	}
	if len(dst)-start > maxSanitized {
		dst = dst[:start+maxSanitized]
	}
	return trimSpaceEnd(dst, start)
}

// appendPlaceholder appends "?" for a literal.
func appendPlaceholder(dst []byte) []byte {
	return append(dst, '?')
}

// skipQuoted returns the index after the quote closing a string that
// starts at i (just past its opening quote); a doubled quote is a quote
// inside, and so is a backslashed one when backslash says the string is
// E-prefixed.
func skipQuoted(q []byte, i int, backslash bool) int {
	for i < len(q) {
		switch q[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case '\'':
			if i+1 < len(q) && q[i+1] == '\'' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(q)
}

// skipQuotedIdent returns the index after a "quoted identifier" starting
// at i (past its opening quote); "" is a quote inside.
func skipQuotedIdent(q []byte, i int) int {
	for i < len(q) {
		if q[i] == '"' {
			if i+1 < len(q) && q[i+1] == '"' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(q)
}

// skipBlockComment returns the index after the /* */ comment at i, which
// may nest, as PostgreSQL's do.
func skipBlockComment(q []byte, i int) int {
	depth := 0
	for i < len(q) {
		switch {
		case q[i] == '/' && i+1 < len(q) && q[i+1] == '*':
			depth++
			i += 2
		case q[i] == '*' && i+1 < len(q) && q[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(q)
}

// dollarTag reports whether a dollar quote ($$ or $tag$) opens at i, and
// the index after its opening tag.
func dollarTag(q []byte, i int) (int, bool) {
	if identByteBefore(q, i) {
		return 0, false
	}
	j := i + 1
	if j < len(q) && q[j] >= '0' && q[j] <= '9' {
		return 0, false // $1: a parameter
	}
	for j < len(q) && isIdentByte(q[j]) && q[j] != '$' {
		j++
	}
	if j < len(q) && q[j] == '$' {
		return j + 1, true
	}
	return 0, false
}

// skipDollarQuoted returns the index after the dollar-quoted string whose
// opening tag is q[i:tagEnd].
func skipDollarQuoted(q []byte, i, tagEnd int) int {
	tag := q[i:tagEnd]
	for j := tagEnd; j+len(tag) <= len(q); j++ {
		if q[j] == '$' && string(q[j:j+len(tag)]) == string(tag) {
			return j + len(tag)
		}
	}
	return len(q)
}

// skipNumber returns the index after the numeric constant at i: digits,
// a fraction, an exponent, hex/octal/binary prefixes and underscores
// between digits (PostgreSQL 16).
func skipNumber(q []byte, i int) int {
	if q[i] == '0' && i+1 < len(q) && (q[i+1]|0x20 == 'x' || q[i+1]|0x20 == 'o' || q[i+1]|0x20 == 'b') {
		i += 2
		for i < len(q) && (isAnyHex(q[i]) || q[i] == '_') {
			i++
		}
		return i
	}
	for i < len(q) && (q[i] >= '0' && q[i] <= '9' || q[i] == '_' || q[i] == '.') {
		i++
	}
	if i < len(q) && q[i]|0x20 == 'e' {
		j := i + 1
		if j < len(q) && (q[j] == '+' || q[j] == '-') {
			j++
		}
		if j < len(q) && q[j] >= '0' && q[j] <= '9' {
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return i
}

// literalList reports whether q at i holds, after blanks, a parenthesised
// list of literals only (numbers, strings, parameters), returning the index
// after its closing parenthesis.
func literalList(q []byte, i int) (int, bool) {
	i = skipBlanks(q, i)
	if i >= len(q) || q[i] != '(' {
		return 0, false
	}
	i++
	items := 0
	for {
		i = skipBlanks(q, i)
		if i >= len(q) {
			return 0, false
		}
		c := q[i]
		switch {
		case c == '\'':
			i = skipQuoted(q, i+1, false)
		case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
			if c == '-' || c == '+' {
				i++
			}
			if i >= len(q) || !(q[i] >= '0' && q[i] <= '9' || q[i] == '.') {
				return 0, false
			}
			i = skipNumber(q, i)
		case c == '$':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j == i+1 {
				return 0, false
			}
			i = j
		default:
			return 0, false
		}
		items++
		i = skipBlanks(q, i)
		if i >= len(q) {
			return 0, false
		}
		switch q[i] {
		case ',':
			i++
		case ')':
			return i + 1, items > 0
		default:
			return 0, false
		}
	}
}

func skipBlanks(q []byte, i int) int {
	for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
		i++
	}
	return i
}

// identByteBefore says q[i] continues a word (so a digit there is part of
// an identifier such as t1, and E' is not a string prefix in "typE'").
func identByteBefore(q []byte, i int) bool {
	return i > 0 && isIdentByte(q[i-1])
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

// equalFoldASCII compares b with lower-case ASCII s, ignoring case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i] {
			return false
		}
	}
	return true
}

// trimSpaceEnd drops the blanks a removed trailing comment leaves.
func trimSpaceEnd(dst []byte, start int) []byte {
	for len(dst) > start && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == '\n' || dst[len(dst)-1] == '\t' || dst[len(dst)-1] == '\r') {
		dst = dst[:len(dst)-1]
	}
	return dst
}
