package journal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/logspan/logspan/internal/source"
)

// Backoff between journalctl runs that fail: from restartMin, doubling,
// up to restartMax. A run that delivered entries or lasted restartMax
// starts the sequence again.
const (
	restartMin = time.Second
	restartMax = time.Minute
)

// maxBatch is the most lines handed to deliver at once.
const maxBatch = 256

// Stream is the journal as an input of the daemon (pipeline.Stream): it
// runs journalctl, turns its entries into lines and restarts it when it
// exits, after the last entry delivered.
type Stream struct {
	opts Options
	key  string
	name string
	log  *slog.Logger

	// now and after are the clock, injected in tests: now for the
	// moment a stream starting at the end starts, after for the waits
	// between restarts.
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// New returns a Stream reading what opts say. name is the input's name in
// messages and checkpoints ("" for one made from the units).
func New(opts Options, name string, log *slog.Logger) *Stream {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = source.DefaultMaxLineBytes
	}
	if opts.Journalctl == "" {
		opts.Journalctl = "journalctl"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Stream{opts: opts, log: log, now: time.Now, after: time.After}
	s.key = streamKey(opts, name)
	s.name = strings.TrimPrefix(s.key, "journal:")
	if s.name == "" {
		s.name = "journal"
	}
	return s
}

// streamKey names a stream in the checkpoint: "journal:" and the input's
// name when it has one, else the units it reads, else nothing more; a
// directory or files read instead of the system's journal follow an "@".
// Two journal inputs with the same key would share a cursor, so the
// config refuses them.
func streamKey(opts Options, name string) string {
	k := "journal:" + name
	if name == "" {
		units := make([]string, len(opts.Units))
		for i, u := range opts.Units {
			units[i] = UnitName(u)
		}
		k += strings.Join(units, ",")
	}
	switch {
	case opts.Directory != "":
		k += "@" + opts.Directory
	case len(opts.Files) > 0:
		k += "@" + strings.Join(opts.Files, ",")
	}
	return k
}

// Key names the stream in the checkpoint directory.
func (s *Stream) Key() string { return s.key }

// Run reads the journal until ctx ends, starting just after cursor from
// ("" = where the options say), handing lines to deliver in batches. When
// journalctl exits or cannot be started it says why in the log and runs
// it again after a wait, just after the last entry delivered, so that
// nothing is skipped and nothing delivered is read twice. It returns nil
// once ctx has ended.
func (s *Stream) Run(ctx context.Context, from string, deliver func([]source.Line) error) error {
	r := &run{s: s, cursor: from, deliver: deliver}
	r.dec.maxMessage = s.opts.MaxLineBytes
	first := true
	wait := time.Duration(0)
	for {
		st := start{cursor: r.cursor}
		if st.cursor == "" && !s.opts.StartAtBeginning {
			if first {
				r.started = s.now()
			} else {
				st.since = r.started
			}
		}
		first = false
		began := s.now()
		delivered := r.delivered
		err := r.once(ctx, st)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case errors.Is(err, errBadCursor):
			s.log.Error("journal: journalctl refused the cursor to resume after; reading from where the input starts instead (start: end or beginning)",
				"input", s.name, "cursor", r.cursor)
			r.cursor = ""
			first = true
		}
		if r.delivered > delivered || s.now().Sub(began) >= restartMax {
			wait = 0
		}
		wait = min(max(2*wait, restartMin), restartMax)
		s.log.Error("journal: reading the journal stopped; restarting journalctl", "input", s.name, "err", err,
			"after", wait, "resume after cursor", r.cursor)
		select {
		case <-s.after(wait):
		case <-ctx.Done():
			return nil
		}
	}
}

// errBadCursor is a journalctl run that refused its cursor.
var errBadCursor = errors.New("journalctl refused the cursor")

// run is the state of one Run across journalctl restarts.
type run struct {
	s       *Stream
	deliver func([]source.Line) error
	dec     decoder
	lines   []source.Line
	cursors []byte

	cursor    string    // of the last line delivered
	started   time.Time // when a stream starting at the end started
	delivered int64     // lines delivered
}

// maxEntry bounds the bytes of one JSON entry held in memory: room for a
// message at the line limit written as an array of byte values (up to
// four characters a byte), and for the other fields. The rest of a longer
// entry is read and dropped.
func (r *run) maxEntry() int { return 4*r.s.opts.MaxLineBytes + 64<<10 }

// once runs journalctl from st until it exits or ctx ends, and delivers
// its entries.
func (r *run) once(ctx context.Context, st start) error {
	// journalctl gets a context of its own, so that it is stopped
	// (and waited for) whenever this run ends, not only with ctx.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c, err := startChild(cctx, r.s.opts.Journalctl, r.s.opts.args(st), r.s.log)
	if err != nil {
		return err
	}
	readErr := r.read(c.stdout)
	cancel()
	waitErr := c.wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case c.badCursor() && st.cursor != "":
		return errBadCursor
	case readErr != nil:
		return readErr
	}
	return waitErr
}

// read turns journalctl's output into lines and delivers them, a batch of
// the entries at hand at a time. While deliver blocks nothing is read, so
// journalctl blocks on its full pipe: no entries pile up in memory.
func (r *run) read(out io.Reader) error {
	br := bufio.NewReaderSize(out, 64<<10)
	var long []byte // an entry longer than br's buffer, gathered
	for {
		r.dec.reset()
		r.lines, r.cursors = r.lines[:0], r.cursors[:0]
		var cursorEnds []int
		for len(r.lines) < maxBatch {
			if len(r.lines) > 0 && !lineAtHand(br) {
				break
			}
			raw, cut, err := readEntry(br, &long, r.maxEntry())
			if err == io.EOF && len(raw) == 0 {
				if len(r.lines) > 0 {
					if derr := r.flush(cursorEnds); derr != nil {
						return derr
					}
				}
				return nil
			}
			if err != nil && err != io.EOF {
				return fmt.Errorf("reading journalctl's output: %w", err)
			}
			if len(bytes.TrimSpace(raw)) == 0 {
				continue
			}
			e, derr := r.dec.decode(raw, cut)
			if derr != nil {
				r.s.log.Warn("journal: skipped an entry journalctl wrote that is not JSON as expected", "input", r.s.name, "err", derr)
				continue
			}
			r.cursors = append(r.cursors, e.cursor...)
			cursorEnds = append(cursorEnds, len(r.cursors))
			r.lines = append(r.lines, source.Line{
				Data: e.message, Meta: e.meta,
				Truncated: e.truncated, InvalidUTF8: e.invalidUTF8,
			})
		}
		if len(r.lines) > 0 {
			if err := r.flush(cursorEnds); err != nil {
				return err
			}
		}
	}
}

// flush gives the batch's lines their numbers and positions and delivers
// them. The batch's cursors become one string, which the lines' Positions
// share. An entry without a cursor (one cut short) takes the position of
// the entry before it: resuming there reads it again rather than skipping
// it.
func (r *run) flush(cursorEnds []int) error {
	all := string(r.cursors)
	prev := 0
	for i := range r.lines {
		if end := cursorEnds[i]; end > prev {
			r.cursor = all[prev:end]
			prev = end
		}
		r.delivered++
		l := &r.lines[i]
		l.Number = r.delivered
		l.Position = r.cursor
	}
	return r.deliver(r.lines)
}

// lineAtHand says br holds a whole entry already, so reading it will not
// wait for journalctl.
func lineAtHand(br *bufio.Reader) bool {
	n := br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := br.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

// readEntry returns the next line of br without its newline: a slice of
// br's buffer, or of *long when the line is longer than the buffer. Only
// limit bytes of a longer line are kept (cut is then true); the rest is
// read and dropped. The slice is valid until the next call.
func readEntry(br *bufio.Reader, long *[]byte, limit int) (line []byte, cut bool, err error) {
	chunk, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		line = bytes.TrimSuffix(chunk, []byte{'\n'})
		if len(line) > limit {
			return line[:limit], true, err
		}
		return line, false, err
	}
	*long = (*long)[:0]
	total := 0
	for {
		total += len(chunk)
		if room := limit - len(*long); room > 0 {
			*long = append(*long, chunk[:min(room, len(chunk))]...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
		chunk, err = br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if err == nil {
		total-- // the newline
	}
	line = bytes.TrimSuffix(*long, []byte{'\n'})
	if total > limit {
		return line[:min(len(line), limit)], true, err
	}
	return line, false, err
}
