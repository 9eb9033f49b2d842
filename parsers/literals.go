package parsers

import (
	"bytes"
	"regexp/syntax"
	"unicode/utf8"
)

// requiredLiterals returns the literal texts every match of re contains, in
// the order a match contains them, without overlapping: the literals of its
// top-level sequence, through groups and through repetitions that must
// happen at least once. Parse checks them before running the expression, so
// that a line missing one (a line cut short, a different kind of message) is
// turned down with a few byte searches instead of a full backtracking run,
// which costs microseconds on a near miss. Parts that may be skipped or that
// offer alternatives contribute nothing, and case-insensitive literals are
// left out, so the list only ever states what is certain.
func requiredLiterals(re *syntax.Regexp) [][]byte {
	var out [][]byte
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			if re.Flags&syntax.FoldCase != 0 {
				return
			}
			var lit []byte
			for _, r := range re.Rune {
				lit = utf8.AppendRune(lit, r)
			}
			out = append(out, lit)
		case syntax.OpCapture, syntax.OpPlus:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		}
	}
	walk(re)
	return out
}

// mayMatch reports whether line contains p's required literals in order. A
// false answer is certain: the expression cannot match line. Each literal is
// looked for after the end of the previous one; taking the leftmost
// occurrence each time never rules out a later arrangement that a match
// might use, since it leaves the most room for the next.
func (p *Parser) mayMatch(line []byte) bool {
	for _, lit := range p.literals {
		i := bytes.Index(line, lit)
		if i < 0 {
			return false
		}
		line = line[i+len(lit):]
	}
	return true
}
