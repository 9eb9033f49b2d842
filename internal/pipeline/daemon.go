package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logspan/logspan/emit"
	"github.com/logspan/logspan/internal/checkpoint"
	"github.com/logspan/logspan/internal/config"
	"github.com/logspan/logspan/internal/source"
	"github.com/logspan/logspan/internal/source/fileid"
)

// Daemon follows the files of its inputs and exports a span for every line
// a rule maps, until its context ends. One goroutine reads (the tailer),
// workers parse and map in parallel, and the exporter's batcher sends; every
// queue between them is bounded, so a slow or absent collector stops the
// reading (the log files are the buffer) instead of growing memory.
//
// Checkpoints record, per file, the offset up to which every span has been
// acknowledged by the collector, never just read: after a crash, lines
// whose spans were in flight are read and sent again, with the same ids.
type Daemon struct {
	// Inputs are the files to follow and their rules.
	Inputs []config.Input
	// Streams are the inputs that are not files (the journal, syslog),
	// each read on a goroutine of its own (see Stream). They are the same
	// for the whole run: ReloadStream replaces a stream's rules only.
	Streams []StreamInput
	Sender  emit.Sender
	// Export holds the batching settings.
	Export emit.Config
	// Settings are the daemon settings, defaults filled in.
	Settings config.Daemon
	// Store keeps the checkpoints; Entries are those it held at start.
	Store   *checkpoint.Store
	Entries []checkpoint.Entry
	Log     *slog.Logger
	// Workers parse and map in parallel (default GOMAXPROCS).
	Workers int
	MaxLine int
	Stats   *Stats
	Health  *Health
	// Now is the clock (default time.Now).
	Now func() time.Time
	// PollTick, DiscoverTick and SaveTick trigger reading, globbing and
	// saving checkpoints; nil means tickers at the settings' intervals
	// (SaveTick: every second). Tests send on them instead of sleeping.
	PollTick, DiscoverTick, SaveTick <-chan time.Time
	// Ready is called once the files found at startup are being followed.
	Ready func()
	// OpenFile opens a log file (default os.Open); tests inject failures.
	OpenFile func(name string) (*os.File, error)

	chans   sync.Once
	reloads chan reload
	started chan struct{} // closed once Run has set up the tailer
	tailer  *source.Tailer
	acks    *acks
	sets    atomic.Pointer[[]*ruleSet]
	// streamSets are the streams' rules by StreamInput.Name, made before
	// started is closed and never added to after.
	streamSets map[string]*atomic.Pointer[ruleSet]
	core       *core[*ticket]
	// positions are the streams' positions saved by the last run.
	positions map[string]string
	origins   origins // used by the reading goroutine
}

type reload struct {
	inputs []config.Input
	done   chan struct{}
}

// forgetAfter is how long the checkpoint of a file no longer found is kept:
// long enough for a rotated log to be compressed and found again.
const forgetAfter = 72 * time.Hour

func (d *Daemon) init() {
	if d.Workers <= 0 {
		d.Workers = runtime.GOMAXPROCS(0)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Health == nil {
		d.Health = &Health{}
	}
	d.Settings = d.Settings.WithDefaults()
	d.core = newCore[*ticket](d.Stats, d.Log)
	d.makeChans()
}

// makeChans makes the channels Reload and Started use, which may be called
// before Run.
func (d *Daemon) makeChans() {
	d.chans.Do(func() {
		d.reloads = make(chan reload)
		d.started = make(chan struct{})
	})
}

// Started is closed once Run is following the files found at startup.
func (d *Daemon) Started() <-chan struct{} {
	d.makeChans()
	return d.started
}

// Run follows the files until ctx ends, then stops reading, delivers what
// was read within Settings.ShutdownTimeout, and saves the checkpoints. Its
// error is non-nil only when the final checkpoint could not be saved.
func (d *Daemon) Run(ctx context.Context) error {
	d.init()
	known := map[*fileid.Known]checkpoint.Entry{}
	var ks []*fileid.Known
	var lastRun time.Time
	for _, e := range d.Entries {
		k := e
		known[&k] = e
		ks = append(ks, &k)
		if e.Seen.After(lastRun) {
			lastRun = e.Seen
		}
	}
	d.acks = newAcks(known)
	d.loadPositions()
	d.setInputs(d.Inputs)
	d.setStreams()
	d.tailer = source.NewTailer(source.TailerConfig{
		Inputs: sourceInputs(d.Inputs), Known: ks, LastRun: lastRun,
		MaxLine: d.MaxLine, MaxOpen: d.Settings.MaxOpenFiles, RotateWait: d.Settings.RotateWait,
		Now: d.Now, Log: d.Log, Open: d.OpenFile, OnOpen: d.acks.open, OnClose: d.acks.close,
	})
	close(d.started)

	batcher := emit.NewBatcher(d.Sender, d.Export, func(tickets []*ticket, r emit.Result) {
		d.core.reported(r)
		d.acks.reported(tickets, r.Failed > 0)
	})
	h := hooks[*ticket]{
		tag:       func(c *chunk) *ticket { return c.t },
		adding:    func(c *chunk) { d.acks.adding(c.t) },
		notAdded:  func(c *chunk) { d.acks.notAdded(c.t) },
		processed: func(c *chunk) { d.acks.processed(c.t) },
	}
	// Workers outlive ctx: at shutdown they finish the chunks already read,
	// until the flush deadline cancels them.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	work := make(chan *chunk, 2*d.Workers)
	var wg sync.WaitGroup
	for i := 0; i < d.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.core.work(workCtx, work, batcher, h)
		}()
	}

	saveTick := d.SaveTick
	if saveTick == nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		saveTick = t.C
	}
	saverDone := make(chan struct{})
	saverStopped := make(chan struct{})
	go func() {
		defer close(saverStopped)
		for {
			select {
			case <-saveTick:
				d.save()
			case <-saverDone:
				return
			}
		}
	}()

	d.tailer.Discover()
	waitStreams := d.runStreams(ctx, work)
	if d.Ready != nil {
		d.Ready()
	}
	d.read(ctx, work)
	waitStreams()

	// Shutdown: what was read is delivered within the deadline; what is
	// abandoned keeps its file's checkpoint before it, to be read again.
	d.acks.holdFailed()
	close(work)
	// One deadline for both steps: the workers finishing what was read,
	// then the batcher flushing, so that a stop never takes longer than
	// ShutdownTimeout (it took twice that with the collector down).
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.Settings.ShutdownTimeout)
	defer cancel()
	stopDeadline := context.AfterFunc(fctx, stopWork)
	defer stopDeadline()
	wg.Wait()
	if err := batcher.Close(fctx); err != nil {
		d.Log.Error("spans still in flight when the shutdown deadline passed: they are sent again after the restart", "err", err)
	}
	close(saverDone)
	<-saverStopped
	d.tailer.Close()
	return d.save()
}

// Reload replaces the inputs and their rules; offsets are kept. It returns
// once the reader has taken them, or ctx ends.
func (d *Daemon) Reload(ctx context.Context, inputs []config.Input) error {
	r := reload{inputs: inputs, done: make(chan struct{})}
	select {
	case <-d.Started():
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case d.reloads <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func sourceInputs(inputs []config.Input) []source.Input {
	out := make([]source.Input, len(inputs))
	for i, in := range inputs {
		out[i] = in.Input
	}
	return out
}

func (d *Daemon) setInputs(inputs []config.Input) {
	sets := make([]*ruleSet, len(inputs))
	for i, in := range inputs {
		sets[i] = newRuleSet(in.Rules, d.Stats)
	}
	d.sets.Store(&sets)
}

// setFor returns the rules for a file of input i; a file no input matches
// any more (after a reload) keeps the first input's rules while its last
// lines are read.
func (d *Daemon) setFor(i int) *ruleSet {
	sets := *d.sets.Load()
	if i < 0 || i >= len(sets) {
		i = 0
	}
	return sets[i]
}

// read is the reading goroutine: it polls the files on every poll tick (and
// again at once while they have more), discovers new files on its slower
// tick, and applies reloads between polls.
func (d *Daemon) read(ctx context.Context, work chan<- *chunk) {
	pollTick, discoverTick := d.PollTick, d.DiscoverTick
	if pollTick == nil {
		t := time.NewTicker(d.Settings.PollInterval)
		defer t.Stop()
		pollTick = t.C
	}
	if discoverTick == nil {
		t := time.NewTicker(d.Settings.DiscoverInterval)
		defer t.Stop()
		discoverTick = t.C
	}
	var cur *chunk
	send := func() error {
		if cur == nil {
			return nil
		}
		c := cur
		cur = nil
		c.ticketed(d.acks.push(c.file, c.start, c.end))
		select {
		case work <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	visit := func(f *source.Followed, l *source.Line) error {
		if cur != nil && (cur.file != f || cur.full(l)) {
			if err := send(); err != nil {
				return err
			}
		}
		if cur == nil {
			cur = newChunk(d.setFor(f.Input()), f, l.Offset)
			cur.origin = d.origins.of(f.Path())
		}
		d.core.read(l, f.Start == 0)
		cur.add(l, f.Start == 0)
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-pollTick:
		case <-discoverTick:
			d.tailer.Forget(forgetAfter)
			d.tailer.Discover()
		case r := <-d.reloads:
			d.setInputs(r.inputs)
			d.tailer.SetInputs(sourceInputs(r.inputs))
			d.tailer.Discover()
			close(r.done)
		}
		for {
			more, err := d.tailer.Poll(visit)
			if err == nil {
				err = send()
			}
			if err != nil {
				if cur != nil {
					recycle(cur)
				}
				return
			}
			if !more || ctx.Err() != nil {
				break
			}
		}
	}
}

// save writes the checkpoints and the streams' positions if they moved.
func (d *Daemon) save() error {
	if d.Store == nil {
		return nil
	}
	written, err := d.Store.Save(d.acks.entries(d.Now(), forgetAfter))
	if err == nil && d.acks.hasStreams() {
		var w bool
		w, err = d.Store.SavePositions(d.acks.positions(d.positions))
		written = written || w
	}
	if err != nil {
		d.Stats.CheckpointErrors.Add(1)
		d.Log.Error("cannot save checkpoints", "dir", d.Store.Dir(), "err", err)
		return fmt.Errorf("saving checkpoints: %w", err)
	}
	if written {
		d.Stats.CheckpointWrites.Add(1)
	}
	return nil
}

// loadPositions reads the streams' positions saved by the last run; a
// damaged file is set aside and the streams start as configured.
func (d *Daemon) loadPositions() {
	d.positions = map[string]string{}
	if d.Store == nil || len(d.Streams) == 0 {
		return
	}
	pos, err := d.Store.Positions()
	if err != nil {
		d.Log.Warn("stream positions not read: the journal is read from where its input starts", "err", err)
	}
	if pos != nil {
		d.positions = pos
	}
}

// Tailer returns the tailer once Run has started (for metrics), else nil.
func (d *Daemon) Tailer() *source.Tailer {
	select {
	case <-d.Started():
		return d.tailer
	default:
		return nil
	}
}
