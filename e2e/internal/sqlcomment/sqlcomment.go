// Package sqlcomment appends a sqlcommenter comment to a SQL statement, as
// an instrumented database client does to carry its span's context into the
// database's log: `SELECT 1 /*route='%2Fok',traceparent='00-...-01'*/`.
// The e2e backend uses it so that PostgreSQL logs each statement with the
// context logspan turns into the parent of the statement's span.
//
// The format (google/sqlcommenter's specification): pairs key='value',
// keys and values percent-encoded, a ' left after encoding escaped as \',
// values in single quotes, the pairs sorted and joined with commas, in one
// /*...*/ at the end of the statement after a space. A statement that
// already holds a comment is left as it is, and so is one given no pairs.
package sqlcomment

import (
	"slices"
	"strings"
)

// Append returns sql with the comment of the pairs in tags appended; pairs
// with an empty value are left out. It returns sql unchanged when no pair is
// left or when sql already contains a comment (-- or /*), which the
// specification forbids changing.
func Append(sql string, tags map[string]string) string {
	if strings.Contains(sql, "--") || strings.Contains(sql, "/*") {
		return sql
	}
	pairs := make([]string, 0, len(tags))
	for k, v := range tags {
		if v == "" {
			continue
		}
		pairs = append(pairs, escape(encode(k))+"='"+escape(encode(v))+"'")
	}
	if len(pairs) == 0 {
		return sql
	}
	slices.Sort(pairs)
	return sql + " /*" + strings.Join(pairs, ",") + "*/"
}

// encode percent-encodes every byte but RFC 3986's unreserved characters
// (letters, digits, - . _ ~), with upper-case hex digits.
func encode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// escape puts a backslash before each single quote. After encode none is
// left; the step is the specification's, kept for what it guards against.
func escape(s string) string {
	return strings.ReplaceAll(s, "'", `\'`)
}
