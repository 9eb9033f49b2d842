package main

import (
	"fmt"
	"html"
	"strings"
)

// html returns the picture as an HTML page: the title and caption as text,
// the waterfall as inline SVG.
func (p picture) html() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>logspan e2e trace</title>
<style>
body { font: 14px/1.35 "DejaVu Sans", Arial, sans-serif; margin: 18px 20px; color: #222; background: #fff; }
h1 { font-size: 19px; margin: 0 0 4px; }
p { margin: 0 0 10px; color: #555; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
.mono { font-family: "DejaVu Sans Mono", monospace; }
</style></head><body>
<h1>%s</h1>
<p>%s</p>
`, html.EscapeString(p.title), html.EscapeString(p.caption))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n",
		wfWidth, p.height, wfWidth, p.height)
	for _, s := range p.shapes {
		switch s.kind {
		case rectShape:
			stroke := ""
			if s.stroke != "" {
				stroke = fmt.Sprintf(` stroke="%s" stroke-width="%g"`, s.stroke, s.strokeW)
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%g" fill="%s"%s/>`+"\n",
				s.x, s.y, s.w, s.h, s.round, s.fill, stroke)
		case lineShape:
			title := ""
			if s.title != "" {
				title = "<title>" + html.EscapeString(s.title) + "</title>"
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g">%s</line>`+"\n",
				s.x, s.y, s.x+s.w, s.y+s.h, s.stroke, s.strokeW, title)
		case textShape:
			class := ""
			if s.mono {
				class = ` class="mono"`
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%g" fill="%s" text-anchor="%s"%s>`, s.x, s.y, s.size, s.fill, s.anchor, class)
			for _, r := range s.runs {
				if r.bold {
					fmt.Fprintf(&b, `<tspan font-weight="bold">%s</tspan>`, html.EscapeString(r.text))
				} else {
					b.WriteString(html.EscapeString(r.text))
				}
			}
			b.WriteString("</text>\n")
		}
	}
	b.WriteString("</svg>\n")
	fmt.Fprintf(&b, "<p style=\"margin-top:6px\">%s</p>\n</body></html>\n", html.EscapeString(p.note))
	return b.String()
}
