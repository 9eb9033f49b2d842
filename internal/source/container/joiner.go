package container

// Place is where a record's line sits in its file: the offsets of its
// first byte and of the byte just past its newline, its line number, and
// whether the reader cut it for length.
type Place struct {
	Offset, End, Number int64
	Truncated           bool
}

// Line is a line of the program, whole again: the Log of one full record,
// or of the partial records before it joined to it.
type Line struct {
	// Data is the program's line. It is valid until the Joiner's next call.
	Data []byte
	// Time is the first record's time (when the line started to come out),
	// as written; Stream is the stream the line was written to.
	Time   []byte
	Stream Stream
	// Place spans the line's records: its Offset is the first's, its End
	// the last's, its Number the first's, and Truncated says the line was
	// cut at the Joiner's limit (or a record of it by the reader). When a
	// line of the other stream is still partial, Offset and End are held
	// back to that line's start (see Joiner).
	Place
}

// Joiner puts partial records back together, one line per stream at a time,
// never holding more than its limit of a line: the rest of a longer line is
// dropped and the line marked Truncated, so that a runaway writer costs
// bounded memory. A record that is a whole line by itself passes through
// without a copy.
//
// A file's offsets must say how far it has been delivered, and a line that
// is still partial has not been: its records are read again after a
// restart. So a line handed out while the other stream holds a partial line
// that started before it ends, for that purpose, where the partial line
// starts: its Offset and End are held back there (Hold). Reading again
// from there may repeat that line, never lose the partial one.
type Joiner struct {
	max  int
	open [numStreams]partial
}

// partial is a line of one stream whose final record has not come yet.
type partial struct {
	on        bool
	data      []byte
	time      []byte
	start     Place // the first record's
	end       int64 // the End of the last record added
	truncated bool
}

// NewJoiner returns a Joiner that keeps at most max bytes of a line
// (max > 0).
func NewJoiner(max int) *Joiner { return &Joiner{max: max} }

// Add takes the next record of the file, found at p. It returns a line when
// the record ends one (ok), which is valid until the next call.
func (j *Joiner) Add(r *Record, p Place) (l Line, ok bool) {
	o := &j.open[r.Stream]
	if !o.on && !r.Partial {
		data, cut := j.fit(r.Log, 0)
		l = Line{Data: trimCR(data), Time: r.Time, Stream: r.Stream, Place: p}
		l.Truncated = p.Truncated || cut
		l.Place = j.hold(l.Place)
		return l, true
	}
	if !o.on {
		o.on, o.start, o.truncated = true, p, false
		o.data, o.time = o.data[:0], append(o.time[:0], r.Time...)
	}
	add, cut := j.fit(r.Log, len(o.data))
	o.data, o.end = append(o.data, add...), p.End
	o.truncated = o.truncated || cut || p.Truncated
	if r.Partial {
		return Line{}, false
	}
	end := p
	end.Offset = o.start.Offset
	return j.close(r.Stream, end), true
}

// Flush returns the partial line that started first as a whole line, for a
// file that will not grow any more (read to its end, or let go); false when
// no line is partial. Call it until it returns false.
func (j *Joiner) Flush() (Line, bool) {
	first := -1
	for s := range j.open {
		if j.open[s].on && (first < 0 || j.open[s].start.Offset < j.open[first].start.Offset) {
			first = s
		}
	}
	if first < 0 {
		return Line{}, false
	}
	end := j.open[first].start
	end.End = j.open[first].end
	return j.close(Stream(first), end), true
}

// close ends stream s's partial line at p (whose Offset is the line's
// start) and returns it.
func (j *Joiner) close(s Stream, p Place) Line {
	o := &j.open[s]
	o.on = false
	l := Line{Data: trimCR(o.data), Time: o.time, Stream: s, Place: p}
	l.Number, l.Truncated = o.start.Number, o.truncated
	l.Place = j.hold(l.Place)
	return l
}

// Hold returns the start of the partial line that started first, or false
// when no line is partial: how far a file is delivered, at most, once every
// line handed out is.
func (j *Joiner) Hold() (int64, bool) {
	var at int64
	held := false
	for s := range j.open {
		if o := &j.open[s]; o.on && (!held || o.start.Offset < at) {
			at, held = o.start.Offset, true
		}
	}
	return at, held
}

// hold moves p back to the start of a partial line that starts before its
// end.
func (j *Joiner) hold(p Place) Place {
	if at, ok := j.Hold(); ok && at < p.End {
		p.End = at
		p.Offset = min(p.Offset, at)
	}
	return p
}

// Reset forgets every partial line: the file is read again from another
// place (truncated and read from its start).
func (j *Joiner) Reset() {
	for s := range j.open {
		j.open[s].on = false
	}
}

// fit returns the part of b that fits after have bytes of a line, and
// whether some of b did not fit.
func (j *Joiner) fit(b []byte, have int) ([]byte, bool) {
	if room := j.max - have; len(b) > room {
		return b[:max(room, 0)], true
	}
	return b, false
}

// trimCR drops the carriage return of a line ended by CR LF, as the reader
// does for plain lines.
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
