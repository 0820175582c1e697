package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"count":  countString,
	"micros": microsString,
	"pct":    func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"join":   func(s []string) string { return strings.Join(s, " ") },
	"svg":    func(s string) template.HTML { return template.HTML(s) }, // drawn by plots.go, never user text
	"add":    func(a, b int) int { return a + b },
}).Parse(pageTemplate))

// view is what the template shows, every figure already computed.
type view struct {
	Title, Dir  string
	Description string
	Manifest    *resultfile.Manifest
	Suite       string
	Status      string
	Incomplete  []notMeasured
	Absent      []string
	Performance []perfRow
	// Anomalies are the cells above their baseline; Ceilings the harness's
	// own ceiling beside the baseline, per workload.
	Anomalies       []anomalyRow
	HarnessCeilings []harnessCeilingRow
	Questions       []questionRow
	Throughput      string
	Broker          *brokerView
	Scaling         *scalingView
	LoadPlots       []figure
	LoadRows        []loadRow
	Spectra         []figure
	Searches        []searchView
	Delivery        []deliveryRow
	Recovery        *recoveryView
	Timelines       []timelineGroup
	Envs            []envRow
	Runs            int
	Plain           bool
}

type figure struct {
	Name, Caption, SVG string
}

type notMeasured struct{ ID, Status, Reason, Reproduce string }

type perfRow struct {
	System, DeckFigure, Note     string
	Cell, Workload, Status       string
	Source                       string // the broker's label, for a JetStream cell
	Measured                     bool
	PerNode, PerCore, VsBaseline est
	VsDeck                       string
	Reproduce                    string
}

// est is an estimate as a table shows it: the figure, and below it the
// interval and the repetitions it comes from.
type est struct{ Main, Detail string }

type questionRow struct {
	Question, Workload, Faster, Slower string
	Source                             string // the broker's label, when the figures include it
	Claimed                            string
	Measured                           est
	Answer                             string
	Reproduce                          string
}

type loadRow struct {
	Source, Cell, Fraction, Rate, P50, P99, P999, Max, Verdict, Reproduce string
}

// anomalyRow is a cell whose sustainable rate is above its workload's
// baseline's, which the baseline's definition rules out: a broken baseline,
// an engine that does less than the output contract asks, or noise.
type anomalyRow struct {
	Cell, Workload, Figure, Baseline, Ratio, Reproduce string
}

// harnessCeilingRow is the harness's own ceiling for a workload beside the
// baseline: what the driver, source and sink move with no work done.
type harnessCeilingRow struct {
	Workload, Ceiling, Baseline, Ratio, Note string
}

type searchView struct {
	ID, Source, Summary, Reproduce string
	Reps                           []repView
}

type repView struct {
	Index  int
	Result string
	Probes []probeRow
}

type probeRow struct {
	N                                     int
	Role, Rate, Processed, Lag, Sent, P99 string
	Sustainable                           bool
	Judged                                bool
	Explain, File, Reproduce              string
}

type deliveryRow struct {
	Source, File, Cell, Role, Rate, Guarantee, Unit string
	Expected, Lost, Duplicated, Wrong               string
	OK                                              bool
	Problems, Error                                 string
	Env                                             int
	Reproduce                                       string
}

type timelineGroup struct {
	ID string
	// Source is the broker's label, for a JetStream cell.
	Source string
	Runs   []figure
}

type envRow struct {
	N   int
	Env resultfile.Environment
	Mem string
	Of  int
}

// Write writes the report of d as one self-contained HTML page: tables and
// inline SVG plots, no script, nothing fetched.
func Write(w io.Writer, d *Data) error {
	v, err := build(d)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}

func build(d *Data) (*view, error) {
	v := &view{Dir: d.Dir, Manifest: d.Manifest, Absent: d.Absent, Runs: len(d.Runs), Plain: d.Manifest == nil}
	if m := d.Manifest; m != nil {
		v.Suite, v.Description = m.Suite, strings.TrimSuffix(strings.TrimSpace(m.Description), ".")
		v.Title = "streambench report: suite " + m.Suite
	} else {
		v.Title = "streambench report: " + d.Dir
	}
	v.status(d)
	v.performance(d)
	v.anomalies(d)
	v.questions(d)
	var err error
	if v.Throughput, err = ThroughputPlot(d.Cells); err != nil {
		return nil, err
	}
	if err := v.scaling(d); err != nil {
		return nil, err
	}
	if err := v.broker(d); err != nil {
		return nil, err
	}
	for _, w := range workloadsOf(d.Cells) {
		s, err := LatencyLoadPlot(w, d.Cells)
		if err != nil {
			return nil, err
		}
		if s != "" {
			caption := "p50 and p99 latency of " + w + " at fixed fractions of each cell's sustainable rate."
			if slices.ContainsFunc(d.Cells, func(c *Cell) bool { return c.Workload == w && c.ThroughBroker() && len(c.Loads()) > 0 }) {
				caption += " The offered loads of cells marked " + LabelJetStream + " are rates through the broker."
			}
			v.LoadPlots = append(v.LoadPlots, figure{Name: "load-" + w, SVG: s, Caption: caption})
		}
	}
	v.loads(d)
	for _, c := range d.Cells {
		runs := c.Loads()
		label := func(r *Run) string {
			return fmt.Sprintf("%.0f%% (%s/s)", 100*r.Fraction, countString(r.Result.Rate.Asked))
		}
		if len(runs) == 0 {
			runs = c.Runs
			label = func(r *Run) string { return r.File }
		}
		s, err := SpectrumPlot("Latency spectrum: "+withBrokerTag(c), runs, label)
		if err != nil {
			return nil, err
		}
		if s != "" {
			v.Spectra = append(v.Spectra, figure{Name: "spectrum-" + c.ID, SVG: s,
				Caption: "Latency by percentile of " + withBrokerTag(c) + ", after each run's warm-up, from its histogram log."})
		}
	}
	v.searches(d)
	v.environments(d)
	v.delivery(d)
	if err := v.recovery(d); err != nil {
		return nil, err
	}
	for _, c := range d.Cells {
		g := timelineGroup{ID: c.ID, Source: brokerTag(c)}
		for _, r := range c.Runs {
			s, err := TimelinePlot(r)
			if err != nil {
				return nil, err
			}
			if s != "" {
				g.Runs = append(g.Runs, figure{Name: "timeline-" + r.File, SVG: s, Caption: r.File + ": " + describeRun(r)})
			}
		}
		if len(g.Runs) > 0 {
			v.Timelines = append(v.Timelines, g)
		}
	}
	var orphans timelineGroup
	orphans.ID = "runs no cell lists"
	for _, r := range d.Runs {
		if r.Cell == nil {
			s, err := TimelinePlot(r)
			if err != nil {
				return nil, err
			}
			if s != "" {
				orphans.Runs = append(orphans.Runs, figure{Name: "timeline-" + r.File, SVG: s, Caption: r.File + ": " + describeRun(r)})
			}
		}
	}
	if len(orphans.Runs) > 0 {
		v.Timelines = append(v.Timelines, orphans)
	}
	return v, nil
}

func describeRun(r *Run) string {
	res := r.Result
	rate := "max rate"
	if !res.Rate.Max {
		rate = countString(res.Rate.Asked) + " records/s offered"
	}
	role := r.Role
	if r.Role == resultfile.RoleLoad {
		role = fmt.Sprintf("load at %.0f%%", 100*r.Fraction)
	}
	processed := "records/s processed"
	if res.Source == SourceJetStream {
		processed += " through JetStream (includes the broker)"
	}
	return fmt.Sprintf("%s, %s; %s %s, p99 %s", role, rate,
		countString(res.Throughput.RecordsPerSecond), processed, microsString(res.Latency.P99))
}

func (v *view) status(d *Data) {
	m := d.Manifest
	if m == nil {
		v.Status = fmt.Sprintf("%d runs of streambench run, grouped by engine, guarantee and workload; their figures are the best throughput of a run, not a searched sustainable rate.", len(d.Runs))
		return
	}
	var done, missing, other int
	for _, c := range d.Cells {
		switch c.Status {
		case resultfile.StatusDone:
			done++
		case resultfile.StatusMissing:
			missing++
		default:
			other++
		}
		if c.Status != resultfile.StatusDone {
			v.Incomplete = append(v.Incomplete, notMeasured{ID: c.ID, Status: c.Status, Reason: c.Reason,
				Reproduce: strings.Join(c.Record.Reproduce, " ")})
		}
	}
	state := "complete"
	if !m.Finished || other > 0 {
		state = "incomplete"
	}
	v.Status = fmt.Sprintf("Bench %s: %d of %d cells measured, %d missing from this checkout, %d not measured; %d repetitions per cell; started %s, last written %s.",
		state, done, len(d.Cells), missing, other, m.Repeat, m.StartedAt.UTC().Format(time.RFC3339), m.UpdatedAt.UTC().Format(time.RFC3339))
}

// baselineOf returns the baseline cell of a workload read from the same
// source as of: an engine on the generator is held against the loop on the
// generator (the machine's ceiling), one through JetStream against the loop
// through JetStream (the broker's).
func baselineOf(d *Data, of *Cell) *Cell {
	for _, c := range d.Cells {
		if c.Engine == "baseline" && c.Workload == of.Workload && c.Source == of.Source && c.NATSClass == of.NATSClass && c.Measured() {
			return c
		}
	}
	return nil
}

// labelBroker adds the broker's label to the detail line of a figure that
// includes it.
func labelBroker(e est, tag string) est {
	if tag == "" || e.Main == "—" || e.Main == "" {
		return e
	}
	if e.Detail == "" {
		e.Detail = "includes the broker"
	} else {
		e.Detail += "; includes the broker"
	}
	return e
}

// benchCommand is the command that measures the given cells again.
func benchCommand(d *Data, cells ...*Cell) string {
	if d.Manifest == nil {
		var cmds []string
		for _, c := range cells {
			for _, r := range c.Runs {
				cmds = append(cmds, strings.Join(r.Result.Command, " "))
				break
			}
		}
		return strings.Join(cmds, "; ")
	}
	suite := strings.TrimPrefix(d.Manifest.SuiteFile, "builtin:")
	var ids []string
	for _, c := range cells {
		ids = append(ids, c.ID)
	}
	return fmt.Sprintf("streambench bench --suite %s --cells %s --repeat %d", suite, strings.Join(ids, ","), d.Manifest.Repeat)
}

func estimateString(e Estimate, format func(float64) string) est {
	switch {
	case e.N == 0:
		return est{Main: "—"}
	case !e.HasCI:
		return est{format(e.Mean), fmt.Sprintf("n=%d: no interval", e.N)}
	case e.Lo == e.Hi:
		return est{format(e.Mean), fmt.Sprintf("n=%d, all equal", e.N)}
	}
	return est{format(e.Mean), fmt.Sprintf("%s–%s, n=%d", format(e.Lo), format(e.Hi), e.N)}
}

func ratioString(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

// anomalies lists every measured cell above its baseline, and the harness's
// ceiling (engine "harness") beside each workload's baseline.
func (v *view) anomalies(d *Data) {
	for _, c := range d.Cells {
		if !c.Measured() || c.Engine == "baseline" {
			continue
		}
		b := baselineOf(d, c)
		if b == nil {
			continue
		}
		ce, be := EstimateOf(c.PerNode()), EstimateOf(b.PerNode())
		if c.Engine == "harness" {
			r := harnessCeilingRow{Workload: c.Workload, Ceiling: countString(ce.Mean), Baseline: countString(be.Mean), Ratio: ratioString(be.Mean / ce.Mean)}
			if be.Mean >= 0.9*ce.Mean {
				r.Note = "the baseline reaches the harness's ceiling: on this workload the harness, not the machine, bounds it"
			}
			v.HarnessCeilings = append(v.HarnessCeilings, r)
			continue
		}
		if ce.Mean > be.Mean {
			v.Anomalies = append(v.Anomalies, anomalyRow{Cell: cellName(c), Workload: c.Workload,
				Figure: countString(ce.Mean), Baseline: countString(be.Mean), Ratio: ratioString(ce.Mean / be.Mean),
				Reproduce: benchCommand(d, c, b)})
		}
	}
}

func (v *view) performance(d *Data) {
	row := func(claim *DeckClaim, c *Cell) perfRow {
		r := perfRow{System: "—", DeckFigure: "—"}
		if claim != nil {
			r.System, r.DeckFigure, r.Note = claim.System, countString(claim.PerNode), claim.Note
		}
		if c == nil {
			r.Cell, r.Status = "—", "no engine"
			return r
		}
		r.Cell, r.Workload, r.Status, r.Measured = cellName(c), c.Workload, c.Status, c.Measured()
		r.Source = brokerTag(c)
		r.Reproduce = benchCommand(d, c)
		if !c.Measured() {
			r.PerNode = est{Main: "not measured", Detail: c.Status}
			if c.Reason != "" {
				r.PerNode.Detail += ": " + c.Reason
			}
			return r
		}
		node, core := EstimateOf(c.PerNode()), EstimateOf(c.PerCore())
		r.PerNode, r.PerCore = estimateString(node, countString), estimateString(core, countString)
		if !c.Searched {
			r.PerNode.Detail = "the best run, not a searched sustainable rate"
		}
		if c.Bounds > 0 {
			r.PerNode.Main = "≥ " + r.PerNode.Main
			r.PerNode.Detail = strings.TrimPrefix(r.PerNode.Detail+fmt.Sprintf("; a bound: %d of %d searches did not converge", c.Bounds, len(c.Sustainable)), "; ")
		}
		if claim != nil {
			r.VsDeck = ratioString(node.Mean / claim.PerNode)
		}
		if b := baselineOf(d, c); b != nil && b != c {
			r.VsBaseline = estimateString(RatioOf(c.PerNode(), b.PerNode()), ratioString)
			if r.Source != "" {
				r.VsBaseline.Detail = strings.TrimPrefix(r.VsBaseline.Detail+"; both through JetStream", "; ")
			}
			r.Reproduce = benchCommand(d, c, b)
		}
		r.PerNode, r.PerCore = labelBroker(r.PerNode, r.Source), labelBroker(r.PerCore, r.Source)
		return r
	}
	used := map[*Cell]bool{}
	for i := range DeckClaims {
		claim := &DeckClaims[i]
		n := 0
		for _, c := range d.Cells {
			if claim.Engine != "" && c.Engine == claim.Engine {
				r := row(claim, c)
				if n > 0 { // the system's name and note once per group
					r.System, r.Note, r.DeckFigure = "", "", ""
				}
				v.Performance = append(v.Performance, r)
				used[c] = true
				n++
			}
		}
		if n == 0 {
			v.Performance = append(v.Performance, row(claim, nil))
		}
	}
	for _, c := range d.Cells {
		if !used[c] {
			v.Performance = append(v.Performance, row(nil, c))
		}
	}
}

func (v *view) questions(d *Data) {
	for _, q := range DeckCaps {
		for _, c := range d.Cells {
			if c.Engine != q.Engine {
				continue
			}
			r := questionRow{Question: q.Question, Workload: c.Workload, Faster: c.ID, Slower: "the deck's figure",
				Claimed: countString(q.PerNode) + "/s", Reproduce: benchCommand(d, c), Source: brokerTag(c)}
			if !c.Measured() {
				r.Measured, r.Answer = est{Main: "—"}, "not measured: "+notMeasuredWhy(c)
			} else {
				e := EstimateOf(c.PerNode())
				r.Measured = labelBroker(estimateString(e, func(f float64) string { return countString(f) + "/s" }), r.Source)
				switch {
				case e.Lo > q.PerNode:
					r.Answer = fmt.Sprintf("no: %s the deck's figure, even at the bottom of the interval", ratioString(e.Mean/q.PerNode))
				case e.Hi < q.PerNode:
					r.Answer = "yes: below the deck's figure even at the top of the interval"
				default:
					r.Answer = "about the deck's figure: the interval contains it"
				}
			}
			v.Questions = append(v.Questions, r)
		}
	}
	for _, q := range DeckQuestions {
		for _, w := range workloadsOf(d.Cells) {
			for _, f := range d.Cells {
				if f.Engine != q.Faster || f.Workload != w {
					continue
				}
				for _, s := range d.Cells {
					// Engines are compared read from the same source: a
					// ratio of one through the broker to one alone would
					// measure the broker.
					if s.Engine != q.Slower || s.Workload != w || s.Source != f.Source || s.NATSClass != f.NATSClass {
						continue
					}
					r := questionRow{Question: q.Question, Workload: w, Faster: f.ID, Slower: s.ID,
						Claimed: ratioString(q.Claimed), Reproduce: benchCommand(d, f, s), Source: brokerTag(f)}
					if !f.Measured() || !s.Measured() {
						r.Measured, r.Answer = est{Main: "—"}, "not measured: "+notMeasuredWhy(f, s)
					} else {
						e := RatioOf(f.PerNode(), s.PerNode())
						r.Measured = estimateString(e, ratioString)
						if r.Source != "" {
							r.Measured.Detail = strings.TrimPrefix(r.Measured.Detail+"; both through JetStream", "; ")
						}
						r.Answer = answer(e, q.Claimed)
					}
					v.Questions = append(v.Questions, r)
				}
			}
		}
		if !slices.ContainsFunc(v.Questions, func(r questionRow) bool { return r.Question == q.Question }) {
			v.Questions = append(v.Questions, questionRow{Question: q.Question, Faster: q.Faster, Slower: q.Slower,
				Claimed: ratioString(q.Claimed), Measured: est{Main: "—"}, Answer: "this bench has no cells of both engines on one workload"})
		}
	}
}

func notMeasuredWhy(cells ...*Cell) string {
	var why []string
	for _, c := range cells {
		if !c.Measured() {
			why = append(why, c.ID+" is "+c.Status)
		}
	}
	return strings.Join(why, ", ")
}

// answer says what a measured ratio says about a claimed one.
func answer(e Estimate, claimed float64) string {
	switch {
	case e.HasCI && e.Hi < claimed:
		return fmt.Sprintf("no: the measured ratio is below the claimed %s even at the top of its interval", ratioString(claimed))
	case e.HasCI && e.Lo > claimed:
		return fmt.Sprintf("more than claimed: above %s even at the bottom of its interval", ratioString(claimed))
	case e.HasCI:
		return fmt.Sprintf("consistent: the interval contains %s", ratioString(claimed))
	case e.Mean < claimed:
		return fmt.Sprintf("below the claimed %s (one repetition: no interval)", ratioString(claimed))
	}
	return fmt.Sprintf("at or above the claimed %s (one repetition: no interval)", ratioString(claimed))
}

func (v *view) loads(d *Data) {
	for _, c := range d.Cells {
		for _, r := range c.Loads() {
			l := r.Result.Latency
			v.LoadRows = append(v.LoadRows, loadRow{Cell: c.ID, Source: brokerTag(c), Fraction: fmt.Sprintf("%.0f%%", 100*r.Fraction),
				Rate: countString(r.Result.Rate.Asked), P50: microsString(l.P50), P99: microsString(l.P99),
				P999: microsString(l.P999), Max: microsString(l.Max), Verdict: r.Verdict.Explain,
				Reproduce: strings.Join(r.Result.Command, " ")})
		}
	}
}

func (v *view) searches(d *Data) {
	for _, c := range d.Cells {
		if len(c.Runs) == 0 {
			continue
		}
		sv := searchView{ID: c.ID, Source: brokerTag(c), Reproduce: benchCommand(d, c)}
		through := ""
		if sv.Source != "" {
			through = " through JetStream (includes the broker)"
		}
		if c.Searched {
			crit := c.Record.Criteria()
			sv.Summary = fmt.Sprintf("sustainable when the backlog grows by at most %.1f%% of the rate per second, the driver publishes at least %.0f%% of it, median latency grows by at most %v a second, p99 latency stays under %v and the engine finishes within %v of the input's end; probes of %v after %v of warm-up, bisected to %.0f%%.",
				100*crit.LagSlope, 100*crit.SendRate, time.Duration(crit.LatencySlope*float64(time.Second)), crit.LatencyBound, crit.LatencyBound,
				c.Record.Probe, c.Record.Warmup, 100*c.Record.Precision)
		}
		for _, rep := range c.Record.Repetitions {
			rv := repView{Index: rep.Index}
			s := rep.Search
			switch {
			case !rep.Done:
				rv.Result = "unfinished: the bench stopped during this repetition"
			case s.Sustainable == 0:
				rv.Result = "no probed rate was sustainable. " + s.Note
			case s.Converged:
				rv.Result = fmt.Sprintf("sustainable %s records/s%s: passed at %s, failed at %s", countString(s.Sustainable), through, countString(s.Lo), countString(s.Hi))
			default:
				rv.Result = fmt.Sprintf("sustainable %s records/s%s (not converged: %s)", countString(s.Sustainable), through, s.Note)
			}
			for i, p := range append(slices.Clone(s.Probes), rep.Loads...) {
				pr := probeRow{N: i + 1, Role: p.Role, Rate: "max", Processed: countString(p.Throughput),
					Sustainable: p.Verdict.Sustainable, Judged: p.Rate > 0, Explain: p.Verdict.Explain, File: p.File}
				if p.Role == resultfile.RoleLoad {
					pr.Role = fmt.Sprintf("load %.0f%%", 100*p.Fraction)
				}
				if p.Rate > 0 {
					pr.Rate = countString(p.Rate)
					pr.Lag = fmt.Sprintf("%+.1f%%", 100*p.Verdict.LagSlopeFraction)
					pr.Sent = fmt.Sprintf("%.1f%%", 100*p.Verdict.SendFraction)
				}
				pr.P99 = microsString(p.Verdict.P99)
				for _, r := range c.Runs {
					if r.File == p.File {
						pr.Reproduce = strings.Join(r.Result.Command, " ")
						pr.P99 = microsString(r.Result.Latency.P99)
					}
				}
				rv.Probes = append(rv.Probes, pr)
			}
			sv.Reps = append(sv.Reps, rv)
		}
		if c.Searched {
			v.Searches = append(v.Searches, sv)
		}
	}
}

func (v *view) environments(d *Data) {
	for _, r := range d.Runs {
		found := false
		for i := range v.Envs {
			if v.Envs[i].Env == r.Result.Environment {
				r.Env = v.Envs[i].N
				v.Envs[i].Of++
				found = true
				break
			}
		}
		if !found {
			e := r.Result.Environment
			v.Envs = append(v.Envs, envRow{N: len(v.Envs) + 1, Env: e, Mem: fmt.Sprintf("%.1f GiB", float64(e.MemoryBytes)/(1<<30)), Of: 1})
			r.Env = len(v.Envs)
		}
	}
}

func (v *view) delivery(d *Data) {
	for _, r := range d.Runs {
		res := r.Result
		ver := res.Verification
		row := deliveryRow{File: r.File, Role: r.Role, Rate: "max", Guarantee: res.Guarantee.String(), Unit: ver.Unit,
			Expected: countString(float64(ver.Expected)), Lost: countString(float64(ver.Lost)),
			Duplicated: countString(float64(ver.Duplicated)), Wrong: countString(float64(ver.Wrong)),
			OK: ver.OK, Problems: strings.Join(ver.Problems, "; "), Error: res.Error, Env: r.Env,
			Reproduce: strings.Join(res.Command, " ")}
		if r.Cell != nil {
			row.Cell = r.Cell.ID
		} else {
			row.Cell = res.Engine + "/" + res.Workload
		}
		if res.Source == SourceJetStream {
			row.Source = LabelJetStream
		}
		if !res.Rate.Max {
			row.Rate = countString(res.Rate.Asked)
		}
		v.Delivery = append(v.Delivery, row)
	}
}

// countString writes a number with thousands separators.
func countString(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	n := int64(math.Round(f))
	s := strconv.FormatInt(max(n, -n), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// microsString writes microseconds with a fitting unit.
func microsString(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%dµs", us)
	case us < 1_000_000:
		return fmt.Sprintf("%.3gms", float64(us)/1e3)
	}
	return fmt.Sprintf("%.3gs", float64(us)/1e6)
}
