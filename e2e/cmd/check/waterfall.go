package main

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/logspan/logspan/e2e/internal/harness"
)

// Layout of the waterfall, in CSS pixels.
const (
	wfWidth  = 1160 // the SVG
	wfLabel  = 330  // the name column
	wfRight  = 40   // margin right of the bars
	wfRowH   = 66   // one span
	wfTop    = 40   // the time axis
	wfBarH   = 18
	wfMargin = 16
)

// serviceColor gives each service of the e2e setup its colour.
var serviceColor = map[string]string{
	svcClient:   "#4e79a7",
	svcNginx:    "#76b7b2",
	svcCaddy:    "#edc948",
	svcHAProxy:  "#f28e2b",
	svcBackend:  "#59a14f",
	svcPostgres: "#b07aa1",
}

// detailKeys are the attributes shown under a span's bar, when present.
var detailKeys = []string{
	"http.request.method", "url.full", "url.path", "url.query", "http.route", "http.response.status_code",
	"haproxy.frontend", "haproxy.backend", "haproxy.termination_state", "haproxy.timers",
	"nginx.upstream.status", "postgresql.protocol_step", "db.response.status_code", "db.query.text",
}

// haproxyTimers are shown together as haproxy.timers=TR/Tw/Tc/Tr/Ta.
var haproxyTimers = []string{"TR", "Tw", "Tc", "Tr", "Ta"}

// writeWaterfall draws the trace of one request (-html-request, or the
// first traced slow request through nginx, else through the rewriting
// frontend) as an HTML page with an SVG waterfall (-html) and as a PNG image
// (-png): one row per span in tree order, bars on a common time axis,
// HAProxy's phases as event marks, and the main attributes. Both are drawn
// from the same shapes (layout).
func writeWaterfall(ctx context.Context, j *jaeger, c config, outs []*outcome) error {
	var req *harness.Request
	slow := func(r *harness.Request, frontend string) bool {
		return r.Frontend == frontend && r.Traced && strings.HasPrefix(r.Target, "/slow") && r.Status == 200
	}
	for _, frontend := range []string{harness.FrontendNginx, harness.FrontendRewrite} {
		for _, o := range outs {
			r := &o.req
			if c.htmlID != 0 && r.ID == c.htmlID || c.htmlID == 0 && slow(r, frontend) {
				req = r
				break
			}
		}
		if req != nil {
			break
		}
	}
	if req == nil {
		return fmt.Errorf("waterfall: no request to draw (-html-request %d)", c.htmlID)
	}
	spans, err := j.trace(ctx, req.TraceID)
	if err != nil {
		return err
	}
	if len(spans) == 0 {
		return fmt.Errorf("waterfall: trace %s not in Jaeger", req.TraceID)
	}
	pic := layout(req, spans)
	if c.html != "" {
		if err := os.WriteFile(c.html, []byte(pic.html()), 0o644); err != nil {
			return fmt.Errorf("waterfall: %w", err)
		}
	}
	if c.png != "" {
		b, err := pic.png()
		if err != nil {
			return fmt.Errorf("waterfall: %w", err)
		}
		if err := os.WriteFile(c.png, b, 0o644); err != nil {
			return fmt.Errorf("waterfall: %w", err)
		}
	}
	return nil
}

// ordered returns the spans depth first from the roots, children by start
// time, with their depth.
func ordered(spans []span) ([]span, []int) {
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanID] = true
	}
	children := map[string][]span{}
	var roots []span
	for _, s := range spans {
		if s.ParentID == "" || !ids[s.ParentID] {
			roots = append(roots, s)
		} else {
			children[s.ParentID] = append(children[s.ParentID], s)
		}
	}
	byStart := func(a, b span) int { return a.Start.Compare(b.Start) }
	slices.SortFunc(roots, byStart)
	var out []span
	var depth []int
	var walk func(s span, d int)
	walk = func(s span, d int) {
		out = append(out, s)
		depth = append(depth, d)
		kids := children[s.SpanID]
		slices.SortFunc(kids, byStart)
		for _, k := range kids {
			walk(k, d+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return out, depth
}

// picture is a drawn trace: a title, a caption, the waterfall's shapes on
// a wfWidth x height canvas, and a note under it.
type picture struct {
	title, caption, note string
	height               int
	shapes               []shape
}

// shape is one thing drawn: a rectangle, a line or a text. Coordinates are
// CSS pixels; colours are #rrggbb.
type shape struct {
	kind           shapeKind
	x, y, w, h     float64 // rect; line: from (x, y) to (x+w, y+h)
	fill, stroke   string
	strokeW, round float64
	size           float64 // text: font size; y is the baseline
	anchor         string  // text: start, middle or end
	mono           bool
	runs           []run  // text
	title          string // a tooltip (SVG only)
}

type shapeKind int

const (
	rectShape shapeKind = iota
	lineShape
	textShape
)

// run is a piece of a text, bold or not.
type run struct {
	text string
	bold bool
}

func text(x, y, size float64, fill, anchor string, mono bool, runs ...run) shape {
	return shape{kind: textShape, x: x, y: y, size: size, fill: fill, anchor: anchor, mono: mono, runs: runs}
}

// layout places the spans of a trace: a row per span in tree order, the
// name column on the left, the bars on a common time axis.
func layout(req *harness.Request, spans []span) picture {
	rows, depth := ordered(spans)
	t0, t1 := rows[0].Start, rows[0].End
	services := map[string]bool{}
	for _, s := range rows {
		if s.Start.Before(t0) {
			t0 = s.Start
		}
		if s.End.After(t1) {
			t1 = s.End
		}
		services[s.Service] = true
	}
	total := max(t1.Sub(t0), time.Millisecond)
	step := tickStep(total)
	plotW := float64(wfWidth - wfLabel - wfRight)
	x := func(t time.Time) float64 { return wfLabel + plotW*float64(t.Sub(t0))/float64(total) }
	height := wfTop + wfRowH*len(rows) + wfMargin

	var made []string
	for _, s := range []string{svcNginx, svcHAProxy, svcCaddy, svcPostgres} {
		if services[s] {
			made = append(made, s)
		}
	}
	route := "through HAProxy frontend " + frontendName[req.Frontend]
	if req.Frontend == harness.FrontendNginx {
		route = "through nginx and HAProxy frontend " + frontendName[req.Frontend]
	}
	p := picture{
		title: "One request " + route + ", as Jaeger stores it",
		caption: fmt.Sprintf("%s %s → %d, trace %s. The %s spans are made by logspan from their logs.",
			req.Method, req.Target, req.Status, req.TraceID, joinAnd(made)),
		note:   "Drawn from Jaeger's /api/v3/traces/: ids, parent links and times as stored. Black marks: HAProxy's phases from its log.",
		height: height,
	}
	add := func(s shape) { p.shapes = append(p.shapes, s) }

	// Time axis and grid.
	for t := time.Duration(0); t <= total; t += step {
		px := x(t0.Add(t))
		add(shape{kind: lineShape, x: px, y: wfTop - 6, h: float64(height - wfMargin - wfTop + 6), stroke: "#e4e4e4", strokeW: 1})
		add(text(px, wfTop-12, 11, "#777", "middle", false, run{text: fmtDur(t)}))
	}
	add(text(0, wfTop-12, 12, "#777", "start", false, run{text: "service · span"}))

	for i, s := range rows {
		y := float64(wfTop + i*wfRowH)
		if i%2 == 1 {
			add(shape{kind: rectShape, y: y, w: wfWidth, h: wfRowH, fill: "#f7f7f9"})
		}
		color := cmp.Or(serviceColor[s.Service], "#888888")
		indent := float64(14 * depth[i])
		add(shape{kind: rectShape, x: indent, y: y + 9, w: 10, h: 10, round: 2, fill: color})
		add(text(indent+15, y+19, 14, "#222", "start", false, run{s.Service, true}, run{" " + s.Name, false}))
		add(text(indent+15, y+35, 11, "#666", "start", true, run{text: strings.ToLower(s.Kind) + " · span " + s.SpanID}))

		bx, bw := x(s.Start), math.Max(x(s.End)-x(s.Start), 2)
		bar := shape{kind: rectShape, x: bx, y: y + 6, w: bw, h: wfBarH, round: 3, fill: color}
		if s.Error {
			bar.stroke, bar.strokeW = "#d62728", 2.5
		}
		add(bar)
		label := fmtDur(s.End.Sub(s.Start))
		if s.Error {
			label += " · error"
		}
		// The duration goes inside a long bar, else after it.
		lx, anchor, fill := bx+bw+6, "start", "#222"
		if bw > 120 {
			lx, anchor, fill = bx+bw-8, "end", "#fff"
		}
		add(text(lx, y+20, 12, fill, anchor, false, run{label, true}))
		for _, e := range s.Events {
			ex := x(e.Time)
			add(shape{kind: lineShape, x: ex, y: y + 3, h: wfBarH + 6, stroke: "#222", strokeW: 1.5,
				title: e.Name + " +" + fmtDur(e.Time.Sub(s.Start))})
		}
		for k, line := range details(s) {
			add(text(wfLabel, y+wfBarH+22+14*float64(k), 11, "#444", "start", true, run{text: line}))
		}
	}
	return p
}

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// details are the lines of attributes under a span: at most two, of at
// most 110 characters.
func details(s span) []string {
	const width = 110
	var lines []string
	line := ""
	for _, k := range detailKeys {
		v, ok := s.Attrs[k]
		if k == "haproxy.timers" {
			var ts []string
			for _, t := range haproxyTimers {
				if tv, ok := s.Attrs["haproxy.timer."+t+"_ms"]; ok {
					ts = append(ts, tv)
				}
			}
			v, ok = strings.Join(ts, "/"), len(ts) == len(haproxyTimers)
			k = "haproxy." + strings.Join(haproxyTimers, "/")
		}
		if !ok {
			continue
		}
		kv := strings.TrimPrefix(k, "haproxy.") + "=" + v
		switch {
		case line == "":
			line = kv
		case len(line)+2+len(kv) <= width:
			line += "  " + kv
		default:
			lines = append(lines, line)
			line = kv
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > 2 {
		lines = lines[:2]
		lines[1] += "  ..."
	}
	return lines
}

// tickStep picks a round axis step giving 5 to 12 ticks.
func tickStep(total time.Duration) time.Duration {
	for _, s := range []time.Duration{
		100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
		time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second,
	} {
		if total/s <= 12 {
			return s
		}
	}
	return total / 10
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
