package reports

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The labels of the two sides of a broker comparison. A figure measured on
// the generator is the engine alone (Storm's ConstSpout); one measured
// through JetStream includes the broker's work: the driver's publishes and
// their acks, the server's store and the engine's fetches.
const (
	LabelGenerator = "generator (engine alone)"
	LabelJetStream = "JetStream (includes the broker)"
)

// sourceLabel names where a cell read, as the report labels its figures.
func sourceLabel(c *Cell) string {
	if !c.ThroughBroker() {
		return LabelGenerator
	}
	if c.NATSClass != "" && c.NATSClass != "log" {
		return "JetStream " + c.NATSClass + " (includes the broker)"
	}
	return LabelJetStream
}

// brokerTag is what a cell's name is followed by wherever the report shows
// one of its figures: nothing for the generator, the broker's label for a
// JetStream cell.
func brokerTag(c *Cell) string {
	if c == nil || !c.ThroughBroker() {
		return ""
	}
	return sourceLabel(c)
}

// withBrokerTag is a cell's ID followed by its broker label, if it has one.
func withBrokerTag(c *Cell) string {
	if t := brokerTag(c); t != "" {
		return c.ID + " — " + t
	}
	return c.ID
}

// BrokerPair is an engine cell measured through JetStream beside the same
// cell on the generator. Generator is nil when the bench has no such cell.
type BrokerPair struct {
	Generator, Broker *Cell
}

// HasBrokerCells reports whether any cell of local mode read through
// JetStream.
func HasBrokerCells(cells []*Cell) bool {
	return slices.ContainsFunc(cells, func(c *Cell) bool { return c.ThroughBroker() && !clusterCell(c) })
}

// BrokerPairs pairs every JetStream cell with the generator cell that runs
// the same thing: the same engine, workload, guarantee, seed, partitions,
// parallelism, workload parameters and engine settings, the source the only
// difference. Pairs come in the order of the JetStream cells; the names of
// the cells play no part.
func BrokerPairs(cells []*Cell) []BrokerPair {
	var pairs []BrokerPair
	for _, b := range cells {
		// A cluster cell reads through JetStream too, but its comparison
		// is with local mode (Scaling over nodes), not with the generator.
		if !b.ThroughBroker() || clusterCell(b) {
			continue
		}
		p := BrokerPair{Broker: b}
		for _, g := range cells {
			if !g.ThroughBroker() && !clusterCell(g) && sameRun(g, b) {
				p.Generator = g
				break
			}
		}
		pairs = append(pairs, p)
	}
	return pairs
}

// sameRun reports whether two cells configure their runs alike, apart from
// the source and the search.
func sameRun(a, b *Cell) bool {
	ra, rb := a.Record.CellSettings, b.Record.CellSettings
	// A cell not measured yet has no resolved guarantee: then the suite's
	// setting alone decides.
	sameGuarantee := ra.Guarantee == rb.Guarantee && (a.Guarantee == b.Guarantee || a.Guarantee == "" || b.Guarantee == "")
	return a.Engine == b.Engine && a.Workload == b.Workload && sameGuarantee &&
		ra.Seed == rb.Seed && ra.Partitions == rb.Partitions && ra.Parallelism == rb.Parallelism &&
		maps.Equal(ra.Params, rb.Params) && maps.Equal(ra.EngineConf, rb.EngineConf)
}

// BrokerCeilings are the measured baseline cells read through JetStream:
// the hand-written loop does next to nothing per record, so its sustainable
// rate through the broker is what the broker itself can carry, the ceiling
// of every engine read through it.
func BrokerCeilings(cells []*Cell) []*Cell {
	var out []*Cell
	for _, c := range cells {
		if c.Engine == "baseline" && c.ThroughBroker() && !clusterCell(c) && c.Measured() {
			out = append(out, c)
		}
	}
	return out
}

// ceilingFor returns the broker ceiling to hold a JetStream cell against:
// a baseline through the same kind of JetStream source, identity first.
func ceilingFor(ceilings []*Cell, c *Cell) *Cell {
	var best *Cell
	for _, b := range ceilings {
		if b.NATSClass != c.NATSClass || b.Record.Partitions != c.Record.Partitions {
			continue
		}
		if best == nil || (b.Workload == "identity" && best.Workload != "identity") {
			best = b
		}
	}
	return best
}

// brokerView is the report's "Through the broker" section.
type brokerView struct {
	Rows     []brokerRow
	Plot     string
	Ceilings []ceilingRow
}

type brokerRow struct {
	Engine, Guarantee, Workload string
	GeneratorCell, BrokerCell   string
	Generator, Broker, Ratio    est
	OfCeiling                   est
	// Ceiling is set on the row of a broker ceiling itself (a baseline).
	Ceiling   bool
	Reproduce string
}

type ceilingRow struct {
	Cell, Workload, Source string
	PerNode                est
}

// broker builds the "Through the broker" section when the bench has cells
// read through JetStream.
func (v *view) broker(d *Data) error {
	if !HasBrokerCells(d.Cells) {
		return nil
	}
	bv := &brokerView{}
	ceilings := BrokerCeilings(d.Cells)
	for _, c := range ceilings {
		bv.Ceilings = append(bv.Ceilings, ceilingRow{Cell: c.ID, Workload: c.Workload, Source: sourceLabel(c),
			PerNode: estimateString(EstimateOf(c.PerNode()), countString)})
	}
	for _, p := range BrokerPairs(d.Cells) {
		b := p.Broker
		r := brokerRow{Engine: b.Engine, Guarantee: b.Guarantee, Workload: b.Workload, BrokerCell: b.ID,
			Ceiling: slices.Contains(ceilings, b), Generator: est{Main: "not measured", Detail: "the bench has no such cell on the generator"},
			Ratio: est{Main: "—"}, OfCeiling: est{Main: "—"}}
		r.Broker = sideFigure(b)
		cells := []*Cell{b}
		if g := p.Generator; g != nil {
			r.GeneratorCell, r.Generator = g.ID, sideFigure(g)
			cells = append(cells, g)
			if g.Measured() && b.Measured() {
				r.Ratio = estimateString(RatioOf(b.PerNode(), g.PerNode()), ratioString)
			}
		}
		if c := ceilingFor(ceilings, b); c != nil && c != b && b.Measured() {
			r.OfCeiling = estimateString(RatioOf(b.PerNode(), c.PerNode()), ratioString)
			cells = append(cells, c)
		}
		r.Reproduce = benchCommand(d, cells...)
		bv.Rows = append(bv.Rows, r)
	}
	var err error
	if bv.Plot, err = BrokerPlot(d.Cells); err != nil {
		return err
	}
	v.Broker = bv
	return nil
}

// sideFigure is one side of a broker comparison: the cell's sustainable
// records/s per node, or "not measured" with why.
func sideFigure(c *Cell) est {
	if !c.Measured() {
		e := est{Main: "not measured", Detail: c.Status}
		if c.Reason != "" {
			e.Detail += ": " + c.Reason
		}
		return e
	}
	return estimateString(EstimateOf(c.PerNode()), countString)
}

// brokerGroupLabel names a pair on the broker plot's axis: the engine, its
// guarantee and the workload, one a line.
func brokerGroupLabel(c *Cell) string {
	return strings.TrimSpace(fmt.Sprintf("%s\n%s\n%s", c.Engine, c.Guarantee, c.Workload))
}
