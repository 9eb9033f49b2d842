package main

import (
	"cmp"
	"context"
	"fmt"
	"html"
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
}

// haproxyTimers are shown together as haproxy.timers=TR/Tw/Tc/Tr/Ta.
var haproxyTimers = []string{"TR", "Tw", "Tc", "Tr", "Ta"}

// writeWaterfall draws the trace of one request (-html-request, or the
// first slow request through the rewriting frontend) as an HTML page with
// an SVG waterfall: one row per span in tree order, bars on a common time
// axis, HAProxy's phases as event marks, and the main attributes.
func writeWaterfall(ctx context.Context, j *jaeger, c config, outs []*outcome) error {
	var req *harness.Request
	for _, o := range outs {
		r := &o.req
		if c.htmlID != 0 && r.ID == c.htmlID ||
			c.htmlID == 0 && r.Frontend == harness.FrontendRewrite && r.Traced && strings.HasPrefix(r.Target, "/slow") && r.Status == 200 {
			req = r
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
	page := waterfallHTML(req, spans)
	if err := os.WriteFile(c.html, []byte(page), 0o644); err != nil {
		return fmt.Errorf("waterfall: %w", err)
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

func waterfallHTML(req *harness.Request, spans []span) string {
	rows, depth := ordered(spans)
	t0, t1 := rows[0].Start, rows[0].End
	for _, s := range rows {
		if s.Start.Before(t0) {
			t0 = s.Start
		}
		if s.End.After(t1) {
			t1 = s.End
		}
	}
	total := max(t1.Sub(t0), time.Millisecond)
	step := tickStep(total)
	plotW := float64(wfWidth - wfLabel - wfRight)
	x := func(t time.Time) float64 { return wfLabel + plotW*float64(t.Sub(t0))/float64(total) }
	height := wfTop + wfRowH*len(rows) + wfMargin

	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>logspan e2e trace %s</title>
<style>
body { font: 14px/1.35 "DejaVu Sans", Arial, sans-serif; margin: 18px 20px; color: #222; background: #fff; }
h1 { font-size: 19px; margin: 0 0 4px; }
p { margin: 0 0 10px; color: #555; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
.mono { font-family: "DejaVu Sans Mono", monospace; }
</style></head><body>
<h1>One request through HAProxy, as Jaeger stores it</h1>
<p>%s <code>%s</code> &rarr; %d through HAProxy frontend <code>%s</code> (traceparent rewritten);
trace <code>%s</code>. The HAProxy span is made by <b>logspan</b> from HAProxy's access log.</p>
`, req.TraceID, html.EscapeString(req.Method), html.EscapeString(req.Target), req.Status,
		frontendName[req.Frontend], req.TraceID)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">
`, wfWidth, height, wfWidth, height)

	// Time axis and grid.
	for t := time.Duration(0); t <= total; t += step {
		px := x(t0.Add(t))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e4e4e4"/>`+"\n", px, wfTop-6, px, height-wfMargin)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="#777" text-anchor="middle">%s</text>`+"\n", px, wfTop-12, fmtDur(t))
	}
	fmt.Fprintf(&b, `<text x="0" y="%d" font-size="12" fill="#777">service · span</text>`+"\n", wfTop-12)

	for i, s := range rows {
		y := wfTop + i*wfRowH
		if i%2 == 1 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#f7f7f9"/>`+"\n", y, wfWidth, wfRowH)
		}
		color := cmp.Or(serviceColor[s.Service], "#888")
		indent := 14 * depth[i]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" rx="2" fill="%s"/>`+"\n", indent, y+9, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14"><tspan font-weight="bold">%s</tspan> %s</text>`+"\n",
			indent+15, y+19, html.EscapeString(s.Service), html.EscapeString(s.Name))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#666" class="mono">%s · span %s</text>`+"\n",
			indent+15, y+35, strings.ToLower(s.Kind), s.SpanID)

		bx, bw := x(s.Start), math.Max(x(s.End)-x(s.Start), 2)
		stroke := ""
		if s.Error {
			stroke = ` stroke="#d62728" stroke-width="2.5"`
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="3" fill="%s"%s/>`+"\n", bx, y+6, bw, wfBarH, color, stroke)
		label := fmtDur(s.End.Sub(s.Start))
		if s.Error {
			label += " · error"
		}
		// The duration goes inside a long bar, else after it.
		lx, anchor, fill := bx+bw+6, "start", "#222"
		if bw > 120 {
			lx, anchor, fill = bx+bw-8, "end", "#fff"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" font-weight="bold" text-anchor="%s" fill="%s">%s</text>`+"\n",
			lx, y+20, anchor, fill, label)
		for _, e := range s.Events {
			ex := x(e.Time)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#222" stroke-width="1.5"><title>%s +%s</title></line>`+"\n",
				ex, y+3, ex, y+6+wfBarH+3, html.EscapeString(e.Name), fmtDur(e.Time.Sub(s.Start)))
		}
		for k, line := range details(s) {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#444" class="mono">%s</text>`+"\n",
				wfLabel, y+wfBarH+22+14*k, html.EscapeString(line))
		}
	}
	b.WriteString("</svg>\n")
	b.WriteString(`<p style="margin-top:6px">Drawn from Jaeger's <code>/api/v3/traces/</code>: ids, parent links and times as stored.
Black marks: HAProxy's phases from its log (request received, connected, response headers).</p>
</body></html>
`)
	return b.String()
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
