package parsers

import (
	"regexp/syntax"
	"strconv"
	"strings"
)

// printRegexp returns re as regular expression text, as re.String() does,
// but without its cost on character classes. regexp/syntax's printer first
// checks every class for case folding, rune by rune up to U+1E943: for a
// negated class such as [^ ] that is some 120,000 SimpleFold calls, and the
// shipped rules have hundreds of such classes, which made loading them take
// a quarter of a second of CPU at every start and reload.
//
// Each class is swapped for a one-rune literal from Unicode's plane 16
// (private use, never folded, printed as \x{...}) while re is printed, and
// the placeholder's text is then replaced by the class written as plain
// ranges, [\x{0}-\x{1f}...]: the same set, in a form any RE2 parser reads.
// re is left as it was found. When re already holds plane-16 runes, the
// placeholders could be mistaken for them, and re.String() is used instead.
func printRegexp(re *syntax.Regexp) string {
	var classes []*syntax.Regexp
	clash := false
	walkRegexp(re, func(n *syntax.Regexp) {
		switch n.Op {
		case syntax.OpCharClass:
			classes = append(classes, n)
		case syntax.OpLiteral:
			for _, r := range n.Rune {
				if r >= placeholderBase {
					clash = true
				}
			}
		}
	})
	if clash || len(classes) == 0 || len(classes) > placeholderMax {
		return re.String()
	}
	saved := make([]syntax.Regexp, len(classes))
	for i, n := range classes {
		saved[i] = *n
		*n = syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{placeholderBase + rune(i)}}
	}
	text := re.String()
	for i, n := range classes {
		*n = saved[i]
	}
	// Every \x{...} from \x{100000} on is a placeholder: read it whole
	// and write its class.
	var b strings.Builder
	for len(text) > 0 {
		i := strings.Index(text, `\x{10`)
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		text = text[i:]
		end := strings.IndexByte(text, '}')
		var v uint64
		err := strconv.ErrSyntax
		if end > 3 {
			v, err = strconv.ParseUint(text[3:end], 16, 32)
		}
		if err != nil || rune(v) < placeholderBase || int(rune(v)-placeholderBase) >= len(classes) {
			b.WriteString(text[:3])
			text = text[3:]
			continue
		}
		writeClass(&b, classes[rune(v)-placeholderBase].Rune)
		text = text[end+1:]
	}
	return b.String()
}

const (
	// placeholderBase is the first rune of Unicode's plane 16.
	placeholderBase rune = 0x100000
	// placeholderMax is how many classes one expression may swap.
	placeholderMax = 0xFFFE
)

// writeClass writes a character class's ranges (pairs of bounds) as a
// bracket expression with every bound written as \x{...}.
func writeClass(b *strings.Builder, ranges []rune) {
	if len(ranges) == 0 {
		b.WriteString(`[^\x{0}-\x{10ffff}]`) // the empty class: matches nothing
		return
	}
	b.WriteByte('[')
	for i := 0; i+1 < len(ranges); i += 2 {
		writeRune(b, ranges[i])
		if ranges[i+1] != ranges[i] {
			b.WriteByte('-')
			writeRune(b, ranges[i+1])
		}
	}
	b.WriteByte(']')
}

func writeRune(b *strings.Builder, r rune) {
	b.WriteString(`\x{`)
	b.WriteString(strconv.FormatInt(int64(r), 16))
	b.WriteByte('}')
}

// walkRegexp calls fn on re and every node below it.
func walkRegexp(re *syntax.Regexp, fn func(*syntax.Regexp)) {
	fn(re)
	for _, sub := range re.Sub {
		walkRegexp(sub, fn)
	}
}
