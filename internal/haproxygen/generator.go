package haproxygen

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DefaultTraceparentRatio is the share of lines carrying a traceparent when
// Config.TraceparentRatio is zero: half, so that both the "child of the
// caller's span" and the "new trace" paths of a consumer are exercised.
const DefaultTraceparentRatio = 0.5

// defaultStart is the first accept date when Config.Start is zero; a fixed
// date keeps the lines of a zero Config reproducible.
var defaultStart = time.Date(2026, time.November, 21, 10, 0, 0, 0, time.UTC)

// Config sets what a Generator writes. The zero value is usable: lines from
// seed 0, half of them with a traceparent, none unmatched, all dated
// 21/Nov/2026:10:00:00.000 UTC.
type Config struct {
	// Seed selects the sequence of lines; two generators with the same
	// Config write the same lines.
	Seed int64
	// TraceparentRatio is the share of requests whose captured headers hold
	// a sampled W3C traceparent (flags 01). Zero means
	// DefaultTraceparentRatio; a negative value means none.
	TraceparentRatio float64
	// UnmatchedRatio is the share of lines that are not access-log lines at
	// all (cut-off lines, connection notices, lines missing a field), which
	// a reader must count as unmatched rather than turn into spans. The
	// default, zero, writes none; 1 writes only such lines.
	UnmatchedRatio float64
	// Start is the accept date of the first line, written in Start's
	// location; zero means 2026-11-21 10:00:00 UTC.
	Start time.Time
	// Step is the time between the accept dates of consecutive lines
	// (1/rate for a steady stream). Zero dates every line at Start.
	Step time.Duration
}

// Generator writes HAProxy httplog lines one at a time. It is not safe for
// concurrent use: give each goroutine its own, with its own Seed.
type Generator struct {
	rng       *rand.Rand
	start     time.Time
	step      time.Duration
	tpRatio   float64
	unmatched float64
	// seq numbers the lines; it selects the line's client address, which is
	// what makes every line unique.
	seq uint64
	// offset shifts the sequence into the address space by seed, so that
	// generators with different seeds use different clients.
	offset uint64
	// actconn is HAProxy's process-wide connection count, walked up and
	// down from line to line like real load.
	actconn int
	// unmatchedN counts the unmatched lines written.
	unmatchedN uint64
}

// New returns a Generator for cfg.
func New(cfg Config) *Generator {
	tp := cfg.TraceparentRatio
	switch {
	case tp == 0 || math.IsNaN(tp):
		tp = DefaultTraceparentRatio
	case tp < 0:
		tp = 0
	}
	start := cfg.Start
	if start.IsZero() {
		start = defaultStart
	}
	seed := uint64(cfg.Seed)
	return &Generator{
		rng:       rand.New(rand.NewPCG(seed, seed^0x5eed_1095_4a11_0c8d)),
		start:     start,
		step:      cfg.Step,
		tpRatio:   tp,
		unmatched: cfg.UnmatchedRatio,
		offset:    mix64(seed),
		actconn:   20,
	}
}

// Count is the number of lines written so far.
func (g *Generator) Count() uint64 { return g.seq }

// Unmatched is the number of lines written so far that no access-log rule
// reads (see Config.UnmatchedRatio): a consumer expects Count-Unmatched
// spans.
func (g *Generator) Unmatched() uint64 { return g.unmatchedN }

// Append appends the next line, without a trailing newline, to dst and
// returns the extended slice. It allocates only when dst must grow.
func (g *Generator) Append(dst []byte) []byte {
	seq := g.seq
	g.seq++
	date := g.start.Add(time.Duration(seq) * g.step)
	if g.unmatched > 0 && g.rng.Float64() < g.unmatched {
		g.unmatchedN++
		return g.appendUnmatched(dst, seq, date)
	}
	return g.appendRequest(dst, seq, date, true)
}

// appendUnmatched writes a line that no HAProxy access-log pattern reads,
// in one of the shapes a real log file holds besides access lines. Each
// carries the line's unique client address, so it is unique too.
func (g *Generator) appendUnmatched(dst []byte, seq uint64, date time.Time) []byte {
	switch g.rng.IntN(3) {
	case 0:
		// A line cut short, as when the disk filled up: everything after
		// the client address may be gone, always including the captured
		// headers and the request. (A line cut inside those is what
		// HAProxy writes when it reaches its own length limit, and a
		// reader takes what is left of it.)
		begin := len(dst)
		dst = g.appendRequest(dst, seq, date, true)
		addrEnd := begin + len(appendClient(nil, g.client(seq))) + 1
		tail := bytes.Index(dst[addrEnd:], []byte(" {"))
		if q := bytes.Index(dst[addrEnd:], []byte(` "`)); tail < 0 || (q >= 0 && q < tail) {
			tail = q
		}
		cut := addrEnd + g.rng.IntN(tail)
		return dst[:cut]
	case 1:
		// The notice HAProxy logs per connection without option httplog.
		dst = append(dst, "Connect from "...)
		dst = appendClient(dst, g.client(seq))
		return append(dst, " to 10.0.0.10:443 (www/HTTP)"...)
	default:
		// A line from a log-format that lacks the termination state.
		return g.appendRequest(dst, seq, date, false)
	}
}

// appendRequest writes one httplog line for request seq; withTerm false
// leaves out the termination state (to make an unmatched line).
func (g *Generator) appendRequest(dst []byte, seq uint64, date time.Time, withTerm bool) []byte {
	s := &sites[pick(g.rng, siteWeights[:])]
	rt := &s.routes[g.rng.IntN(len(s.routes))]
	r := g.outcome(rt)

	dst = appendClient(dst, g.client(seq))
	dst = append(dst, " ["...)
	dst = date.AppendFormat(dst, "02/Jan/2006:15:04:05.000")
	dst = append(dst, "] "...)
	dst = append(dst, s.frontend...)
	if s.tls {
		dst = append(dst, '~')
	}
	dst = append(dst, ' ')
	dst = append(dst, rt.backend...)
	dst = append(dst, '/')
	dst = append(dst, r.server...)
	dst = append(dst, ' ')
	for i, t := range r.timers {
		if i > 0 {
			dst = append(dst, '/')
		}
		dst = strconv.AppendInt(dst, int64(t), 10)
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.status), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.bytes), 10)
	dst = append(dst, " - -"...)
	if withTerm {
		dst = append(dst, ' ')
		dst = append(dst, r.term...)
	}
	dst = append(dst, ' ')
	dst = g.appendConns(dst, r)
	dst = append(dst, " {"...)
	if !r.badRequest {
		dst = append(dst, s.host...)
	}
	dst = append(dst, '|')
	if !r.badRequest && g.tpRatio > 0 && g.rng.Float64() < g.tpRatio {
		dst = g.appendTraceparent(dst)
	}
	dst = append(dst, "} \""...)
	if r.badRequest {
		dst = append(dst, "<BADREQ>"...)
	} else {
		dst = append(dst, rt.method...)
		dst = append(dst, ' ')
		dst = g.appendPath(dst, rt)
		dst = append(dst, " HTTP/1.1"...)
	}
	return append(dst, '"')
}

// result is how one request went: what HAProxy logs after the route.
type result struct {
	server     string
	timers     [5]int // TR, Tw, Tc, Tr, Ta in ms; -1 for a phase not reached
	status     int
	bytes      int
	term       string
	srvQueue   int
	beQueue    int
	badRequest bool
}

// outcome draws how a request on route rt ended, with the
// termination state and timers HAProxy logs for that ending.
func (g *Generator) outcome(rt *route) result {
	rng := g.rng
	r := result{
		server: rt.servers[rng.IntN(len(rt.servers))],
		status: rt.status,
		bytes:  rt.minBytes + rng.IntN(rt.maxBytes-rt.minBytes+1),
		term:   "----",
	}
	tr := 0
	if rng.IntN(4) == 0 { // a new connection: headers take a moment
		tr = 1 + rng.IntN(4)
	}
	tc := rng.IntN(3)
	// Server time: log-normal around the route's typical time, as response
	// times are in practice (a long tail of slow requests).
	resp := max(1, int(float64(rt.respMs)*math.Exp(rng.NormFloat64()*0.6)))
	transfer := r.bytes / 200_000
	r.timers = [5]int{tr, 0, tc, resp, tr + tc + resp + transfer}

	switch p := rng.Float64(); {
	case p < 0.86:
		if rt.method == "GET" && rng.IntN(12) == 0 {
			r.status, r.bytes = 304, 180+rng.IntN(60)
		}
	case p < 0.91:
		r.status, r.bytes = 404, 150+rng.IntN(120)
	case p < 0.935:
		r.status, r.bytes = 500, 90+rng.IntN(200)
	case p < 0.955:
		// No server available: rejected before any connection.
		r.server, r.status, r.bytes, r.term = "<NOSRV>", 503, 217, "SC--"
		r.timers = [5]int{tr, -1, -1, -1, tr}
	case p < 0.965:
		// Waited in the queue until timeout queue.
		r.server, r.status, r.bytes, r.term = "<NOSRV>", 503, 217, "sQ--"
		wait := 1000 + rng.IntN(4000)
		r.timers = [5]int{tr, wait, -1, -1, tr + wait}
		r.srvQueue, r.beQueue = rng.IntN(5), 1+rng.IntN(40)
	case p < 0.975:
		// The server did not answer within timeout server.
		r.status, r.bytes, r.term = 504, 194, "sH--"
		r.timers = [5]int{tr, 0, tc, -1, tr + tc + 30000}
	case p < 0.985:
		// The client went away during the transfer.
		r.status, r.term = 200, "CD--"
		r.bytes = r.bytes/2 + 1
		r.timers[4] += rng.IntN(2000)
	case p < 0.99:
		r.status, r.bytes, r.term = 502, 204, "SH--"
		r.timers[3] = -1
	case p < 0.997:
		r.server, r.status, r.bytes, r.term = "<NOSRV>", 403, 192, "PR--"
		r.timers = [5]int{tr, -1, -1, -1, tr}
	default:
		// A request HAProxy could not parse: no backend server, no headers.
		r.server, r.status, r.bytes, r.term = "<NOSRV>", 400, 187, "PR--"
		r.timers = [5]int{-1, -1, -1, -1, 1 + rng.IntN(3)}
		r.badRequest = true
	}
	return r
}

// appendConns writes actconn/feconn/beconn/srv_conn/retries and
// srv_queue/backend_queue, moving the global connection count a little.
func (g *Generator) appendConns(dst []byte, r result) []byte {
	g.actconn += g.rng.IntN(5) - 2
	g.actconn = min(max(g.actconn, 1), 400)
	fe := 1 + g.rng.IntN(g.actconn)
	be := 0
	srv := 0
	if r.server != "<NOSRV>" {
		be = 1 + g.rng.IntN(fe)
		srv = 1 + g.rng.IntN(be)
	}
	dst = strconv.AppendInt(dst, int64(g.actconn), 10)
	dst = append(dst, '/')
	dst = strconv.AppendInt(dst, int64(fe), 10)
	dst = append(dst, '/')
	dst = strconv.AppendInt(dst, int64(be), 10)
	dst = append(dst, '/')
	dst = strconv.AppendInt(dst, int64(srv), 10)
	dst = append(dst, '/')
	if r.server != "<NOSRV>" && g.rng.IntN(200) == 0 {
		dst = append(dst, '1') // a retried connection
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.srvQueue), 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, int64(r.beQueue), 10)
}

// appendTraceparent writes a sampled W3C traceparent with random, non-zero
// trace and parent span ids.
func (g *Generator) appendTraceparent(dst []byte) []byte {
	hi, lo, sp := g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64()
	if hi == 0 && lo == 0 {
		lo = 1
	}
	if sp == 0 {
		sp = 1
	}
	dst = append(dst, "00-"...)
	dst = appendHex64(dst, hi)
	dst = appendHex64(dst, lo)
	dst = append(dst, '-')
	dst = appendHex64(dst, sp)
	return append(dst, "-01"...)
}

// appendPath writes the route's path, its {id} replaced by a number and its
// {word} by a search term.
func (g *Generator) appendPath(dst []byte, rt *route) []byte {
	p := rt.path
	for len(p) > 0 {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			return append(dst, p...)
		}
		dst = append(dst, p[:i]...)
		p = p[i:]
		switch {
		case strings.HasPrefix(p, "{id}"):
			dst = strconv.AppendInt(dst, int64(1+g.rng.IntN(99_999)), 10)
			p = p[len("{id}"):]
		case strings.HasPrefix(p, "{word}"):
			dst = append(dst, words[g.rng.IntN(len(words))]...)
			p = p[len("{word}"):]
		case strings.HasPrefix(p, "{hex}"):
			dst = appendHex32(dst, g.rng.Uint32())
			p = p[len("{hex}"):]
		default:
			dst = append(dst, '{')
			p = p[1:]
		}
	}
	return dst
}

// address is a client: an IPv4 or IPv6 address and a source port.
type address struct {
	v6   bool
	host uint32 // 24 significant bits
	port int
}

// addrBits is the size of the space client addresses are drawn from:
// 24 bits of host and 15 of port, so about 5.5e11 lines before a Generator
// repeats an address (and so, possibly, a line).
const (
	addrBits = 39
	addrMask = 1<<addrBits - 1
	portBits = 15
)

// client returns line seq's address. It is a bijection of seq (mod
// 2^addrBits), shuffled so that consecutive lines come from unrelated
// clients, which is what makes every line of a Generator unique.
func (g *Generator) client(seq uint64) address {
	x := permute((seq + g.offset) & addrMask)
	host := uint32(x >> portBits)
	return address{
		v6:   host%16 == 0, // one client in 16 connects over IPv6
		host: host,
		port: 32768 + int(x&(1<<portBits-1)),
	}
}

// appendClient writes a as HAProxy's %ci:%cp.
func appendClient(dst []byte, a address) []byte {
	if a.v6 {
		dst = append(dst, "2001:db8:"...)
		dst = strconv.AppendUint(dst, uint64(a.host>>16), 16)
		dst = append(dst, "::"...)
		dst = strconv.AppendUint(dst, uint64(a.host&0xffff), 16)
	} else {
		dst = append(dst, "10."...)
		dst = strconv.AppendUint(dst, uint64(a.host>>16&0xff), 10)
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(a.host>>8&0xff), 10)
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(a.host&0xff), 10)
	}
	dst = append(dst, ':')
	return strconv.AppendInt(dst, int64(a.port), 10)
}

// permute is a bijection of [0, 2^addrBits): multiplications by odd
// constants and xor-shifts, each invertible modulo a power of two.
func permute(x uint64) uint64 {
	x = x * 0x9e3779b97f4a7c15 & addrMask
	x ^= x >> 19
	x = x * 0xbf58476d1ce4e5b9 & addrMask
	x ^= x >> 13
	x = x * 0x94d049bb133111eb & addrMask
	x ^= x >> 17
	return x
}

// mix64 scrambles a seed into an offset (splitmix64's finaliser).
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

const hexDigits = "0123456789abcdef"

// appendHex64 writes v as 16 lower-case hex digits.
func appendHex64(dst []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[v>>uint(shift)&0xf])
	}
	return dst
}

// appendHex32 writes v as 8 lower-case hex digits.
func appendHex32(dst []byte, v uint32) []byte {
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[v>>uint(shift)&0xf])
	}
	return dst
}

// pick returns an index drawn with the given weights.
func pick(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}
