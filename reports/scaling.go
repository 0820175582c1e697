package reports

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A cluster cell is measured on a cluster of processes (`nodes:` in the
// suite, `streambench run --nodes N`): its records/s per node is its
// sustainable rate divided by its nodes.
func clusterCell(c *Cell) bool { return c.Record.Nodes > 0 }

// ScalingSeries is one topology measured at several cluster sizes: the
// cluster cells that run the same thing at different node counts, by
// nodes, and the same topology in local mode, the reference, when the
// bench has it (nil otherwise).
type ScalingSeries struct {
	Engine, Guarantee, Workload string
	ByNodes                     map[int]*Cell
	Local                       *Cell
}

// Nodes returns the series' node counts, ascending.
func (s ScalingSeries) Nodes() []int { return slices.Sorted(maps.Keys(s.ByNodes)) }

// ScalingSeriesOf groups the cluster cells by what they run (engine,
// workload, guarantee, seed, partitions, workload parameters, source),
// whatever their parallelism and node count, which scale together, and
// finds each group's local-mode reference: a cell without nodes that runs
// the same on the same source.
func ScalingSeriesOf(cells []*Cell) []ScalingSeries {
	var out []ScalingSeries
	same := func(a, b *Cell) bool {
		ra, rb := a.Record.CellSettings, b.Record.CellSettings
		return a.Engine == b.Engine && a.Workload == b.Workload && ra.Guarantee == rb.Guarantee && ra.Seed == rb.Seed &&
			ra.Partitions == rb.Partitions && maps.Equal(ra.Params, rb.Params) && a.Source == b.Source && a.NATSClass == b.NATSClass
	}
	for _, c := range cells {
		if !clusterCell(c) {
			continue
		}
		i := slices.IndexFunc(out, func(s ScalingSeries) bool {
			for _, o := range s.ByNodes {
				return same(o, c)
			}
			return false
		})
		if i < 0 {
			out = append(out, ScalingSeries{Engine: c.Engine, Guarantee: cmp.Or(c.Guarantee, c.Record.Guarantee), Workload: c.Workload, ByNodes: map[int]*Cell{}})
			i = len(out) - 1
			for _, l := range cells {
				if !clusterCell(l) && same(l, c) {
					out[i].Local = l
					break
				}
			}
		}
		if _, dup := out[i].ByNodes[c.Record.Nodes]; !dup {
			out[i].ByNodes[c.Record.Nodes] = c
		}
	}
	return out
}

// scalingView is the report's "Scaling over nodes" section.
type scalingView struct {
	Rows []scalingRow
	Plot string
	// Shared says that some cells' nodes shared cores (the machine had too
	// few to give each node its own).
	Shared bool
}

type scalingRow struct {
	Engine, Guarantee, Workload string
	Nodes                       string
	Cell                        string
	PerNode, OfOne, OfLocal     est
	Reproduce                   string
}

// scaling builds the "Scaling over nodes" section when the bench has
// cluster cells.
func (v *view) scaling(d *Data) error {
	series := ScalingSeriesOf(d.Cells)
	if len(series) == 0 {
		return nil
	}
	sv := &scalingView{}
	for _, s := range series {
		one := s.ByNodes[1]
		if l := s.Local; l != nil {
			r := scalingRow{Engine: s.Engine, Guarantee: s.Guarantee, Workload: s.Workload, Nodes: "local mode", Cell: l.ID,
				PerNode: sideFigure(l), OfOne: est{Main: "—"}, OfLocal: est{Main: "1"}, Reproduce: benchCommand(d, l)}
			if one != nil && one.Measured() && l.Measured() {
				r.OfOne = estimateString(RatioOf(l.PerNode(), one.PerNode()), ratioString)
			}
			sv.Rows = append(sv.Rows, r)
		}
		for _, n := range s.Nodes() {
			c := s.ByNodes[n]
			r := scalingRow{Engine: s.Engine, Guarantee: s.Guarantee, Workload: s.Workload, Nodes: fmt.Sprint(n), Cell: c.ID,
				PerNode: sideFigure(c), OfOne: est{Main: "—"}, OfLocal: est{Main: "—"}, Reproduce: benchCommand(d, c)}
			if one != nil && one.Measured() && c.Measured() {
				r.OfOne = estimateString(RatioOf(c.PerNode(), one.PerNode()), ratioString)
			}
			if l := s.Local; l != nil && l.Measured() && c.Measured() {
				r.OfLocal = estimateString(RatioOf(c.PerNode(), l.PerNode()), ratioString)
			}
			for _, run := range c.Runs {
				if run.Result != nil && run.Result.Environment.NodesShareCores {
					sv.Shared = true
					r.PerNode.Detail = joinDetail(r.PerNode.Detail, "nodes shared cores")
					break
				}
			}
			sv.Rows = append(sv.Rows, r)
		}
	}
	var err error
	if sv.Plot, err = ScalingPlot(series); err != nil {
		return err
	}
	v.Scaling = sv
	return nil
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// ScalingPlot draws records/s per node against nodes, a line per series,
// with its local-mode figure as a dashed line of the same colour: a flat
// line is linear scaling, the gap below the dashed line the cost of the
// network hop and the encoding.
func ScalingPlot(series []ScalingSeries) (string, error) {
	p := newPlot("Records/s per node as the cluster grows", "nodes", "sustainable records/s per node")
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	leg := &legend{}
	top, maxNodes, drawn := 0.0, 1, false
	for i, s := range series {
		var xys plotter.XYs
		for _, n := range s.Nodes() {
			c := s.ByNodes[n]
			maxNodes = max(maxNodes, n)
			if !c.Measured() {
				continue
			}
			e := EstimateOf(c.PerNode())
			xys = append(xys, plotter.XY{X: float64(n), Y: e.Mean})
			top = max(top, e.Mean)
		}
		label := fmt.Sprintf("%s %s %s", s.Engine, s.Guarantee, s.Workload)
		if len(xys) > 0 {
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return "", err
			}
			line.Color, points.Color = colour(i), colour(i)
			line.Width = vg.Points(1.5)
			points.Shape = draw.CircleGlyph{}
			p.Add(line, points)
			leg.add(label, line, points)
			drawn = true
		}
		if l := s.Local; l != nil && l.Measured() {
			e := EstimateOf(l.PerNode())
			top = max(top, e.Mean)
			ref, err := plotter.NewLine(plotter.XYs{{X: 0.8, Y: e.Mean}, {X: float64(maxNodes) + 0.2, Y: e.Mean}})
			if err != nil {
				return "", err
			}
			ref.Color = colour(i)
			ref.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			p.Add(ref)
			leg.add(label+", local mode", ref)
			drawn = true
		}
	}
	if !drawn {
		return "", nil
	}
	p.X.Min, p.X.Max = 0.8, float64(maxNodes)+0.2
	p.X.Tick.Marker = nodeTicks{}
	headroom(&p.Y, top)
	return single(p, leg)
}

// nodeTicks puts a tick at each whole number of nodes.
type nodeTicks struct{}

func (nodeTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for n := int(lo + 0.5); float64(n) <= hi; n++ {
		if n >= 1 {
			out = append(out, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
		}
	}
	return out
}
