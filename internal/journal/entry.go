package journal

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/logspan/logspan/internal/source/linemeta"
)

// entry is one decoded journal entry. Its byte slices point into the
// decoder's buffer and stay valid until the decoder's reset.
type entry struct {
	// message is MESSAGE: a string, an array of byte values (journald's
	// form for text that is not UTF-8), or the first value of a field
	// given more than once. Empty when MESSAGE is null or absent.
	message []byte
	// cursor is __CURSOR; nil when the entry has none (an entry cut short).
	cursor []byte
	// meta are the fields rules can read, in the order found.
	meta []linemeta.Value
	// truncated says message was longer than the limit and was cut.
	truncated bool
	// invalidUTF8 says invalid UTF-8 in message was replaced with U+FFFD.
	invalidUTF8 bool
}

// metaFields are the journal fields a line carries as metadata, by the
// name journalctl writes.
var metaFields = map[string]linemeta.Field{
	"_SYSTEMD_UNIT":        linemeta.JournalUnit,
	"_HOSTNAME":            linemeta.JournalHostname,
	"_PID":                 linemeta.JournalPID,
	"SYSLOG_IDENTIFIER":    linemeta.JournalIdentifier,
	"__REALTIME_TIMESTAMP": linemeta.JournalRealtime,
	"PRIORITY":             linemeta.JournalPriority,
}

// decoder reads journalctl's JSON entries (one object per line). It appends
// what it keeps of each entry to one buffer, which only grows until reset:
// the values of every entry decoded since the last reset stay valid (a
// buffer that had to grow leaves the older values in its previous array),
// so a batch of lines can point into it without copies.
type decoder struct {
	maxMessage int
	buf        []byte
	meta       []linemeta.Value

	in  []byte // the entry being decoded
	pos int
	cut bool // in ends early because the entry was longer than read
}

// errCut is returned inside the decoder when input ends in a value of an
// entry read only in part.
var errCut = errors.New("entry cut short")

// reset forgets every entry decoded so far: their values may be
// overwritten.
func (d *decoder) reset() {
	d.buf = d.buf[:0]
	d.meta = d.meta[:0]
}

// decode decodes one JSON entry. cut says in is only the start of an entry
// too long to read whole: the fields complete in it are kept, and a
// MESSAGE it ends in is kept as far as it goes, marked truncated.
func (d *decoder) decode(in []byte, cut bool) (entry, error) {
	d.in, d.pos, d.cut = in, 0, cut
	var e entry
	metaStart := len(d.meta)
	err := d.object(&e)
	e.meta = d.meta[metaStart:len(d.meta):len(d.meta)]
	d.in = nil
	if err == errCut {
		err = nil
	}
	if err != nil {
		d.meta = d.meta[:metaStart]
		return entry{}, err
	}
	if !utf8.Valid(e.message) {
		start := len(d.buf)
		d.buf = append(d.buf, bytes.ToValidUTF8(e.message, []byte("\uFFFD"))...)
		e.message = d.buf[start:]
		e.invalidUTF8 = true
		if len(e.message) > d.maxMessage {
			// Replacements made it longer; cut at a rune's start.
			n := d.maxMessage
			for n > 0 && !utf8.RuneStart(e.message[n]) {
				n--
			}
			e.message, e.truncated = e.message[:n], true
		}
	}
	return e, nil
}

// object decodes the entry's top-level object.
func (d *decoder) object(e *entry) error {
	d.space()
	if err := d.expect('{'); err != nil {
		return err
	}
	d.space()
	if d.peek() == '}' {
		d.pos++
		return d.end()
	}
	for {
		d.space()
		key, err := d.rawString()
		if err != nil {
			return err
		}
		d.space()
		if err := d.expect(':'); err != nil {
			return err
		}
		d.space()
		if err := d.field(e, key); err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.in) {
			return d.eof()
		}
		switch c := d.in[d.pos]; c {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return d.end()
		default:
			return d.syntax("expected , or } after a field, found %q", c)
		}
	}
}

// end checks that nothing but space follows the object.
func (d *decoder) end() error {
	d.space()
	if d.pos != len(d.in) {
		return d.syntax("unexpected %q after the entry", d.in[d.pos])
	}
	return nil
}

// field decodes the value of the field named key (as written, quotes
// excluded) into e when it is one e keeps, and skips it otherwise.
func (d *decoder) field(e *entry, key []byte) error {
	switch {
	case string(key) == "MESSAGE":
		start := len(d.buf)
		truncated, err := d.value(d.maxMessage)
		// A MESSAGE cut short is kept as far as it goes.
		if err == nil || (err == errCut && len(d.buf) > start) {
			e.message, e.truncated = d.buf[start:], truncated || err == errCut
		}
		return err
	case string(key) == "__CURSOR":
		start := len(d.buf)
		if _, err := d.value(-1); err != nil {
			return err
		}
		e.cursor = d.buf[start:]
		return nil
	}
	if f, ok := metaFields[string(key)]; ok {
		start := len(d.buf)
		if _, err := d.value(-1); err != nil {
			return err
		}
		d.meta = append(d.meta, linemeta.Value{Field: f, Value: d.buf[start:len(d.buf):len(d.buf)]})
		return nil
	}
	return d.skip(0)
}

// value appends the bytes of a field's value to buf: a string's text, an
// array of byte values' bytes, the first value of an array of values, or
// nothing for null. max (when not -1) limits how many bytes are appended;
// truncated says the value had more.
func (d *decoder) value(max int) (truncated bool, err error) {
	if d.pos >= len(d.in) {
		return false, d.eof()
	}
	switch c := d.in[d.pos]; c {
	case '"':
		return d.str(max)
	case 'n':
		return false, d.literal("null")
	case '[':
		d.pos++
		d.space()
		if d.pos >= len(d.in) {
			return false, d.eof()
		}
		switch d.in[d.pos] {
		case '"', '[', 'n':
			// A field given more than once: keep the first value.
			if truncated, err = d.value(max); err != nil {
				return truncated, err
			}
			return truncated, d.rest()
		}
		return d.bytesArray(max)
	default:
		return false, d.syntax("unexpected %q at the start of a value", c)
	}
}

// bytesArray appends the bytes of an array of byte values ("[104,105]"),
// its opening bracket already read.
func (d *decoder) bytesArray(max int) (truncated bool, err error) {
	start := len(d.buf)
	if d.peek() == ']' {
		d.pos++
		return false, nil
	}
	for {
		d.space()
		n, digits := 0, 0
		for d.pos < len(d.in) && d.in[d.pos] >= '0' && d.in[d.pos] <= '9' {
			n = n*10 + int(d.in[d.pos]-'0')
			d.pos++
			if digits++; digits > 3 || n > 255 {
				return truncated, d.syntax("a byte value above 255")
			}
		}
		if digits == 0 {
			if d.pos >= len(d.in) {
				return truncated, d.eof()
			}
			return truncated, d.syntax("expected a byte value, found %q", d.in[d.pos])
		}
		if max < 0 || len(d.buf)-start < max {
			d.buf = append(d.buf, byte(n))
		} else {
			truncated = true
		}
		d.space()
		if d.pos >= len(d.in) {
			return truncated, d.eof()
		}
		switch c := d.in[d.pos]; c {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return truncated, nil
		default:
			return truncated, d.syntax("expected , or ] in an array of bytes, found %q", c)
		}
	}
}

// rest skips the remaining values of an array whose first value was read,
// and its closing bracket.
func (d *decoder) rest() error {
	for {
		d.space()
		if d.pos >= len(d.in) {
			return d.eof()
		}
		switch c := d.in[d.pos]; c {
		case ']':
			d.pos++
			return nil
		case ',':
			d.pos++
			d.space()
			if err := d.skip(1); err != nil {
				return err
			}
		default:
			return d.syntax("expected , or ] in an array, found %q", c)
		}
	}
}

// maxDepth bounds the nesting skip follows; journalctl nests two deep.
const maxDepth = 8

// skip passes over one value of any JSON kind.
func (d *decoder) skip(depth int) error {
	if d.pos >= len(d.in) {
		return d.eof()
	}
	switch c := d.in[d.pos]; {
	case c == '"':
		_, err := d.rawString()
		return err
	case c == '[' || c == '{':
		if depth >= maxDepth {
			return d.syntax("values nested more than %d deep", maxDepth)
		}
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		d.pos++
		d.space()
		if d.peek() == closing {
			d.pos++
			return nil
		}
		for {
			d.space()
			if c == '{' {
				if _, err := d.rawString(); err != nil {
					return err
				}
				d.space()
				if err := d.expect(':'); err != nil {
					return err
				}
				d.space()
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.space()
			if d.pos >= len(d.in) {
				return d.eof()
			}
			switch n := d.in[d.pos]; n {
			case ',':
				d.pos++
			case closing:
				d.pos++
				return nil
			default:
				return d.syntax("expected , or %c, found %q", closing, n)
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		for d.pos < len(d.in) && bytes.IndexByte([]byte("+-.0123456789eE"), d.in[d.pos]) >= 0 {
			d.pos++
		}
		return nil
	case c == 'n':
		return d.literal("null")
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	default:
		return d.syntax("unexpected %q at the start of a value", c)
	}
}

// rawString returns a string's bytes as written, escapes undone only in
// being skipped over: for keys, which journalctl writes as plain ASCII.
func (d *decoder) rawString() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start := d.pos
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case '"':
			s := d.in[start:d.pos]
			d.pos++
			return s, nil
		case '\\':
			d.pos += 2
		default:
			d.pos++
		}
	}
	d.pos = len(d.in)
	return nil, d.eof()
}

// str appends a JSON string's text to buf, at most limit bytes of it (all
// when limit is -1).
func (d *decoder) str(limit int) (truncated bool, err error) {
	d.pos++ // the opening quote
	start := len(d.buf)
	room := func(n int) bool {
		if truncated || (limit >= 0 && len(d.buf)-start+n > limit) {
			truncated = true
			return false
		}
		return true
	}
	for {
		// Copy the run of plain bytes up to the next quote or escape.
		i := d.pos
		for i < len(d.in) && d.in[i] != '"' && d.in[i] != '\\' {
			i++
		}
		if run := d.in[d.pos:i]; len(run) > 0 && !truncated {
			if limit >= 0 {
				if left := limit - (len(d.buf) - start); len(run) > left {
					left = max(left, 0)
					for left > 0 && !utf8.RuneStart(run[left]) {
						left-- // cut at a character's start
					}
					run, truncated = run[:left], true
				}
			}
			d.buf = append(d.buf, run...)
		}
		d.pos = i
		if d.pos >= len(d.in) {
			return truncated, d.eof()
		}
		if d.in[d.pos] == '"' {
			d.pos++
			return truncated, nil
		}
		// An escape.
		if d.pos+1 >= len(d.in) {
			d.pos = len(d.in)
			return truncated, d.eof()
		}
		c := d.in[d.pos+1]
		d.pos += 2
		var b byte
		switch c {
		case '"', '\\', '/':
			b = c
		case 'b':
			b = '\b'
		case 'f':
			b = '\f'
		case 'n':
			b = '\n'
		case 'r':
			b = '\r'
		case 't':
			b = '\t'
		case 'u':
			r, err := d.hex4()
			if err != nil {
				return truncated, err
			}
			if utf16.IsSurrogate(r) {
				r = d.lowSurrogate(r)
			}
			var enc [utf8.UTFMax]byte
			n := utf8.EncodeRune(enc[:], r)
			if room(n) {
				d.buf = append(d.buf, enc[:n]...)
			}
			continue
		default:
			return truncated, d.syntax("unknown escape \\%c", c)
		}
		if room(1) {
			d.buf = append(d.buf, b)
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func (d *decoder) hex4() (rune, error) {
	if d.pos+4 > len(d.in) {
		d.pos = len(d.in)
		return 0, d.eof()
	}
	var r rune
	for _, c := range d.in[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, d.syntax("bad \\u escape")
		}
	}
	d.pos += 4
	return r, nil
}

// lowSurrogate completes a UTF-16 surrogate pair whose high half was hi:
// it reads a following \u escape when that is the low half, and returns
// U+FFFD for a half without its partner.
func (d *decoder) lowSurrogate(hi rune) rune {
	if d.pos+6 <= len(d.in) && d.in[d.pos] == '\\' && d.in[d.pos+1] == 'u' {
		save := d.pos
		d.pos += 2
		if lo, err := d.hex4(); err == nil {
			if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
				return r
			}
		}
		d.pos = save
	}
	return utf8.RuneError
}

// literal reads the word w (null, true, false).
func (d *decoder) literal(w string) error {
	if len(d.in)-d.pos < len(w) {
		if string(d.in[d.pos:]) == w[:len(d.in)-d.pos] {
			d.pos = len(d.in)
			return d.eof()
		}
	} else if string(d.in[d.pos:d.pos+len(w)]) == w {
		d.pos += len(w)
		return nil
	}
	return d.syntax("unexpected %q", d.in[d.pos])
}

func (d *decoder) space() {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	if d.pos < len(d.in) {
		return d.in[d.pos]
	}
	return 0
}

func (d *decoder) expect(c byte) error {
	if d.pos >= len(d.in) {
		return d.eof()
	}
	if d.in[d.pos] != c {
		return d.syntax("expected %q, found %q", c, d.in[d.pos])
	}
	d.pos++
	return nil
}

// eof is the error for input that ends inside the entry: errCut when the
// entry was cut on purpose, else a syntax error.
func (d *decoder) eof() error {
	if d.cut {
		return errCut
	}
	return d.syntax("the entry ends early")
}

func (d *decoder) syntax(format string, args ...any) error {
	return fmt.Errorf("not a journal entry at byte %d: %s", d.pos, fmt.Sprintf(format, args...))
}
