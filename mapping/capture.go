package mapping

import (
	"bytes"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// capture is a compiled CaptureSpec.
type capture struct {
	field  int
	prefix string
	// keys holds the attribute key of each position: Prefix+name, or
	// Prefix+position for a value without a name (and a few positions past
	// the names, computed once rather than per line).
	keys []attribute.Key
	// skip marks the positions named traceparent or tracestate: trace
	// context becomes the span's parent and tracestate, not attributes.
	skip []bool
	// named is the number of positions that have a name.
	named int
	// shadowed marks keys that an AttributeSpec or an earlier capture may
	// have set already; the first wins.
	shadowed []bool
}

// extraCapturePositions is how many unnamed positions past the declared
// names get a precomputed key.
const extraCapturePositions = 8

// compileCapture compiles capture i; seen holds the keys set before it
// (attributes and earlier captures) and gets this capture's keys added.
// DefaultCapturePrefix is the attribute prefix of a capture block that
// names none: HAProxy's "capture request header" is the common case.
const DefaultCapturePrefix = "http.request.header."

func compileCapture(i int, c CaptureSpec, fi fieldIndex, seen map[attribute.Key]bool) (capture, *SpecError) {
	path := "captures[" + strconv.Itoa(i) + "]"
	f, serr := fi.lookup(path+".field", c.Field)
	if serr != nil {
		return capture{}, serr
	}
	if c.Prefix == "" {
		c.Prefix = DefaultCapturePrefix
	}
	cp := capture{field: f, prefix: c.Prefix, named: len(c.Names)}
	n := len(c.Names) + extraCapturePositions
	for pos := range n {
		name := ""
		if pos < len(c.Names) {
			name = strings.ToLower(strings.TrimSpace(c.Names[pos]))
		}
		key := cp.positionKey(pos)
		if name != "" {
			key = attribute.Key(c.Prefix + name)
		}
		cp.keys = append(cp.keys, key)
		cp.skip = append(cp.skip, name == "traceparent" || name == "tracestate")
		cp.shadowed = append(cp.shadowed, seen[key])
		seen[key] = true
	}
	return cp, nil
}

func (c *capture) positionKey(pos int) attribute.Key {
	return attribute.Key(c.prefix + strconv.Itoa(pos))
}

// trimBraces removes the braces HAProxy puts around a capture block, in
// case the parser's field includes them.
func trimBraces(b []byte) []byte {
	if len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' {
		return b[1 : len(b)-1]
	}
	return b
}

// nthCapture returns the value at position pos of a capture block, raw
// (still escaped).
func nthCapture(block []byte, pos int) ([]byte, bool) {
	block = trimBraces(block)
	for i := 0; ; i++ {
		v, rest, more := bytes.Cut(block, []byte{'|'})
		if i == pos {
			return v, true
		}
		if !more {
			return nil, false
		}
		block = rest
	}
}

// capturePosition returns where position pos of a capture block lies in
// block: [lo, hi) (raw, still escaped).
func capturePosition(block []byte, pos int) (lo, hi int, ok bool) {
	if len(block) >= 2 && block[0] == '{' && block[len(block)-1] == '}' {
		lo = 1
		block = block[:len(block)-1]
	}
	for i := 0; ; i++ {
		end := bytes.IndexByte(block[lo:], '|')
		if i == pos {
			if end < 0 {
				return lo, len(block), true
			}
			return lo, lo + end, true
		}
		if end < 0 {
			return 0, 0, false
		}
		lo += end + 1
	}
}

// unescapeCapture undoes HAProxy's #XX escapes (used for '|', '{', '}',
// '"', '#' and control bytes) onto dst. A '#' not followed by two hex
// digits is kept as is: it cannot come from HAProxy's escaping, so it is
// better shown than dropped.
func unescapeCapture(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '#' && i+2 < len(v) && isAnyHex(v[i+1]) && isAnyHex(v[i+2]) {
			c = anyHexVal(v[i+1])<<4 | anyHexVal(v[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

func anyHexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
