package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

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

// svg renders plots stacked in rows into an SVG document without its XML
// declaration, ready to inline in HTML.
func svg(width, height vg.Length, plots ...*plot.Plot) (string, error) {
	c := vgsvg.New(width, height)
	dc := draw.New(c)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		rows := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			rows[i] = []*plot.Plot{p}
		}
		canvases := plot.Align(rows, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Millimeter}, dc)
		for i, p := range plots {
			p.Draw(canvases[i][0])
		}
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

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.Left = true
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

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// latencyTicks labels a log axis of milliseconds at 1-2-5 steps.
type latencyTicks struct{}

func (latencyTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo/1.001 || v > hi*1.001 {
				continue
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: msLabel(v)})
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
// cell and workload, per node, with the baseline's figure on each
// workload drawn across its group as the ceiling: what the machine does
// with no framework. Whiskers are the 95% intervals over repetitions. A
// cell read through JetStream is a bar labelled as including the broker
// (a baseline through JetStream too: BrokerPlot draws it as the broker's
// ceiling); the machine's ceiling is the baseline on the generator.
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
	p := newPlot("Sustainable throughput per node (baseline dashed: the ceiling)", "workload", "records/s per node")
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	p.NominalX(workloads...)
	n := max(len(engineCells), 1)
	width := vg.Length(float64(plotWidth) * 0.7 / float64(len(workloads)*n+1))
	for i, name := range engineCells {
		vals := make(plotter.Values, len(workloads))
		var errs plotter.YErrors
		var xys plotter.XYs
		for j, w := range workloads {
			if c := byKey[[2]string{name, w}]; c != nil {
				e := EstimateOf(c.PerNode())
				vals[j] = e.Mean
				if e.HasCI {
					xys = append(xys, plotter.XY{X: float64(j), Y: e.Mean})
					errs = append(errs, struct{ Low, High float64 }{e.Mean - e.Lo, e.Hi - e.Mean})
				}
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return "", err
		}
		bars.Color = colour(i)
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(float64(i)-float64(n-1)/2) * width
		p.Add(bars)
		p.Legend.Add(name, bars)
		if len(xys) > 0 {
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{xys, errs})
			if err != nil {
				return "", err
			}
			eb.Color = black
			// Error bars sit at the group's centre; shift them onto the bar.
			shifted := &offsetPlotter{Plotter: eb, dx: bars.Offset}
			p.Add(shifted)
		}
	}
	// Headroom over the highest bar, whisker or ceiling for the legend.
	top := 0.0
	for _, c := range measured {
		e := EstimateOf(c.PerNode())
		top = math.Max(top, math.Max(e.Hi, e.Mean))
	}
	p.Y.Max = 1.35 * top
	first := true
	for j, w := range workloads {
		e, ok := ceiling[w]
		if !ok {
			continue
		}
		half := 0.45
		line, err := plotter.NewLine(plotter.XYs{{X: float64(j) - half, Y: e.Mean}, {X: float64(j) + half, Y: e.Mean}})
		if err != nil {
			return "", err
		}
		line.Color = black
		line.Width = vg.Points(1.5)
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(line)
		if first {
			p.Legend.Add("baseline (ceiling)", line)
			first = false
		}
	}
	return svg(plotWidth, plotHeight, p)
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
		p.Legend.Add(name, l99, s99)
		i++
	}
	if i == 0 {
		return "", nil
	}
	logRange(&p.Y)
	return svg(plotWidth, plotHeight, p)
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
		p.Legend.Add(label(r), line)
		drawn++
	}
	if drawn == 0 {
		return "", nil
	}
	logRange(&p.Y)
	return svg(plotWidth, plotHeight, p)
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
	add := func(p *plot.Plot, name string, xys plotter.XYs, i int, dashed bool) error {
		if len(xys) == 0 {
			return nil
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color = colour(i)
		if dashed {
			l.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(name, l)
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
	top.Legend.Left = false
	bottom.Legend.Left = false
	if len(p50) > 0 {
		logRange(&bottom.Y)
	}
	plots, height := []*plot.Plot{top, bottom}, plotHeight
	if len(heap) > 0 {
		bottom.X.Label.Text = ""
		mem := newPlot("", "second of the run", "memory (MiB)")
		for _, err := range []error{add(mem, "RSS", rss, 0, true), add(mem, "heap in use", heap, 3, false)} {
			if err != nil {
				return "", err
			}
		}
		mem.Y.Min = 0
		mem.Legend.Left = false
		plots, height = append(plots, mem), plotHeight*3/2
	}
	xmax := float64(len(res.Timeline))
	for _, p := range plots {
		p.X.Min, p.X.Max = 0, xmax
		if warm > 0 {
			p.Add(&shade{upTo: warm})
		}
	}
	return svg(plotWidth, height, plots...)
}

// shade greys the warm-up seconds of a timeline.
type shade struct{ upTo float64 }

func (s *shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x1 := trX(s.upTo)
	rect := vg.Rectangle{Min: c.Min, Max: vg.Point{X: x1, Y: c.Max.Y}}
	c.SetColor(color.RGBA{R: 120, G: 120, B: 120, A: 40})
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
// repetitions. The broker's own ceiling, the baseline read through
// JetStream, is a labelled dashed line across the chart: no engine read
// through the broker can sustain more. A side the bench did not measure has
// no bar. It returns "" when no cell was read through JetStream.
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
		for j, g := range groups {
			c := side.cell(g)
			if !measured(c) {
				continue
			}
			e := EstimateOf(c.PerNode())
			vals[j] = e.Mean
			top = math.Max(top, math.Max(e.Mean, e.Hi))
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
		bars.Offset = vg.Length(float64(i)-0.5) * width
		p.Add(bars)
		p.Legend.Add(side.label, bars)
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
		text := fmt.Sprintf("broker ceiling: %s %s, %s/s", c.Engine, c.Workload, shortCount(e.Mean))
		p.Legend.Add("broker ceiling: baseline through JetStream", line)
		label, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: lo, Y: e.Mean}}, Labels: []string{text}})
		if err != nil {
			return "", err
		}
		// Just above the line's left end, under the legend: the headroom
		// above the highest figure leaves room for both.
		label.TextStyle[0].YAlign = draw.YBottom
		label.TextStyle[0].Color = line.Color
		label.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(2)}
		p.Add(label)
	}
	p.Y.Max = 1.45 * top
	p.X.Min, p.X.Max = lo, hi
	return svg(plotWidth, plotHeight, p)
}
