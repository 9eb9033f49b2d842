package source

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/logspan/logspan/internal/source/container"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// wrapperSlack is how much longer than the line limit a container log's
// record may be before the reader cuts it: room for the runtime's wrapper
// around a line the program wrote at the limit.
const wrapperSlack = 4 << 10

// unwrapper reads a container log (format cri, docker or auto): it takes
// the Reader's lines as the runtime's records, removes the wrapper, joins
// a line the runtime wrote in pieces, and hands out the program's lines with
// the runtime's time and stream as their Meta.
//
// Offsets stay the file's: a line's Offset is its first record's, its End
// its last record's, so a checkpoint never falls inside a record. A line
// whose last piece has not been written yet is held back, and so is the
// file's position (Offset): after a restart it is read again from its
// first piece. The joined line is cut at the line limit like a plain one
// (Truncated), and at most that much of it is held.
type unwrapper struct {
	r     *Reader
	limit int // the longest line kept whole
	dec   *container.Decoder
	join  *container.Joiner
	meta  [2]linemeta.Value
	// utf8Buf holds a line whose invalid UTF-8 was replaced: the reader
	// passes records on as they are, since a runtime may split a line in
	// the middle of a character, and the line is checked once it is whole.
	utf8Buf []byte
}

// unwrap makes r read records of format f: r passes its lines on
// unchecked for UTF-8, and cuts them at the line limit plus the wrapper's
// room. The unwrapper returned cuts the program's lines at the limit r had.
func unwrap(r *Reader, f container.Format) *unwrapper {
	max := r.max
	r.raw, r.max = true, max+wrapperSlack
	return &unwrapper{r: r, limit: max, dec: container.NewDecoder(f), join: container.NewJoiner(max)}
}

// Next returns the next line of the program. At the end of what was
// written so far it returns io.EOF: for a followed file, with the pieces of
// an unfinished line kept for the next call; for a file read whole, after
// handing out those pieces as lines (the file will not grow).
func (u *unwrapper) Next() (Line, error) {
	for {
		raw, err := u.r.Next()
		if err == io.EOF && !u.r.follow {
			if l, ok := u.flush(raw.File); ok {
				return l, nil
			}
		}
		if err != nil {
			return Line{}, err
		}
		rec, plain, werr := u.dec.Decode(raw.Data)
		if plain {
			return u.plain(raw, werr), nil
		}
		l, ok := u.join.Add(&rec, container.Place{Offset: raw.Offset, End: raw.End, Number: raw.Number, Truncated: raw.Truncated})
		if ok {
			return u.line(&l, raw.File), nil
		}
	}
}

// plain passes on a line that is no record, held back like any line
// behind an unfinished one.
func (u *unwrapper) plain(raw Line, werr error) Line {
	if at, held := u.join.Hold(); held && at < raw.End {
		raw.End, raw.Offset = at, min(raw.Offset, at)
	}
	raw.WrapperErr = werr
	if len(raw.Data) > u.limit {
		raw.Data, raw.Truncated = raw.Data[:u.limit], true
	}
	raw.Data, raw.InvalidUTF8 = u.valid(raw.Data)
	return raw
}

// line turns a joined line into a Line of file.
func (u *unwrapper) line(l *container.Line, file string) Line {
	out := Line{File: file, Number: l.Number, Offset: l.Offset, End: l.End, Truncated: l.Truncated}
	out.Data, out.InvalidUTF8 = u.valid(l.Data)
	u.meta[1] = linemeta.Value{Field: linemeta.ContainerStream, Value: l.Stream.Bytes()}
	if len(l.Time) > 0 {
		u.meta[0] = linemeta.Value{Field: linemeta.ContainerTime, Value: l.Time}
		out.Meta = u.meta[:]
	} else {
		out.Meta = u.meta[1:]
	}
	return out
}

// valid returns b with invalid UTF-8 replaced, and whether any was.
func (u *unwrapper) valid(b []byte) ([]byte, bool) {
	if utf8.Valid(b) {
		return b, false
	}
	u.utf8Buf = append(u.utf8Buf[:0], bytes.ToValidUTF8(b, []byte("\uFFFD"))...)
	return u.utf8Buf, true
}

// flush hands out the first unfinished line as it is: the file will not
// grow any more. Call it until it returns false.
func (u *unwrapper) flush(file string) (Line, bool) {
	l, ok := u.join.Flush()
	if !ok {
		return Line{}, false
	}
	return u.line(&l, file), true
}

// flushPartial hands out what is left of a followed file that will not
// grow any more: a last record without its newline, then the unfinished
// lines. Call it until it returns false.
func (u *unwrapper) flushPartial() (Line, bool) {
	for {
		raw, ok := u.r.flushPartial()
		if !ok {
			return u.flush(u.r.file)
		}
		rec, plain, werr := u.dec.Decode(raw.Data)
		if plain {
			return u.plain(raw, werr), true
		}
		if l, ok := u.join.Add(&rec, container.Place{Offset: raw.Offset, End: raw.End, Number: raw.Number, Truncated: raw.Truncated}); ok {
			return u.line(&l, raw.File), true
		}
	}
}

// offset is how far the file has been handed out: the start of the first
// unfinished line, or the position just past the last record read.
func (u *unwrapper) offset() int64 {
	if at, held := u.join.Hold(); held {
		return at
	}
	return u.r.Offset()
}

// reset forgets unfinished lines: the file is read again from its start.
func (u *unwrapper) reset() { u.join.Reset() }
