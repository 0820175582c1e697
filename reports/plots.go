package reports

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/streambench/streambench/harness/resultfile"
)

// The plots are drawn with gonum/plot into SVG, inlined in the page: no
// script, no font or image fetched.

// palette holds distinguishable colours (Okabe and Ito's, safe for colour
// blindness), one per engine cell.
var palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{213, 94, 0, 255},    // vermillion
	{0, 158, 115, 255},   // green
	{204, 121, 167, 255}, // purple
	{230, 159, 0, 255},   // orange
	{86, 180, 233, 255},  // sky blue
	{120, 120, 120, 255}, // grey
	{240, 228, 66, 255},  // yellow
}

func colour(i int) color.RGBA { return palette[i%len(palette)] }

var black = color.RGBA{A: 255}

const (
	plotWidth  = 16 * vg.Centimeter
	plotHeight = 9 * vg.Centimeter
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	return p
}

// countTicks labels an axis of records/s with thousands ("250k", "1.2M").
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = shortCount(ticks[i].Value)
		}
	}
	return ticks
}

// shortCount writes a count with k or M.
func shortCount(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trimZero(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case a >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.1f", v))
}

// roundCount writes a count to three significant figures with k or M
// ("951k", "1.09M", "20.1M"): a bar's label, read at a glance.
func roundCount(v float64) string {
	a := math.Abs(v)
	unit, div := "", 1.0
	switch {
	case a >= 999.5e3:
		unit, div = "M", 1e6
	case a >= 999.5:
		unit, div = "k", 1e3
	}
	x := v / div
	prec := 0
	switch a := math.Abs(x); {
	case a < 9.995:
		prec = 2
	case a < 99.95:
		prec = 1
	}
	return trimZero(strconv.FormatFloat(x, 'f', prec, 64)) + unit
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// latencyTicks labels a log axis of milliseconds at 1-2-5 steps.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	// Over more than three decades 1-2-5 labels would crowd: label the
	// powers of ten and leave 2 and 5 as unlabelled ticks.
	steps := []float64{1, 2, 5}
	crowded := math.Log10(hi/lo) > 3.5
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range steps {
			v := m * math.Pow(10, e)
			if v < lo/1.001 || v > hi*1.001 {
				continue
			}
			t := plot.Tick{Value: v, Label: msLabel(v)}
			if crowded && m != 1 {
				t.Label = ""
			}
			ticks = append(ticks, t)
		}
	}
	if len(ticks) < 2 {
		return plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	}
	return ticks
}

// msLabel writes a duration given in milliseconds.
func msLabel(ms float64) string {
	switch {
	case ms >= 1000:
		return trimZero(fmt.Sprintf("%.1f", ms/1000)) + "s"
	case ms >= 1:
		return trimZero(fmt.Sprintf("%.1f", ms)) + "ms"
	}
	return trimZero(fmt.Sprintf("%.1f", ms*1000)) + "µs"
}

// logRange widens a log axis to whole 1-2-5 steps around the data, so a
// narrow range still has two labelled ticks.
func logRange(a *plot.Axis) {
	if a.Min <= 0 {
		a.Min = 1e-3
	}
	a.Max = math.Max(a.Max, a.Min*1.0001)
	a.Min = math.Pow(10, math.Floor(math.Log10(a.Min)))
	a.Max = math.Pow(10, math.Ceil(math.Log10(a.Max)))
}

// ThroughputPlot is the bar chart of sustainable throughput per engine
// cell, a panel per workload, each on its own linear axis from 0, so a
// workload a thousand times lighter than another is as legible; an engine
// cell keeps its colour across the panels. Each bar is labelled with its
// figure, per node; whiskers are the 95% intervals over repetitions. The
// baseline's figure on a workload, what the machine does with no
// framework, is drawn across its panel as the ceiling. A cell read through
// JetStream is a bar labelled as including the broker (a baseline through
// JetStream too: BrokerPlot draws it as the broker's ceiling); the
// machine's ceiling is the baseline on the generator.
func ThroughputPlot(cells []*Cell) (string, error) {
	var measured []*Cell
	for _, c := range cells {
		if c.Measured() {
			measured = append(measured, c)
		}
	}
	workloads := workloadsOf(measured)
	var engineCells []string
	ceiling := map[string]Estimate{}
	byKey := map[[2]string]*Cell{}
	for _, c := range measured {
		name := cellName(c)
		if c.Engine == "baseline" && !c.ThroughBroker() {
			ceiling[c.Workload] = EstimateOf(c.PerNode())
			continue
		}
		// A cell read through JetStream is drawn as a bar, labelled as
		// including the broker; the baseline through JetStream too: it is
		// the broker's ceiling, not the machine's.
		if t := brokerTag(c); t != "" {
			name += " — " + t
		}
		if !slices.Contains(engineCells, name) {
			engineCells = append(engineCells, name)
		}
		byKey[[2]string{name, c.Workload}] = c
	}
	if len(engineCells) == 0 && len(ceiling) == 0 {
		return "", nil
	}
	shared := &legend{}
	inLegend := map[string]bool{}
	var ceilingLine *plotter.Line
	var panels []panel
	for _, w := range workloads {
		p := newPlot(w, "", "records/s per node")
		p.Y.Tick.Marker = countTicks{}
		p.X.Tick.Marker = plot.ConstantTicks(nil)
		top := 0.0
		x, n := 0, 0
		for _, name := range engineCells {
			if byKey[[2]string{name, w}] != nil {
				n++
			}
		}
		for i, name := range engineCells {
			c := byKey[[2]string{name, w}]
			if c == nil {
				continue
			}
			e := EstimateOf(c.PerNode())
			bars, err := plotter.NewBarChart(plotter.Values{e.Mean}, 1)
			if err != nil {
				return "", err
			}
			bars.XMin = float64(x)
			bars.Color = colour(i)
			bars.LineStyle.Width = 0
			bars.Width = min(barWidth, (plotWidth/2-15*vg.Millimeter)*3/4/vg.Length(n))
			p.Add(bars)
			if !inLegend[name] {
				shared.add(name, bars)
				inLegend[name] = true
			}
			labelY := e.Mean
			if e.HasCI {
				eb, err := plotter.NewYErrorBars(struct {
					plotter.XYs
					plotter.YErrors
				}{plotter.XYs{{X: float64(x), Y: e.Mean}}, plotter.YErrors{{Low: e.Mean - max(e.Lo, 0), High: e.Hi - e.Mean}}})
				if err != nil {
					return "", err
				}
				eb.Color = black
				p.Add(eb)
				labelY = math.Max(labelY, e.Hi)
			}
			top = math.Max(top, labelY)
			if err := barLabel(p, float64(x), labelY, 0, roundCount(e.Mean)); err != nil {
				return "", err
			}
			x++
		}
		lo, hi := -0.6, math.Max(float64(x), 1)-0.4
		if e, ok := ceiling[w]; ok {
			line, err := plotter.NewLine(plotter.XYs{{X: lo, Y: e.Mean}, {X: hi, Y: e.Mean}})
			if err != nil {
				return "", err
			}
			line.Color = black
			line.Width = vg.Points(1.5)
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			p.Add(line)
			ceilingLine = line
			top = math.Max(top, e.Mean)
			p.Title.Text = fmt.Sprintf("%s (ceiling %s/s)", w, roundCount(e.Mean))
		}
		headroom(&p.Y, top)
		p.X.Min, p.X.Max = lo, hi
		panels = append(panels, panel{p: p})
	}
	if ceilingLine != nil {
		shared.add("baseline on the generator: the ceiling", ceilingLine)
	}
	cols := 2
	if len(panels) == 1 {
		cols = 1
	}
	return drawFigure(plotWidth, plotHeight*2/3, cols, panels, shared)
}

// barWidth is the width of a bar in a throughput panel.
const barWidth = 18 * vg.Millimeter / 2

// barLabel writes a bar's figure just above its top (or its whisker), dx
// to the side of x for a bar offset in its group.
func barLabel(p *plot.Plot, x, y float64, dx vg.Length, text string) error {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{text}})
	if err != nil {
		return err
	}
	l.TextStyle[0].XAlign = draw.XCenter
	l.TextStyle[0].YAlign = draw.YBottom
	l.TextStyle[0].Font.Size = vg.Points(8)
	l.Offset = vg.Point{X: dx, Y: vg.Points(2)}
	p.Add(l)
	return nil
}

// offsetPlotter draws a plotter shifted sideways on the canvas, to put a
// grouped bar's whisker on its bar.
type offsetPlotter struct {
	plot.Plotter
	dx vg.Length
}

// DataRange passes on the wrapped plotter's range, so whiskers above the
// bars widen the axis.
func (o *offsetPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	if dr, ok := o.Plotter.(plot.DataRanger); ok {
		return dr.DataRange()
	}
	return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
}

func (o *offsetPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	c.Rectangle.Min.X += o.dx
	c.Rectangle.Max.X += o.dx
	o.Plotter.Plot(c, p)
}

// LatencyLoadPlot is latency against offered load for the cells of one
// workload: p99 solid, p50 dashed, one colour per cell (Storm's
// ThroughputVsLatency method: fixed fractions of the sustainable rate).
func LatencyLoadPlot(workload string, cells []*Cell) (string, error) {
	p := newPlot("Latency vs offered load: "+workload+" (p99 solid, p50 dashed)", "offered load (records/s)", "latency")
	p.X.Tick.Marker = countTicks{}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = latencyTicks{}
	leg := &legend{}
	i := 0
	for _, c := range cells {
		if c.Workload != workload {
			continue
		}
		loads := c.Loads()
		if len(loads) == 0 {
			continue
		}
		var p99, p50 plotter.XYs
		for _, r := range loads {
			x := r.Result.Rate.Asked
			p99 = append(p99, plotter.XY{X: x, Y: msOf(r.Result.Latency.P99)})
			p50 = append(p50, plotter.XY{X: x, Y: msOf(r.Result.Latency.P50)})
		}
		l99, s99, err := plotter.NewLinePoints(p99)
		if err != nil {
			return "", err
		}
		l99.Color, s99.Color = colour(i), colour(i)
		l50, err := plotter.NewLine(p50)
		if err != nil {
			return "", err
		}
		l50.Color = colour(i)
		l50.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		p.Add(l99, s99, l50)
		name := cellName(c)
		if t := brokerTag(c); t != "" {
			name += " — " + t
		}
		leg.add(name, l99, s99)
		i++
	}
	if i == 0 {
		return "", nil
	}
	logRange(&p.Y)
	return single(p, leg)
}

// msOf turns microseconds into milliseconds for a log axis (never 0).
func msOf(us int64) float64 { return math.Max(float64(us)/1000, 1e-3) }

// maxNines is how far right a spectrum goes: 99.999%.
const maxNines = 5

// SpectrumPlot is the latency percentile spectrum of a cell's runs, in
// HdrHistogram's style: the x axis counts nines (90%, 99%, 99.9%, ...), so
// the tail gets as much room as the median. Each run's spectrum merges its
// per-second histograms after the warm-up and stops where the run has too
// few outputs for the next nine.
func SpectrumPlot(title string, runs []*Run, label func(*Run) string) (string, error) {
	p := newPlot(title, "percentile", "latency")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = latencyTicks{}
	p.X.Min, p.X.Max = 0, maxNines
	p.X.Tick.Marker = plot.ConstantTicks{
		{Value: 0, Label: "0%"}, {Value: 1, Label: "90%"}, {Value: 2, Label: "99%"}, {Value: 3, Label: "99.9%"},
		{Value: 4, Label: "99.99%"}, {Value: 5, Label: "99.999%"},
	}
	leg := &legend{}
	drawn := 0
	for i, r := range runs {
		h := resultfile.NewHistogram()
		for _, iv := range r.Intervals {
			if !iv.Warmup {
				h.Merge(iv.Hist)
			}
		}
		count := h.H.TotalCount()
		if count == 0 {
			continue
		}
		top := math.Min(maxNines, math.Log10(float64(count)))
		var xys plotter.XYs
		for x := 0.0; x <= top+1e-9; x += 0.05 {
			q := 100 * (1 - math.Pow(10, -x))
			xys = append(xys, plotter.XY{X: x, Y: math.Max(float64(h.H.ValueAtQuantile(q))/1e6, 1e-3)})
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		line.Color = colour(i)
		line.Width = vg.Points(1.5)
		p.Add(line)
		leg.add(label(r), line)
		drawn++
	}
	if drawn == 0 {
		return "", nil
	}
	logRange(&p.Y)
	return single(p, leg)
}

// TimelinePlot is a run's per-second timeline: records published and read
// on top, output latency (p50, p99, max) below, and, when the run recorded
// it, the process's memory (heap in use, RSS) under that, so a long run
// shows whether memory or p99 creeps up; the warm-up seconds are shaded.
func TimelinePlot(r *Run) (string, error) {
	res := r.Result
	top := newPlot("", "", "records/s")
	top.Y.Tick.Marker = countTicks{}
	bottom := newPlot("", "second of the run", "latency")
	bottom.Y.Scale = plot.LogScale{}
	bottom.Y.Tick.Marker = latencyTicks{}
	var in, read, p50, p99, pmax, heap, rss plotter.XYs
	warm := 0.0
	for _, pt := range res.Timeline {
		x := float64(pt.Second) + 0.5
		if pt.HeapBytes > 0 || pt.RSSBytes > 0 {
			heap = append(heap, plotter.XY{X: x, Y: float64(pt.HeapBytes) / (1 << 20)})
			rss = append(rss, plotter.XY{X: x, Y: float64(pt.RSSBytes) / (1 << 20)})
		}
		in = append(in, plotter.XY{X: x, Y: float64(pt.RecordsIn)})
		read = append(read, plotter.XY{X: x, Y: float64(pt.RecordsRead)})
		if pt.Outputs > 0 {
			p50 = append(p50, plotter.XY{X: x, Y: msOf(pt.LatencyP50)})
			p99 = append(p99, plotter.XY{X: x, Y: msOf(pt.LatencyP99)})
			pmax = append(pmax, plotter.XY{X: x, Y: msOf(pt.LatencyMax)})
		}
		if pt.Warmup {
			warm = float64(pt.Second + 1)
		}
	}
	if len(in) == 0 {
		return "", nil
	}
	legends := map[*plot.Plot]*legend{top: {}, bottom: {}}
	add := func(p *plot.Plot, name string, xys plotter.XYs, i int, dashed bool) error {
		if len(xys) == 0 {
			return nil
		}
		// A second without outputs has no latency: the line breaks there.
		for j, seg := range runs(xys) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return err
			}
			l.Color = colour(i)
			if dashed {
				l.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			}
			p.Add(l)
			if j == 0 {
				legends[p].add(name, l)
			}
		}
		return nil
	}
	for _, err := range []error{
		add(top, "published", in, 0, true),
		add(top, "read by the engine", read, 1, false),
		add(bottom, "p50", p50, 2, false),
		add(bottom, "p99", p99, 1, false),
		add(bottom, "max", pmax, 6, true),
	} {
		if err != nil {
			return "", err
		}
	}
	top.Y.Min = 0
	top.Y.Max *= 1.08
	if len(p50) > 0 {
		logRange(&bottom.Y)
	}
	plots := []*plot.Plot{top, bottom}
	if len(heap) > 0 {
		bottom.X.Label.Text = ""
		mem := newPlot("", "second of the run", "memory (MiB)")
		legends[mem] = &legend{}
		for _, err := range []error{add(mem, "RSS", rss, 0, true), add(mem, "heap in use", heap, 3, false)} {
			if err != nil {
				return "", err
			}
		}
		mem.Y.Min = 0
		mem.Y.Max *= 1.08
		plots = append(plots, mem)
	}
	xmax := float64(len(res.Timeline))
	panels := make([]panel, len(plots))
	for i, p := range plots {
		p.X.Min, p.X.Max = 0, xmax
		if warm > 0 {
			p.Add(&shade{upTo: warm})
		}
		panels[i] = panel{p: p, legend: legends[p]}
	}
	return drawFigure(plotWidth, plotHeight/2, 1, panels, nil)
}

// shade greys the warm-up seconds of a timeline.
type shade struct{ upTo float64 }

func (s *shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x1 := trX(s.upTo)
	rect := vg.Rectangle{Min: c.Min, Max: vg.Point{X: x1, Y: c.Max.Y}}
	c.SetColor(color.NRGBA{R: 120, G: 120, B: 120, A: 40}) // not premultiplied: an RGBA above its alpha is no colour
	c.Fill(rect.Path())
}

// workloadsOf lists the workloads of the cells in first-seen order.
func workloadsOf(cells []*Cell) []string {
	var out []string
	for _, c := range cells {
		if !slices.Contains(out, c.Workload) {
			out = append(out, c.Workload)
		}
	}
	return out
}

// cellName is a cell's name without its workload.
func cellName(c *Cell) string {
	name, _, _ := strings.Cut(c.ID, "/")
	return name
}

// BrokerPlot is the bar chart of what each engine cell sustains on the
// generator (the engine alone) and through JetStream (including the
// broker), side by side, per node, whiskers the 95% intervals over
// repetitions, each bar labelled with its figure. The broker's own
// ceiling, the baseline read through JetStream, is a dashed line across
// the chart, its figure in the legend: no engine read through the broker
// can sustain more. A side the bench did not measure has no bar. It
// returns "" when no cell was read through JetStream.
func BrokerPlot(cells []*Cell) (string, error) {
	pairs := BrokerPairs(cells)
	ceilings := BrokerCeilings(cells)
	var groups []BrokerPair
	for _, p := range pairs {
		if !slices.Contains(ceilings, p.Broker) {
			groups = append(groups, p)
		}
	}
	if len(groups) == 0 {
		groups = pairs // only the broker's own cells: show them
	}
	measured := func(c *Cell) bool { return c != nil && c.Measured() }
	if !slices.ContainsFunc(groups, func(p BrokerPair) bool { return measured(p.Broker) || measured(p.Generator) }) && len(ceilings) == 0 {
		return "", nil
	}
	p := newPlot("Sustainable throughput, alone and through the broker", "engine cell", "records/s per node")
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = brokerGroupLabel(g.Broker)
	}
	p.NominalX(names...)
	width := vg.Length(float64(plotWidth) * 0.7 / float64(2*max(len(groups), 2)+1))
	leg := &legend{}
	top := 0.0
	sides := []struct {
		label string
		cell  func(BrokerPair) *Cell
	}{
		{LabelGenerator, func(p BrokerPair) *Cell { return p.Generator }},
		{LabelJetStream, func(p BrokerPair) *Cell { return p.Broker }},
	}
	for i, side := range sides {
		vals := make(plotter.Values, len(groups))
		var errs plotter.YErrors
		var xys plotter.XYs
		offset := vg.Length(float64(i)-0.5) * width
		for j, g := range groups {
			c := side.cell(g)
			if !measured(c) {
				continue
			}
			e := EstimateOf(c.PerNode())
			vals[j] = e.Mean
			labelY := e.Mean
			if e.HasCI {
				labelY = math.Max(labelY, e.Hi)
			}
			top = math.Max(top, labelY)
			if err := barLabel(p, float64(j), labelY, offset, roundCount(e.Mean)); err != nil {
				return "", err
			}
			if e.HasCI {
				// A repetition that sustained no probed rate counts as 0 and
				// makes the interval arithmetic: a whisker stops at 0
				// rather than draw a rate below nothing.
				xys = append(xys, plotter.XY{X: float64(j), Y: e.Mean})
				errs = append(errs, struct{ Low, High float64 }{e.Mean - max(e.Lo, 0), e.Hi - e.Mean})
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return "", err
		}
		bars.Color = colour(i)
		bars.LineStyle.Width = 0
		bars.Offset = offset
		p.Add(bars)
		leg.add(side.label, bars)
		if len(xys) > 0 {
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{xys, errs})
			if err != nil {
				return "", err
			}
			eb.Color = black
			p.Add(&offsetPlotter{Plotter: eb, dx: bars.Offset})
		}
	}
	lo, hi := -0.5, float64(len(groups))-0.5
	for i, c := range ceilings {
		e := EstimateOf(c.PerNode())
		top = math.Max(top, e.Mean)
		line, err := plotter.NewLine(plotter.XYs{{X: lo, Y: e.Mean}, {X: hi, Y: e.Mean}})
		if err != nil {
			return "", err
		}
		line.Color = black
		if i > 0 {
			line.Color = colour(6)
		}
		line.Width = vg.Points(1.5)
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(line)
		leg.add(fmt.Sprintf("broker ceiling: baseline %s through JetStream, %s/s", c.Workload, shortCount(e.Mean)), line)
	}
	headroom(&p.Y, top)
	p.X.Min, p.X.Max = lo, hi
	return single(p, leg)
}
