package pipeline

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/linemeta"
)

// chunk is a batch of lines copied out of the reader's buffer, so workers
// can parse them while the reader goes on.
type chunk struct {
	data  []byte
	lines []chunkLine
	// meta holds the lines' metadata values (source.Line.Meta), their
	// bytes copied into data; each line names its range of meta.
	meta []chunkMeta

	// The daemon's chunks hold lines of one file: the range they cover, the
	// ticket that tracks their acknowledgement and the rules to try.
	file       *source.Followed
	start, end int64
	t          *ticket
	rules      *ruleSet
	// position is, for a stream's chunk, the Position of its last line.
	position string
	// origin is the resource attributes of the lines' file (see origins);
	// nil for none.
	origin *attribute.Set
}

// chunkMeta is one metadata value of a line, its bytes in chunk.data.
type chunkMeta struct {
	field      linemeta.Field
	start, end int
}

type chunkLine struct {
	start, end int
	file       string
	// number is the line's number in its file when reading began at the
	// file's start, else 0; offset is where it starts.
	number, offset int64
	// meta is the line's range in chunk.meta.
	metaLo, metaHi int32
}

const (
	chunkLines = 256
	chunkBytes = 128 << 10
)

var chunkPool = sync.Pool{New: func() any {
	return &chunk{data: make([]byte, 0, chunkBytes), lines: make([]chunkLine, 0, chunkLines)}
}}

// newChunk takes a chunk from the pool for lines to go through rules; a
// daemon's chunk holds lines of file only, starting at offset start.
func newChunk(rules *ruleSet, file *source.Followed, start int64) *chunk {
	c := chunkPool.Get().(*chunk)
	c.rules, c.file, c.start, c.end = rules, file, start, start
	return c
}

// ticketed records the ticket that tracks c's acknowledgement.
func (c *chunk) ticketed(t *ticket) { c.t = t }

// full says l does not fit in c any more: c holds chunkLines lines, or its
// bytes would pass chunkBytes (a chunk always takes one line, however long).
func (c *chunk) full(l *source.Line) bool {
	return len(c.lines) == chunkLines || (len(c.lines) > 0 && len(c.data)+len(l.Data) > chunkBytes)
}

// add copies l into c; startsAtZero says its number counts from the
// file's start.
func (c *chunk) add(l *source.Line, startsAtZero bool) {
	start := len(c.data)
	c.data = append(c.data, l.Data...)
	c.lines = append(c.lines, chunkLine{start: start, end: len(c.data), file: l.File, number: lineNumber(l.Number, startsAtZero), offset: l.Offset})
	if len(l.Meta) > 0 {
		c.addMeta(l)
	}
	c.end = l.End
	c.position = l.Position
}

// addMeta copies the metadata of l, the line just added, into c. It is
// not inlined, so that add, which runs for every line, stays inlinable.
//
//go:noinline
func (c *chunk) addMeta(l *source.Line) {
	cl := &c.lines[len(c.lines)-1]
	cl.metaLo = int32(len(c.meta))
	for _, v := range l.Meta {
		s := len(c.data)
		c.data = append(c.data, v.Value...)
		c.meta = append(c.meta, chunkMeta{field: v.Field, start: s, end: len(c.data)})
	}
	cl.metaHi = int32(len(c.meta))
}

// lineMeta returns the metadata of l, a line of c, in buf's backing array.
func (c *chunk) lineMeta(l *chunkLine, buf []linemeta.Value) []linemeta.Value {
	buf = buf[:0]
	if l.metaHi == l.metaLo {
		return buf
	}
	for _, m := range c.meta[l.metaLo:l.metaHi] {
		buf = append(buf, linemeta.Value{Field: m.field, Value: c.data[m.start:m.end]})
	}
	return buf
}

// recycle returns a chunk to the pool.
func recycle(c *chunk) {
	c.data, c.lines, c.meta, c.file, c.t, c.rules, c.position = c.data[:0], c.lines[:0], c.meta[:0], nil, nil, nil, ""
	c.origin = nil
	chunkPool.Put(c)
}
