package reports

import (
	"bytes"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A figure is one SVG: panels in a grid, each panel a plot with its own
// axes, and legends drawn beside the data, never over it: a panel's
// legend in a band under the panel, the figure's legend under all the
// panels. Legend entries flow into as many columns as the width holds.

// legend is a list of named styles (what a colour or a dash means), drawn
// in a band of its own.
type legend struct {
	entries []legendEntry
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// add appends an entry drawn with the given thumbnails (a plotter's
// legend sample: a bar's colour, a line's dash).
func (l *legend) add(name string, thumbs ...plot.Thumbnailer) {
	l.entries = append(l.entries, legendEntry{name: name, thumbs: thumbs})
}

// legendStyle is the text of a legend: the tick labels' size, so a legend
// takes no more room than it needs.
func legendStyle() text.Style {
	s := plot.NewLegend().TextStyle
	s.Font.Size = vg.Points(10)
	return s
}

const (
	thumbWidth = 16 // points
	legendGap  = 10 // points between columns
)

// layout returns the number of columns and rows the legend takes in a band
// of the given width, and the width of a column.
func (l *legend) layout(width vg.Length) (cols, rows int, colWidth vg.Length) {
	if l == nil || len(l.entries) == 0 {
		return 0, 0, 0
	}
	sty := legendStyle()
	for _, e := range l.entries {
		colWidth = max(colWidth, vg.Points(thumbWidth+4)+sty.Width(e.name))
	}
	colWidth += vg.Points(legendGap)
	cols = max(1, min(len(l.entries), int(float64(width)/float64(colWidth))))
	rows = (len(l.entries) + cols - 1) / cols
	return cols, rows, colWidth
}

// rowHeight is the height of one row of legend entries.
func rowHeight() vg.Length {
	e := legendStyle().FontExtents()
	return (e.Ascent + e.Descent) * 1.3
}

// height is the band the legend needs at the given width, 0 for none.
func (l *legend) height(width vg.Length) vg.Length {
	_, rows, _ := l.layout(width)
	if rows == 0 {
		return 0
	}
	return vg.Length(rows)*rowHeight() + vg.Points(4)
}

// draw draws the legend into c, its columns centred, entries filling the
// rows left to right.
func (l *legend) draw(c draw.Canvas) {
	cols, rows, colWidth := l.layout(c.Max.X - c.Min.X)
	if rows == 0 {
		return
	}
	sty := legendStyle()
	rh := rowHeight()
	used := vg.Length(cols)*colWidth - vg.Points(legendGap)
	left := c.Min.X + max(0, (c.Max.X-c.Min.X-used)/2)
	top := c.Max.Y - vg.Points(2)
	ext := sty.FontExtents()
	for i, e := range l.entries {
		col, row := i%cols, i/cols
		x := left + vg.Length(col)*colWidth
		y := top - vg.Length(row+1)*rh
		icon := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y + rh*0.15},
			Max: vg.Point{X: x + vg.Points(thumbWidth), Y: y + rh*0.85},
		}}
		for _, t := range e.thumbs {
			t.Thumbnail(icon)
		}
		base := y + (rh-ext.Ascent-ext.Descent)/2 + ext.Descent
		c.FillText(sty, vg.Point{X: x + vg.Points(thumbWidth+4), Y: base}, e.name)
	}
}

// panel is one plot of a figure with, optionally, its own legend under it.
type panel struct {
	p      *plot.Plot
	legend *legend
}

// drawFigure draws panels in a grid of cols columns, each panelHeight tall
// plus its legend band, and shared under them all, into an SVG document
// without its XML declaration, ready to inline in HTML. The data areas of
// a column line up, so stacked panels share their x positions.
func drawFigure(width, panelHeight vg.Length, cols int, panels []panel, shared *legend) (string, error) {
	cols = max(1, min(cols, len(panels)))
	rows := (len(panels) + cols - 1) / cols
	tileWidth := width / vg.Length(cols)
	band := vg.Length(0)
	for _, p := range panels {
		band = max(band, p.legend.height(tileWidth))
	}
	pad := vg.Millimeter
	sharedHeight := shared.height(width)
	height := vg.Length(rows)*(panelHeight+band) + vg.Length(rows-1)*pad*3 + sharedHeight
	c := vgsvg.New(width, height)
	dc := draw.New(c)
	if sharedHeight > 0 {
		shared.draw(draw.Crop(dc, 0, 0, 0, sharedHeight-height))
		dc = draw.Crop(dc, 0, 0, sharedHeight, 0)
	}
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		// A title or an axis label wider than its panel breaks into lines
		// rather than run past the figure's edge.
		p.p.Title.Text = wrap(p.p.Title.TextStyle, p.p.Title.Text, tileWidth)
		p.p.X.Label.Text = wrap(p.p.X.Label.TextStyle, p.p.X.Label.Text, tileWidth)
		grid[i/cols][i%cols] = p.p
	}
	canvases := plot.Align(grid, draw.Tiles{Rows: rows, Cols: cols, PadX: pad * 4, PadY: pad * 3}, dc)
	for i, p := range panels {
		cv := canvases[i/cols][i%cols]
		if band > 0 {
			if p.legend != nil {
				p.legend.draw(draw.Crop(cv, 0, 0, 0, band-(cv.Max.Y-cv.Min.Y)))
			}
			cv = draw.Crop(cv, 0, 0, band, 0)
		}
		p.p.Draw(cv)
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// single draws one plot with its legend under it.
func single(p *plot.Plot, l *legend) (string, error) {
	return drawFigure(plotWidth, plotHeight, 1, []panel{{p: p}}, l)
}

// headroom sets a linear axis from 0 to a little over top, room for the
// labels above the bars.
func headroom(a *plot.Axis, top float64) {
	a.Min = 0
	if top <= 0 || math.IsInf(top, 0) || math.IsNaN(top) {
		top = 1
	}
	a.Max = top * 1.15
}

// wrap breaks s at spaces into lines no wider than width in style sty (a
// single word wider than width stays whole).
func wrap(sty text.Style, s string, width vg.Length) string {
	if s == "" || sty.Width(s) <= width {
		return s
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case sty.Width(line+" "+w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return strings.Join(append(lines, line), "\n")
}
