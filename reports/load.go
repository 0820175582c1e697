package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/streambench/streambench/harness/resultfile"
)

// Data is everything a report shows, read from one directory: a bench's
// manifest when there is one, and every result file with its histogram
// log. Nothing else goes into a report, so a report can always be rebuilt
// from the directory alone.
type Data struct {
	Dir string
	// Manifest is the bench's, or nil for a directory of plain runs.
	Manifest *resultfile.Manifest
	// Runs are every result file of the directory, by file name.
	Runs []*Run
	// Cells are the manifest's cells in its order; for a directory of
	// plain runs, one per (engine, guarantee, workload) of the runs.
	Cells []*Cell
	// Absent names result files the manifest lists that are not in the
	// directory.
	Absent []string
}

// Run is one result file.
type Run struct {
	File   string
	Result *resultfile.Result
	// Intervals are the per-second latency histograms of the .hlog.
	Intervals []resultfile.IntervalHistogram
	// Cell, Repetition, Role and Fraction place the run in its bench (nil
	// Cell for a run no cell lists); Verdict is the search's judgement.
	Cell       *Cell
	Repetition int
	Role       string
	Fraction   float64
	Verdict    resultfile.Verdict
	// Env is the index of the run's environment in Data.Environments.
	Env int
}

// Cell is one cell of the bench.
type Cell struct {
	ID, Engine, Workload, Guarantee string
	// Source is where the cell's runs read records: SourceGenerator (the
	// engine alone) or SourceJetStream (through the broker: its figures
	// include the broker's work). NATSClass is the kind of source
	// JetStream played (log, queue or feed), "" for the generator.
	Source, NATSClass string
	// Status and Reason are the manifest's (done, missing, pending, ...).
	Status, Reason string
	// Record is the manifest's record of the cell (zero for plain runs).
	Record resultfile.CellRecord
	// Runs are the cell's runs in the order they ran.
	Runs []*Run
	// Sustainable is the sustainable rate of each finished repetition in
	// records/s; Nodes and Cores are the divisors of its per-node and
	// per-core figures (from the runs' environment).
	Sustainable  []float64
	Nodes, Cores int
	// Bounds counts the repetitions whose search did not converge: their
	// sustainable rate is a lower bound, not a figure.
	Bounds int
	// Searched is false for plain runs: their figure is the best
	// throughput of a run, not a searched sustainable rate.
	Searched bool
}

// The sources a cell can read from, as the manifest's cells and the result
// files' source key spell them.
const (
	SourceGenerator = "generator"
	SourceJetStream = "jetstream"
)

// ThroughBroker reports whether the cell's runs read through JetStream, so
// that its figures include the broker.
func (c *Cell) ThroughBroker() bool { return c.Source == SourceJetStream }

// Measured reports whether the cell has a figure to show.
func (c *Cell) Measured() bool { return len(c.Sustainable) > 0 }

// PerNode returns the per-repetition sustainable rates divided by nodes.
func (c *Cell) PerNode() []float64 { return divide(c.Sustainable, c.Nodes) }

// PerCore returns the per-repetition sustainable rates divided by cores.
func (c *Cell) PerCore() []float64 { return divide(c.Sustainable, c.Cores) }

func divide(vs []float64, d int) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = v / float64(max(d, 1))
	}
	return out
}

// Loads returns the cell's load runs, lowest fraction first.
func (c *Cell) Loads() []*Run {
	var out []*Run
	for _, r := range c.Runs {
		if r.Role == resultfile.RoleLoad {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *Run) int { return cmpFloat(a.Fraction, b.Fraction) })
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ErrNoResults is returned by Load for a directory with no result file and
// no manifest.
var ErrNoResults = errors.New("no result files")

// Load reads a directory of results. A result file, histogram log or
// manifest that is corrupt, truncated or not streambench's is refused: Load
// returns an error naming the file, and no report is made from a directory
// it cannot read whole.
func Load(dir string) (*Data, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	d := &Data{Dir: dir}
	if _, err := os.Stat(filepath.Join(dir, resultfile.ManifestFile)); err == nil {
		if d.Manifest, err = resultfile.ReadManifest(dir); err != nil {
			return nil, err
		}
	}
	byFile := map[string]*Run{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || name == resultfile.ManifestFile || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		res, err := resultfile.ReadResult(path)
		if err != nil {
			return nil, err
		}
		run := &Run{File: name, Result: res}
		if res.HistogramLog != "" {
			if res.HistogramLog != filepath.Base(res.HistogramLog) {
				return nil, fmt.Errorf("%s: %w: histogram_log %q is not a file beside it", path, resultfile.ErrBadResult, res.HistogramLog)
			}
			hlog := filepath.Join(dir, res.HistogramLog)
			if run.Intervals, err = resultfile.ReadHistogramLog(hlog, res); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("%s: %w: its histogram log %s is missing", path, resultfile.ErrBadResult, hlog)
				}
				return nil, err
			}
		}
		d.Runs = append(d.Runs, run)
		byFile[name] = run
	}
	if d.Manifest == nil && len(d.Runs) == 0 {
		return nil, fmt.Errorf("%s: %w (and no %s): give a directory written by streambench bench or run", dir, ErrNoResults, resultfile.ManifestFile)
	}
	if d.Manifest != nil {
		d.cellsFromManifest(byFile)
	} else {
		d.cellsFromRuns()
	}
	return d, nil
}

// cellsFromManifest places every run the manifest lists in its cell.
func (d *Data) cellsFromManifest(byFile map[string]*Run) {
	for _, rec := range d.Manifest.Cells {
		c := &Cell{ID: rec.ID, Engine: rec.Engine, Workload: rec.Workload, Guarantee: rec.ResolvedGuarantee,
			Status: rec.Status, Reason: rec.Reason, Record: rec, Searched: true}
		if c.Guarantee == "" {
			c.Guarantee = rec.Guarantee
		}
		for _, rep := range rec.Repetitions {
			outs := append(slices.Clone(rep.Search.Probes), rep.Loads...)
			for _, p := range outs {
				run, ok := byFile[p.File]
				if !ok {
					d.Absent = append(d.Absent, p.File)
					continue
				}
				run.Cell, run.Repetition, run.Role, run.Fraction, run.Verdict = c, rep.Index, p.Role, p.Fraction, p.Verdict
				c.Runs = append(c.Runs, run)
			}
			if rep.Done {
				c.Sustainable = append(c.Sustainable, rep.Search.Sustainable)
				if rep.Search.Bound || (!rep.Search.Converged && rep.Search.Sustainable > 0) {
					c.Bounds++
				}
			}
		}
		c.Nodes, c.Cores = 1, 1
		var first *resultfile.Result
		if len(c.Runs) > 0 {
			first = c.Runs[0].Result
			c.Nodes, c.Cores = max(first.Environment.Nodes, 1), max(first.Environment.GOMAXPROCS, 1)
			if n := first.Environment.CoresPerNode; n > 0 {
				c.Cores = n * c.Nodes // a cluster's nodes, each pinned to its cores
			}
		}
		c.Source, c.NATSClass = sourceOf(rec.Source, rec.NATSClass, first)
		d.Cells = append(d.Cells, c)
	}
}

// cellsFromRuns groups plain runs into cells by engine, guarantee and
// workload; a cell's figure is its best run's throughput.
func (d *Data) cellsFromRuns() {
	byID := map[string]*Cell{}
	for _, run := range d.Runs {
		r := run.Result
		source, class := sourceOf("", "", r)
		name := r.Engine + "-" + r.Guarantee.String()
		if source != SourceGenerator {
			// Runs through the broker are not the engine alone: a cell of
			// their own, beside the generator's.
			name += "-" + source
			if class != "" && class != "log" {
				name += "-" + class
			}
		}
		id := name + "/" + r.Workload
		c, ok := byID[id]
		if !ok {
			c = &Cell{ID: id, Engine: r.Engine, Workload: r.Workload, Guarantee: r.Guarantee.String(), Status: resultfile.StatusDone,
				Source: source, NATSClass: class, Nodes: max(r.Environment.Nodes, 1), Cores: max(r.Environment.GOMAXPROCS, 1)}
			if n := r.Environment.CoresPerNode; n > 0 {
				// A cluster's nodes each pinned to their cores.
				c.Cores = n * max(r.Environment.Nodes, 1)
			}
			byID[id] = c
			d.Cells = append(d.Cells, c)
		}
		run.Cell, run.Role, run.Repetition = c, "run", 1
		c.Runs = append(c.Runs, run)
		if r.Error == "" && r.Verification.OK {
			if len(c.Sustainable) == 0 {
				c.Sustainable = []float64{0}
			}
			c.Sustainable[0] = max(c.Sustainable[0], r.Throughput.RecordsPerSecond)
		}
	}
	slices.SortStableFunc(d.Cells, func(a, b *Cell) int { return strings.Compare(a.ID, b.ID) })
}

// sourceOf is where a cell's runs read: the cell's source setting in the
// manifest, or, when it has none, what its first result file says (its
// source key, and the class in its source settings); the generator when
// neither says.
func sourceOf(setting, class string, first *resultfile.Result) (source, natsClass string) {
	source, natsClass = setting, class
	if source == "" && first != nil {
		source = first.Source
		if c, ok := first.SourceSettings["class"].(string); ok && natsClass == "" {
			natsClass = c
		}
	}
	if source == "" {
		source = SourceGenerator
	}
	if source != SourceJetStream {
		natsClass = ""
	} else if natsClass == "" {
		natsClass = "log"
	}
	return source, natsClass
}
