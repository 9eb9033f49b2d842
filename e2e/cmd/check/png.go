package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// pngScale is the PNG's pixels per CSS pixel, for sharp text on high
// density screens (GitHub shows the image at half its width).
const pngScale = 2

// Page margins of the PNG around the waterfall, in CSS pixels.
const (
	pngMarginX = 20
	pngMarginY = 18
)

// png returns the picture as a PNG image: what the HTML page shows, drawn
// without a browser, with the Go fonts.
func (p picture) png() ([]byte, error) {
	r := &raster{faces: map[faceKey]font.Face{}}
	defer r.close()
	titleSize, textSize := 19.0, 14.0
	width := wfWidth + 2*pngMarginX
	caption := r.wrap(p.caption, textSize, false, wfWidth)
	note := r.wrap(p.note, textSize, false, wfWidth)
	top := pngMarginY + 22 + 20*float64(len(caption)) + 8 // the waterfall's origin
	height := top + float64(p.height) + 20*float64(len(note)) + pngMarginY
	r.img = image.NewRGBA(image.Rect(0, 0, width*pngScale, int(height)*pngScale))
	draw.Draw(r.img, r.img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)

	if err := r.text(pngMarginX, pngMarginY+titleSize, titleSize, "#222222", "start", false, run{p.title, true}); err != nil {
		return nil, err
	}
	for i, line := range caption {
		if err := r.text(pngMarginX, pngMarginY+22+textSize+20*float64(i), textSize, "#555555", "start", false, run{text: line}); err != nil {
			return nil, err
		}
	}
	for _, s := range p.shapes {
		s.x += pngMarginX
		s.y += top
		if err := r.shape(s); err != nil {
			return nil, err
		}
	}
	for i, line := range note {
		if err := r.text(pngMarginX, top+float64(p.height)+textSize+20*float64(i), textSize, "#555555", "start", false, run{text: line}); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, r.img); err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	return b.Bytes(), nil
}

// raster draws shapes into an image at pngScale.
type raster struct {
	img   *image.RGBA
	faces map[faceKey]font.Face
}

type faceKey struct {
	size       float64
	bold, mono bool
}

func (r *raster) close() {
	for _, f := range r.faces {
		_ = f.Close()
	}
}

func (r *raster) face(size float64, bold, mono bool) (font.Face, error) {
	k := faceKey{size, bold, mono}
	if f, ok := r.faces[k]; ok {
		return f, nil
	}
	ttf := goregular.TTF
	switch {
	case mono:
		ttf = gomono.TTF
	case bold:
		ttf = gobold.TTF
	}
	parsed, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	f, err := opentype.NewFace(parsed, &opentype.FaceOptions{Size: size * pngScale, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	r.faces[k] = f
	return f, nil
}

func (r *raster) shape(s shape) error {
	switch s.kind {
	case rectShape:
		r.fill(s.x, s.y, s.w, s.h, s.fill)
		if s.stroke != "" {
			t := s.strokeW / 2
			r.fill(s.x-t, s.y-t, s.w+2*t, s.strokeW, s.stroke)
			r.fill(s.x-t, s.y+s.h-t, s.w+2*t, s.strokeW, s.stroke)
			r.fill(s.x-t, s.y-t, s.strokeW, s.h+2*t, s.stroke)
			r.fill(s.x+s.w-t, s.y-t, s.strokeW, s.h+2*t, s.stroke)
		}
	case lineShape:
		// The waterfall's lines are vertical or horizontal.
		t := s.strokeW / 2
		r.fill(min(s.x, s.x+s.w)-t, min(s.y, s.y+s.h)-t, abs(s.w)+s.strokeW, abs(s.h)+s.strokeW, s.stroke)
	case textShape:
		return r.text(s.x, s.y, s.size, s.fill, s.anchor, s.mono, s.runs...)
	}
	return nil
}

func abs(f float64) float64 { return max(f, -f) }

// fill paints a rectangle given in CSS pixels.
func (r *raster) fill(x, y, w, h float64, hex string) {
	if hex == "" {
		return
	}
	rect := image.Rect(int(x*pngScale+0.5), int(y*pngScale+0.5), int((x+w)*pngScale+0.5), int((y+h)*pngScale+0.5))
	draw.Draw(r.img, rect, image.NewUniform(parseColor(hex)), image.Point{}, draw.Over)
}

// text draws runs from x (start), around x (middle) or up to x (end), on the
// baseline y.
func (r *raster) text(x, y, size float64, hex, anchor string, mono bool, runs ...run) error {
	var width fixed.Int26_6
	faces := make([]font.Face, len(runs))
	for i, rn := range runs {
		f, err := r.face(size, rn.bold, mono)
		if err != nil {
			return err
		}
		faces[i] = f
		width += font.MeasureString(f, rn.text)
	}
	dot := fixed.Point26_6{X: fixed.Int26_6(x * pngScale * 64), Y: fixed.Int26_6(y * pngScale * 64)}
	switch anchor {
	case "middle":
		dot.X -= width / 2
	case "end":
		dot.X -= width
	}
	for i, rn := range runs {
		d := font.Drawer{Dst: r.img, Src: image.NewUniform(parseColor(hex)), Face: faces[i], Dot: dot}
		d.DrawString(rn.text)
		dot = d.Dot
	}
	return nil
}

// wrap breaks s into lines at spaces, each at most width CSS pixels wide.
func (r *raster) wrap(s string, size float64, bold bool, width float64) []string {
	f, err := r.face(size, bold, false)
	if err != nil {
		return []string{s}
	}
	limit := fixed.Int26_6(width * pngScale * 64)
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		try := strings.TrimSpace(line + " " + w)
		if line != "" && font.MeasureString(f, try) > limit {
			lines = append(lines, line)
			line = w
			continue
		}
		line = try
	}
	return append(lines, line)
}

// parseColor reads #rrggbb; anything else is black.
func parseColor(hex string) color.RGBA {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		return color.RGBA{A: 255}
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}
