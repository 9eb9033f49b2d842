package pipeline

import (
	"sync"

	"github.com/logspan/logspan/internal/source"
)

// chunk is a batch of lines copied out of the reader's buffer, so workers
// can parse them while the reader goes on.
type chunk struct {
	data  []byte
	lines []chunkLine

	// The daemon's chunks hold lines of one file: the range they cover, the
	// ticket that tracks their acknowledgement and the rules to try.
	file       *source.Followed
	start, end int64
	t          *ticket
	rules      *ruleSet
}

type chunkLine struct {
	start, end int
	file       string
	// number is the line's number in its file when reading began at the
	// file's start, else 0; offset is where it starts.
	number, offset int64
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
	c.end = l.End
}

// recycle returns a chunk to the pool.
func recycle(c *chunk) {
	c.data, c.lines, c.file, c.t, c.rules = c.data[:0], c.lines[:0], nil, nil, nil
	chunkPool.Put(c)
}
