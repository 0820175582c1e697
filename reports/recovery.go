package reports

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
)

// The "Recovery" section shows the runs that had faults injected
// (`streambench run --fault "kill worker 1 at 10s"`): each run's timeline
// with its faults marked, the recovery figures of every fault with the
// command that reproduces the run, and the guarantee matrix: for each
// engine and guarantee, under each kind of fault, whether the guarantee's
// claim held over the repeats.

// faultKinds are the columns of the guarantee matrix in the order a reader
// expects them; a kind not listed follows, in the order first seen.
var faultKinds = []string{"kill worker", "kill agent", "kill master", "hang worker", "hang agent", "hang master"}

// FaultKind is a fault's action and target ("kill worker" of "kill worker 1
// at 10s").
func FaultKind(fault string) string {
	f := strings.Fields(fault)
	if len(f) < 2 {
		return fault
	}
	return f[0] + " " + f[1]
}

// Claim is the verdict on a run's delivery against the claim of its
// guarantee under faults: at-least-once loses nothing, exactly-once loses
// and duplicates nothing, at-most-once duplicates nothing and counts what
// it lost. No guarantee allows a wrong result.
type Claim struct {
	// Judged is false for a run interrupted before its engine drained:
	// what it had not output yet is not loss.
	Judged bool
	Holds  bool
	// Why says what broke the claim, or what was counted (at-most-once's
	// loss).
	Why string
}

// ClaimOf judges a run's delivery against its guarantee's claim.
func ClaimOf(res *resultfile.Result) Claim {
	v := res.Verification
	if res.Interrupted || v.Interrupted {
		return Claim{Why: "interrupted before the engine drained: not judged"}
	}
	var broken []string
	if v.Lost > 0 && res.Guarantee != engines.AtMostOnce {
		broken = append(broken, fmt.Sprintf("lost %s %s", countString(float64(v.Lost)), v.Unit))
	}
	if v.Duplicated > 0 && res.Guarantee != engines.AtLeastOnce {
		broken = append(broken, fmt.Sprintf("duplicated %s %s", countString(float64(v.Duplicated)), v.Unit))
	}
	if v.Wrong > 0 {
		broken = append(broken, fmt.Sprintf("%s wrong results", countString(float64(v.Wrong))))
	}
	if res.Error != "" {
		broken = append(broken, "the run failed: "+res.Error)
	}
	if len(broken) > 0 {
		return Claim{Judged: true, Why: strings.Join(broken, "; ")}
	}
	c := Claim{Judged: true, Holds: true}
	switch {
	case res.Guarantee == engines.AtMostOnce && v.Lost > 0:
		c.Why = fmt.Sprintf("lost %s %s, counted", countString(float64(v.Lost)), v.Unit)
	case res.Guarantee == engines.AtLeastOnce && v.Duplicated > 0:
		c.Why = fmt.Sprintf("duplicated %s %s, which at-least-once allows", countString(float64(v.Duplicated)), v.Unit)
	}
	return c
}

// recoveryView is the report's "Recovery" section.
type recoveryView struct {
	Plots    []figure
	Rows     []recoveryRow
	Kinds    []string
	Grid     []recoveryGridRow
	Examples []recoveryExamples
}

// recoveryRow is one injected fault of one run.
type recoveryRow struct {
	Engine, Guarantee, File, Fault, Target                      string
	At, Resumed, FirstOutput, Downtime, Recovery, Detection     string
	Baseline, PeakBacklog, P99, Lost, Duplicated, Timing, Error string
	Holds, Judged                                               bool
	Why, Examples, Reproduce                                    string
	Warmup                                                      bool
}

type recoveryGridRow struct {
	Engine, Guarantee string
	Cells             []recoveryCell
}

// recoveryCell is the claim of one engine and guarantee under one kind of
// fault, over the runs that injected it.
type recoveryCell struct {
	Runs, Held, Unjudged int
	Lost, Duplicated     string
	// State is "pass", "fail", "unjudged" (every run interrupted) or ""
	// (no run injected this kind).
	State string
	Why   []string
	// Examples are the anchors of the failing runs' examples.
	Examples []string
}

// recoveryExamples are the discrepancies the verifier kept for one run.
type recoveryExamples struct {
	Anchor, File, Engine, Guarantee, Faults, Unit string
	Holds                                         bool
	Why                                           string
	Lost, Duplicated, Wrong                       []resultfile.Discrepancy
}

// recovery builds the "Recovery" section when some run had faults.
func (v *view) recovery(d *Data) error {
	var runs []*Run
	for _, r := range d.Runs {
		if len(r.Result.Recovery) > 0 {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	rv := &recoveryView{}
	type key struct{ engine, guarantee, kind string }
	type rowKey struct {
		engine string
		g      engines.Guarantee
	}
	cells := map[key]*recoveryCell{}
	lost, dup := map[key]int64{}, map[key]int64{}
	var rows []rowKey
	for _, r := range runs {
		res := r.Result
		claim := ClaimOf(res)
		ver := res.Verification
		anchor := ""
		if len(ver.Examples.Lost)+len(ver.Examples.Duplicated)+len(ver.Examples.Wrong) > 0 || !claim.Holds {
			anchor = fmt.Sprintf("recovery-examples-%d", len(rv.Examples)+1)
			var faults []string
			for _, f := range res.Recovery {
				faults = append(faults, f.Fault)
			}
			rv.Examples = append(rv.Examples, recoveryExamples{Anchor: anchor, File: r.File, Engine: res.Engine,
				Guarantee: res.Guarantee.String(), Faults: strings.Join(faults, "; "), Unit: ver.Unit, Holds: claim.Holds, Why: claim.Why,
				Lost: ver.Examples.Lost, Duplicated: ver.Examples.Duplicated, Wrong: ver.Examples.Wrong})
		}
		timing := ""
		if res.Cluster != nil {
			timing = res.Cluster.Timing
		}
		rk := rowKey{res.Engine, res.Guarantee}
		if !slices.Contains(rows, rk) {
			rows = append(rows, rk)
		}
		counted := map[string]bool{}
		for _, f := range res.Recovery {
			row := recoveryRow{Engine: res.Engine, Guarantee: res.Guarantee.String(), File: r.File, Fault: f.Fault,
				Target: f.Target, At: seconds(&f.FaultS), Resumed: seconds(f.ResumedS), FirstOutput: seconds(f.FirstOutputS),
				Downtime: seconds(&f.DowntimeS), Recovery: seconds(f.RecoveryS), Detection: seconds(f.DetectionS),
				Baseline: countString(f.BaselineOutputsPerSecond), PeakBacklog: countString(float64(f.PeakBacklog)),
				P99: microsString(f.RecoveryLatencyP99), Lost: countString(float64(ver.Lost)),
				Duplicated: countString(float64(ver.Duplicated)), Timing: timing, Error: f.Error, Holds: claim.Holds,
				Judged: claim.Judged, Why: claim.Why, Examples: anchor, Reproduce: shellJoin(res.Command), Warmup: f.InWarmup}
			if f.PID > 0 {
				row.Target += fmt.Sprintf(" (pid %d)", f.PID)
			}
			if f.RecoveryS == nil && f.Error == "" {
				row.Recovery = "not before the run's end"
			}
			if f.Error != "" {
				row.At, row.Downtime, row.Baseline, row.PeakBacklog, row.P99 = "—", "—", "—", "—", "—"
			}
			rv.Rows = append(rv.Rows, row)
			// A fault that could not be injected tested nothing; a run
			// with two faults of a kind counts once in its column.
			kind := FaultKind(f.Fault)
			if f.Error != "" || counted[kind] {
				continue
			}
			counted[kind] = true
			if !slices.Contains(rv.Kinds, kind) {
				rv.Kinds = append(rv.Kinds, kind)
			}
			k := key{res.Engine, res.Guarantee.String(), kind}
			c := cells[k]
			if c == nil {
				c = &recoveryCell{}
				cells[k] = c
			}
			c.Runs++
			switch {
			case !claim.Judged:
				c.Unjudged++
			case claim.Holds:
				c.Held++
			default:
				c.Why = append(c.Why, r.File+": "+claim.Why)
			}
			if anchor != "" && !claim.Holds {
				c.Examples = append(c.Examples, anchor)
			}
			if claim.Judged {
				lost[k] += ver.Lost
				dup[k] += ver.Duplicated
			}
		}
		s, err := RecoveryPlot(r)
		if err != nil {
			return err
		}
		if s != "" {
			var faults []string
			for _, f := range res.Recovery {
				faults = append(faults, f.Fault)
			}
			rv.Plots = append(rv.Plots, figure{Name: "recovery-" + r.File, SVG: s,
				Caption: fmt.Sprintf("%s: %s %s, %s", r.File, res.Engine, res.Guarantee, strings.Join(faults, "; "))})
		}
	}
	slices.SortStableFunc(rv.Kinds, func(a, b string) int {
		ia, ib := slices.Index(faultKinds, a), slices.Index(faultKinds, b)
		if ia < 0 {
			ia = len(faultKinds)
		}
		if ib < 0 {
			ib = len(faultKinds)
		}
		return cmp.Compare(ia, ib)
	})
	slices.SortStableFunc(rows, func(a, b rowKey) int {
		return cmp.Or(cmp.Compare(a.engine, b.engine), cmp.Compare(a.g, b.g))
	})
	for _, rk := range rows {
		gr := recoveryGridRow{Engine: rk.engine, Guarantee: rk.g.String()}
		for _, kind := range rv.Kinds {
			k := key{rk.engine, rk.g.String(), kind}
			c := cells[k]
			if c == nil {
				gr.Cells = append(gr.Cells, recoveryCell{})
				continue
			}
			c.Lost, c.Duplicated = countString(float64(lost[k])), countString(float64(dup[k]))
			switch {
			case c.Held+c.Unjudged < c.Runs:
				c.State = "fail"
			case c.Held == 0:
				c.State = "unjudged"
			default:
				c.State = "pass"
			}
			gr.Cells = append(gr.Cells, *c)
		}
		rv.Grid = append(rv.Grid, gr)
	}
	v.Recovery = rv
	return nil
}

// seconds writes a time in seconds, "—" when absent.
func seconds(s *float64) string {
	if s == nil {
		return "—"
	}
	return trimZero(fmt.Sprintf("%.2f", *s)) + "s"
}

// shellJoin writes a command so a POSIX shell reads back the same words:
// a word with anything but letters, digits and -_./=:,+@% is single-quoted.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=:,+@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// The colours of the fault marks: vermillion for the fault, green for the
// recovery, the hang's stop shaded in vermillion.
var (
	faultColour    = color.RGBA{213, 94, 0, 255}
	recoverColour  = color.RGBA{0, 158, 115, 255}
	stoppedColour  = color.NRGBA{213, 94, 0, 60}
	baselineColour = color.RGBA{120, 120, 120, 255}
)

// RecoveryPlot is the timeline of a run with faults: records published
// and read and outputs per second on top, beside the outputs per second
// before the first fault; p50 and p99 latency below. Each fault is a
// vertical line at the moment it was injected, a hang's stop is shaded to
// the moment it was resumed, and a dashed line marks the recovery (outputs
// back to 95% of before, the backlog no longer growing). It returns ""
// for a run without a timeline or faults.
func RecoveryPlot(r *Run) (string, error) {
	res := r.Result
	if len(res.Timeline) == 0 || len(res.Recovery) == 0 {
		return "", nil
	}
	top := newPlot("", "", "per second")
	top.Y.Tick.Marker = countTicks{}
	bottom := newPlot("", "second of the run", "latency")
	bottom.Y.Scale = plot.LogScale{}
	bottom.Y.Tick.Marker = latencyTicks{}
	var in, read, outs, p50, p99 plotter.XYs
	for _, pt := range res.Timeline {
		x := float64(pt.Second) + 0.5
		in = append(in, plotter.XY{X: x, Y: float64(pt.RecordsIn)})
		read = append(read, plotter.XY{X: x, Y: float64(pt.RecordsRead)})
		outs = append(outs, plotter.XY{X: x, Y: float64(pt.Outputs)})
		if pt.Outputs > 0 {
			p50 = append(p50, plotter.XY{X: x, Y: msOf(pt.LatencyP50)})
			p99 = append(p99, plotter.XY{X: x, Y: msOf(pt.LatencyP99)})
		}
	}
	topLegend, bottomLegend := &legend{}, &legend{}
	line := func(p *plot.Plot, l *legend, name string, xys plotter.XYs, c color.Color, dashed bool) error {
		if len(xys) == 0 {
			return nil
		}
		// A second without outputs has no latency: the line breaks there
		// rather than draw one across the gap.
		for i, seg := range runs(xys) {
			ln, err := plotter.NewLine(seg)
			if err != nil {
				return err
			}
			ln.Color = c
			ln.Width = vg.Points(1.2)
			if dashed {
				ln.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			}
			p.Add(ln)
			if i == 0 {
				l.add(name, ln)
			}
		}
		return nil
	}
	xmax := float64(len(res.Timeline))
	for _, err := range []error{
		line(top, topLegend, "published", in, colour(0), true),
		line(top, topLegend, "read by the engine", read, colour(5), false),
		line(top, topLegend, "outputs", outs, black, false),
		line(bottom, bottomLegend, "p50", p50, colour(3), false),
		line(bottom, bottomLegend, "p99", p99, colour(0), false),
	} {
		if err != nil {
			return "", err
		}
	}
	if b := res.Recovery[0].BaselineOutputsPerSecond; b > 0 {
		if err := line(top, topLegend, "outputs before the fault", plotter.XYs{{X: 0, Y: b}, {X: xmax, Y: b}}, baselineColour, true); err != nil {
			return "", err
		}
	}
	top.Y.Min = 0
	top.Y.Max *= 1.08
	if len(p50) > 0 {
		logRange(&bottom.Y)
	}
	m := &faultMarks{}
	for _, f := range res.Recovery {
		if f.Error != "" {
			continue
		}
		m.faults = append(m.faults, f.FaultS)
		if f.ResumedS != nil {
			m.stops = append(m.stops, [2]float64{f.FaultS, *f.ResumedS})
		}
		if f.RecoveryS != nil {
			m.recovered = append(m.recovered, f.FaultS+*f.RecoveryS)
		}
	}
	marks := &legend{}
	marks.add("fault injected", &plotter.Line{LineStyle: m.faultStyle()})
	if len(m.stops) > 0 {
		marks.add("process stopped (hang)", fillThumb{stoppedColour})
	}
	if len(m.recovered) > 0 {
		marks.add("recovered", &plotter.Line{LineStyle: m.recoveredStyle()})
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, xmax
		p.Add(m)
	}
	return drawFigure(plotWidth, plotHeight/2, 1, []panel{{p: top, legend: topLegend}, {p: bottom, legend: bottomLegend}}, marks)
}

// runs splits points one second apart into runs of consecutive seconds.
func runs(xys plotter.XYs) []plotter.XYs {
	var out []plotter.XYs
	start := 0
	for i := 1; i <= len(xys); i++ {
		if i == len(xys) || xys[i].X-xys[i-1].X > 1.5 {
			out = append(out, xys[start:i])
			start = i
		}
	}
	return out
}

// faultMarks draws a run's faults across a panel: a line at each fault, a
// shaded stop for each hang, a dashed line at each recovery.
type faultMarks struct {
	faults, recovered []float64
	stops             [][2]float64
}

func (m *faultMarks) faultStyle() draw.LineStyle {
	return draw.LineStyle{Color: faultColour, Width: vg.Points(1.5)}
}

func (m *faultMarks) recoveredStyle() draw.LineStyle {
	return draw.LineStyle{Color: recoverColour, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
}

func (m *faultMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	clamp := func(x float64) vg.Length { return max(c.Min.X, min(c.Max.X, trX(x))) }
	for _, s := range m.stops {
		c.SetColor(stoppedColour)
		c.Fill(vg.Rectangle{Min: vg.Point{X: clamp(s[0]), Y: c.Min.Y}, Max: vg.Point{X: clamp(s[1]), Y: c.Max.Y}}.Path())
	}
	vline := func(x float64, sty draw.LineStyle) {
		if x < p.X.Min || x > p.X.Max || math.IsNaN(x) {
			return
		}
		c.StrokeLine2(sty, trX(x), c.Min.Y, trX(x), c.Max.Y)
	}
	for _, x := range m.faults {
		vline(x, m.faultStyle())
	}
	for _, x := range m.recovered {
		vline(x, m.recoveredStyle())
	}
}

// fillThumb is a legend sample of a filled area.
type fillThumb struct{ c color.Color }

func (f fillThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(f.c)
	c.Fill(c.Rectangle.Path())
}
