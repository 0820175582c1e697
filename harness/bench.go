package harness

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// BenchEvent reports a bench's progress.
type BenchEvent struct {
	Kind string // "cell", "run", "ran", "missing", "failed", "skip", "done"
	// Cell is the cell concerned, Index its position among the selected
	// cells (from 1) and Cells their number.
	Cell         *resultfile.CellRecord
	Index, Cells int
	Repetition   int
	Role         string
	Rate         float64
	Outcome      *resultfile.ProbeOutcome
	// Elapsed is the bench's time so far and ETA the expected rest.
	Elapsed, ETA time.Duration
	// Done is the fraction of the expected runs finished, for a progress
	// bar.
	Done float64
}

// BenchConfig configures Bench.
type BenchConfig struct {
	Suite *Suite
	// Dir is the bench directory; Resume continues the bench whose manifest
	// is there, instead of refusing a directory that has one.
	Dir    string
	Resume bool
	// Repeat overrides the suite's repetitions when positive.
	Repeat int
	// Engines, Workloads and Cells filter the suite's cells (see
	// Suite.Select); the rest are recorded as skipped.
	Engines, Workloads, Cells []string
	// Command is the bench's command line, for the manifest.
	Command []string
	// Progress, when set, is called as the bench advances.
	Progress func(BenchEvent)
	// Clock is the harness's time (nil: the system clock).
	Clock Clock
	// Run runs one run (nil: Run). Tests put a model of an engine here
	// (see Simulation).
	Run func(context.Context, RunConfig) (*Measurement, error)
	// Available says whether this checkout can run a cell (nil:
	// CheckCell), and Environment is the machine's (nil:
	// CaptureEnvironment); tests fix both.
	Available   func(*resultfile.Cell) (reason string, missing bool)
	Environment func() resultfile.Environment
}

// Bench measures a suite's cells into a directory: per cell a sustainable
// rate search, repeated, then runs at fractions of the rate. Every run
// writes its result file, and the manifest is rewritten after each, so an
// interrupted bench can be resumed and an incomplete one reported. A cell
// the checkout cannot run is recorded as missing; a cell that fails is
// recorded as failed with why; neither stops the bench. Bench returns the
// manifest; the error is a *UsageError for bad configuration, or the
// context's error when it was interrupted.
func Bench(ctx context.Context, cfg BenchConfig) (*resultfile.Manifest, error) {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Run == nil {
		cfg.Run = Run
	}
	if cfg.Available == nil {
		cfg.Available = CheckCell
	}
	if cfg.Environment == nil {
		cfg.Environment = func() resultfile.Environment { return CaptureEnvironment(1) }
	}
	suite := cfg.Suite
	repeat := suite.Repeat
	if cfg.Repeat > 0 {
		repeat = cfg.Repeat
	}
	selected := *suite
	selected.Cells = slices.Clone(suite.Cells)
	if err := selected.Select(cfg.Engines, cfg.Workloads, cfg.Cells); err != nil {
		return nil, err
	}
	m, err := openManifest(cfg, suite, repeat)
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, m: m, repeat: repeat, began: cfg.Clock.Now()}
	var todo []int
	for i := range m.Cells {
		c := &m.Cells[i]
		if !slices.ContainsFunc(selected.Cells, func(s resultfile.Cell) bool { return s.ID == c.ID }) {
			if c.Status == resultfile.StatusPending {
				c.Status, c.Reason = resultfile.StatusSkipped, "not selected by this bench's --engines, --workloads or --cells"
			}
			continue
		}
		todo = append(todo, i)
	}
	b.total = len(todo)
	b.plan(todo)
	if err := b.save(); err != nil {
		return nil, err
	}
	for n, i := range todo {
		if err := b.cell(ctx, &m.Cells[i], n+1); err != nil {
			c := &m.Cells[i]
			if ctx.Err() != nil {
				c.Status, c.Reason = resultfile.StatusCanceled, "the bench was interrupted during this cell; --resume measures it again"
				b.save()
				return m, ctx.Err()
			}
			return m, err
		}
	}
	m.Finished = true
	for _, c := range m.Cells {
		if c.Status == resultfile.StatusPending || c.Status == resultfile.StatusRunning || c.Status == resultfile.StatusSkipped || c.Status == resultfile.StatusCanceled {
			m.Finished = false
		}
	}
	if err := b.save(); err != nil {
		return m, err
	}
	b.emit(BenchEvent{Kind: "done", Cells: b.total})
	return m, nil
}

// openManifest starts a new manifest, or loads the one in cfg.Dir to
// resume it.
func openManifest(cfg BenchConfig, suite *Suite, repeat int) (*resultfile.Manifest, error) {
	now := time.Unix(0, cfg.Clock.Now()).UTC()
	m, err := CheckBenchDir(cfg.Dir, suite, cfg.Resume)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, &UsageError{Msg: fmt.Sprintf("--out %s: %v", cfg.Dir, err)}
	}
	if m != nil {
		m.Repeat = max(m.Repeat, repeat)
		m.Finished = false
		m.Command = cfg.Command
		for i := range m.Cells {
			c := &m.Cells[i]
			// A cell reported missing, failed or interrupted is tried again:
			// the checkout may have gained its engine since.
			switch c.Status {
			case resultfile.StatusMissing, resultfile.StatusFailed, resultfile.StatusCanceled, resultfile.StatusRunning, resultfile.StatusSkipped:
				c.Status, c.Reason = resultfile.StatusPending, ""
			case resultfile.StatusDone:
				if len(c.Sustainable()) < m.Repeat {
					c.Status = resultfile.StatusPending
				}
			}
		}
		return m, nil
	}
	m = &resultfile.Manifest{
		BenchSchema: resultfile.BenchSchemaVersion,
		Suite:       suite.Name,
		SuiteFile:   suite.File,
		SuiteSource: suite.Source,
		Description: suite.Description,
		Repeat:      repeat,
		Command:     cfg.Command,
		StartedAt:   now,
		Environment: cfg.Environment(),
	}
	for _, c := range suite.Cells {
		m.Cells = append(m.Cells, resultfile.CellRecord{Cell: c, Status: resultfile.StatusPending,
			Reproduce: []string{"streambench", "bench", "--suite", suiteArg(suite), "--cells", c.ID, "--repeat", strconv.Itoa(repeat)}})
	}
	return m, nil
}

// CheckBenchDir refuses a bench directory Bench would refuse: one holding a
// bench when resume is false, and, when it is true, one holding no bench,
// or a bench of another suite or of another version of the suite. When
// resuming it returns the manifest found. The errors are *UsageErrors that
// say which flag to give.
func CheckBenchDir(dir string, suite *Suite, resume bool) (*resultfile.Manifest, error) {
	path := filepath.Join(dir, resultfile.ManifestFile)
	if _, err := os.Stat(path); err != nil {
		if resume {
			return nil, &UsageError{Msg: fmt.Sprintf("--resume: %s holds no bench (no %s): leave out --resume to start one there, or give --out the directory of the bench to continue", dir, resultfile.ManifestFile)}
		}
		return nil, nil
	}
	if !resume {
		return nil, &UsageError{Msg: fmt.Sprintf("%s already holds a bench (%s); give --resume to continue it, or another --out", dir, resultfile.ManifestFile)}
	}
	m, err := resultfile.ReadManifest(dir)
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	if m.Suite != suite.Name {
		arg := m.SuiteFile
		if name, ok := strings.CutPrefix(arg, "builtin:"); ok || arg == "" {
			arg = cmp.Or(name, m.Suite)
		}
		return nil, &UsageError{Msg: fmt.Sprintf("--resume: %s holds a bench of suite %s, not %s; give --suite %s to continue it", dir, m.Suite, suite.Name, arg)}
	}
	if m.SuiteSource != suite.Source {
		return nil, &UsageError{Msg: fmt.Sprintf("suite %s has changed since the bench in %s started; resume it with the suite it started with (kept in %s as suite_source) or start a new bench", suite.Name, dir, resultfile.ManifestFile)}
	}
	return m, nil
}

// suiteArg is how a command line names the suite.
func suiteArg(s *Suite) string {
	if name, ok := strings.CutPrefix(s.File, "builtin:"); ok {
		return name
	}
	return s.File
}

// bench is one Bench call in progress.
type bench struct {
	cfg    BenchConfig
	m      *resultfile.Manifest
	repeat int
	total  int
	began  int64
	// Expected and finished runs, and the time the finished ones took,
	// for the ETA.
	expected, finished float64
	runSeconds         float64
	// planned holds the cells counted in expected: those the checkout can
	// run.
	planned map[string]bool
}

func (b *bench) save() error {
	b.m.UpdatedAt = time.Unix(0, b.cfg.Clock.Now()).UTC()
	data, err := json.MarshalIndent(b.m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the manifest: %w", err)
	}
	if err := resultfile.WriteFile(filepath.Join(b.cfg.Dir, resultfile.ManifestFile), append(data, '\n')); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	return nil
}

// laterMaxProbes bounds the probes of a repetition after the first: it
// starts from the first one's bracket, so a few probes confirm or move it,
// and the bound keeps a bench's time predictable.
const laterMaxProbes = 3

// typicalSearchProbes is how many probes a first search usually takes, for
// the ETA before any cell has finished.
const typicalSearchProbes = 5

// plan estimates the runs still to do, for the progress bar.
func (b *bench) plan(todo []int) {
	b.planned = map[string]bool{}
	for _, i := range todo {
		c := &b.m.Cells[i]
		if reason, _ := b.cfg.Available(&c.Cell); reason != "" {
			continue
		}
		b.planned[c.ID] = true
		for rep := len(c.Sustainable()) + 1; rep <= b.repeat; rep++ {
			b.expected += b.runsOf(c, rep)
		}
	}
}

func (b *bench) runsOf(c *resultfile.CellRecord, rep int) float64 {
	if c.Rate > 0 {
		return 1
	}
	if rep == 1 {
		n := typicalSearchProbes + float64(len(c.Loads))
		if c.Start == 0 {
			n++
		}
		return n
	}
	return 3
}

func (b *bench) emit(ev BenchEvent) {
	if b.cfg.Progress == nil {
		return
	}
	ev.Elapsed = time.Duration(b.cfg.Clock.Now() - b.began)
	ev.Cells = b.total
	if b.expected > 0 {
		ev.Done = min(b.finished/b.expected, 1)
	}
	per := 0.0
	if b.finished > 0 {
		per = b.runSeconds / b.finished
	}
	ev.ETA = time.Duration(max(b.expected-b.finished, 0) * per * float64(time.Second))
	b.cfg.Progress(ev)
}

// cell measures one cell, every repetition it still needs.
func (b *bench) cell(ctx context.Context, c *resultfile.CellRecord, index int) error {
	if c.Status == resultfile.StatusDone && len(c.Sustainable()) >= b.repeat {
		b.emit(BenchEvent{Kind: "skip", Cell: c, Index: index})
		return nil
	}
	if reason, missing := b.cfg.Available(&c.Cell); reason != "" {
		c.Status, c.Reason = resultfile.StatusFailed, reason
		if missing {
			c.Status = resultfile.StatusMissing
		}
		b.expected -= b.remaining(c)
		b.emit(BenchEvent{Kind: c.Status, Cell: c, Index: index})
		return b.save()
	}
	g := c.Guarantee
	if g == "" {
		spec, _ := LookupEngine(c.Engine)
		g = spec.DefaultGuarantee().String()
	}
	c.ResolvedGuarantee = g
	c.Status, c.Reason = resultfile.StatusRunning, ""
	// A repetition left unfinished by an interrupted bench is measured
	// again from the start; its files go.
	for len(c.Repetitions) > 0 && !c.Repetitions[len(c.Repetitions)-1].Done {
		last := c.Repetitions[len(c.Repetitions)-1]
		for _, f := range (&resultfile.CellRecord{Repetitions: []resultfile.Repetition{last}}).Files() {
			os.Remove(filepath.Join(b.cfg.Dir, f))
			os.Remove(resultfile.HistogramLogPath(filepath.Join(b.cfg.Dir, f)))
		}
		c.Repetitions = c.Repetitions[:len(c.Repetitions)-1]
	}
	b.emit(BenchEvent{Kind: "cell", Cell: c, Index: index})
	if err := b.save(); err != nil {
		return err
	}
	for rep := len(c.Repetitions) + 1; rep <= b.repeat; rep++ {
		if err := b.repetition(ctx, c, index, rep); err != nil {
			if ctx.Err() != nil {
				return err
			}
			var usage *UsageError
			c.Status, c.Reason = resultfile.StatusFailed, err.Error()
			if errors.As(err, &usage) {
				c.Reason = "bad settings: " + err.Error()
			}
			b.expected -= b.remaining(c)
			b.emit(BenchEvent{Kind: "failed", Cell: c, Index: index})
			return b.save()
		}
	}
	c.Status = resultfile.StatusDone
	return b.save()
}

// remaining is how many expected runs a cell no longer needs.
func (b *bench) remaining(c *resultfile.CellRecord) float64 {
	if !b.planned[c.ID] {
		return 0
	}
	var n float64
	for rep := len(c.Repetitions) + 1; rep <= b.repeat; rep++ {
		n += b.runsOf(c, rep)
	}
	return n
}

// repetition runs one search of a cell and, on the first repetition, its
// load points.
func (b *bench) repetition(ctx context.Context, c *resultfile.CellRecord, index, rep int) error {
	c.Repetitions = append(c.Repetitions, resultfile.Repetition{Index: rep})
	r := &c.Repetitions[len(c.Repetitions)-1]
	seq := 0
	// calibrated is what the engine processed at max rate (this
	// repetition's calibration, or the first's): a probe above it claims
	// more than the engine was seen to do, and runs twice as long.
	var calibrated float64
	for _, p := range c.Repetitions[0].Search.Probes {
		if p.Role == resultfile.RoleCalibration {
			calibrated = p.Throughput
		}
	}
	probe := func(ctx context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		seq++
		b.emit(BenchEvent{Kind: "run", Cell: c, Index: index, Repetition: rep, Role: role, Rate: rate})
		extend := role == resultfile.RoleProbe && calibrated > 0 && rate > calibrated
		out, written, err := b.run(ctx, c, rep, seq, role, rate, extend)
		if role == resultfile.RoleCalibration && written {
			calibrated = out.Throughput
		}
		if !written {
			return out, err
		}
		if role == resultfile.RoleLoad {
			r.Loads = append(r.Loads, out)
		} else {
			r.Search.Probes = append(r.Search.Probes, out)
		}
		b.finished++
		b.runSeconds += out.Seconds
		b.emit(BenchEvent{Kind: "ran", Cell: c, Index: index, Repetition: rep, Role: role, Rate: rate, Outcome: &out})
		if err != nil {
			return out, err
		}
		return out, b.save()
	}
	if c.Rate > 0 {
		// A fixed-rate cell: one run a repetition, and a broken guarantee
		// is its finding, judged in its result, not a reason to stop.
		if _, err := probe(ctx, resultfile.RoleLoad, c.Rate); err != nil && (ctx.Err() != nil || !errors.Is(err, ErrVerification)) {
			return err
		}
		r.Done = true
		return nil
	}
	sc := SearchConfig{Start: c.Start, Step: c.Step, Precision: c.Precision, MaxProbes: c.MaxProbes}
	if rep > 1 {
		// A later repetition starts from the first one's answer: it probes
		// the rate found, then the rate that failed above it, and bisects;
		// if the answer has moved, it moves in small steps.
		if first := c.Repetitions[0].Search; first.Sustainable > 0 {
			sc.Start, sc.Ceiling = first.Sustainable, first.Hi
			sc.MaxProbes = min(sc.MaxProbes, laterMaxProbes)
			sc.Step = 1 + 4*c.Precision
		}
	}
	outcome, err := Search(ctx, sc, probe)
	outcome.Probes = r.Search.Probes // the hook kept those whose file was written
	r.Search = outcome
	if err != nil {
		return err
	}
	if rep == 1 && outcome.Sustainable > 0 {
		for _, f := range c.Loads {
			rate := roundRate(f * outcome.Sustainable)
			if _, err := probe(ctx, resultfile.RoleLoad, rate); err != nil {
				return err
			}
			r.Loads[len(r.Loads)-1].Fraction = f
		}
	}
	r.Done = true
	return nil
}

// run runs the cell once and writes its result file; written says whether
// it did. A run that breaks its guarantee is written and judged, and also
// returns an error: the engine is broken and searching it further would
// measure nothing useful.
//
// An extended run publishes twice the suite's probe length.
func (b *bench) run(ctx context.Context, c *resultfile.CellRecord, rep, seq int, role string, rate float64, extend bool) (out resultfile.ProbeOutcome, written bool, err error) {
	out = resultfile.ProbeOutcome{Role: role, Rate: rate, Extended: extend}
	cfg, publish, err := CellRunConfig(c, rate, role == resultfile.RoleCalibration)
	if err != nil {
		return out, false, err
	}
	if extend {
		publish *= 2
		cfg.Duration = publish
		cfg.Command = runCommand(c, cfg)
	}
	if role == resultfile.RoleLoad && c.LoadProbe > 0 {
		publish, cfg.Duration = c.LoadProbe.D(), c.LoadProbe.D()
		cfg.Command = runCommand(c, cfg)
	}
	label := role
	if rate > 0 {
		label += "-" + strconv.FormatFloat(rate, 'f', -1, 64)
	}
	out.File = fmt.Sprintf("%s.r%d.%02d-%s.json", c.Slug(), rep, seq, label)
	began := b.cfg.Clock.Now()
	cfg.Clock = b.cfg.Clock
	m, runErr := b.cfg.Run(ctx, cfg)
	out.Seconds = float64(b.cfg.Clock.Now()-began) / 1e9
	if m == nil {
		return out, false, runErr
	}
	if ctx.Err() != nil {
		return out, false, ctx.Err()
	}
	if err := m.Write(filepath.Join(b.cfg.Dir, out.File)); err != nil {
		return out, false, fmt.Errorf("writing %s: %w", out.File, err)
	}
	out.Throughput = m.Result.Throughput.RecordsPerSecond
	out.Verdict = Judge(m.Result, publish, c.Criteria())
	if errors.Is(runErr, ErrVerification) {
		return out, true, fmt.Errorf("the engine broke its %s guarantee in %s: %w", c.ResolvedGuarantee, out.File, runErr)
	}
	return out, true, nil
}

// CellRunConfig returns the run of the cell at rate (0: max rate, for the
// calibration) and how long it publishes input.
func CellRunConfig(c *resultfile.CellRecord, rate float64, calibration bool) (RunConfig, time.Duration, error) {
	g, err := engines.ParseGuarantee(c.ResolvedGuarantee)
	if err != nil {
		return RunConfig{}, 0, &UsageError{Msg: fmt.Sprintf("cell %s: %v", c.ID, err)}
	}
	publish, warmup := c.Probe.D(), c.Warmup.D()
	if calibration {
		publish, warmup = c.Calibrate.D(), 0
	}
	// The max-rate calibration keeps a short queue in front of the engine,
	// so that its second of input is measured while it is published rather
	// than drained from a queue long after.
	backlog := int64(4096)
	if rate > 0 {
		// A second of input (the suite's backlog) in front of the engine:
		// enough to ride out a pause, small enough that an overloaded probe
		// makes the driver fall behind at once and drains quickly.
		backlog = max(1024, int64(math.Ceil(rate*c.Backlog.D().Seconds()/float64(c.Partitions))))
		// and never more than the memory holds (see MemoryLimits).
		backlog = min(backlog, Machine().MaxBacklog(c.Partitions, c.Parallelism))
	}
	cfg := RunConfig{
		Engine: c.Engine, Workload: c.Workload, Params: c.Params,
		Seed: c.Seed, Partitions: c.Partitions, Parallelism: c.Parallelism, Guarantee: g,
		Rate: rate, Duration: publish, Warmup: warmup,
		Conf:    engines.Conf(c.EngineConf).Clone(),
		Source:  SourceConfig{Name: c.Source, NATSClass: c.NATSClass},
		Cluster: ClusterConfig{Nodes: c.Nodes, CoresPerNode: c.CoresPerNode, Timing: c.Timing},
		Backlog: backlog, DrainTimeout: c.DrainTimeout.D(),
	}
	if !calibration {
		if cfg.Faults, err = ParseFaults("cell "+c.ID+" faults:", c.Faults); err != nil {
			return RunConfig{}, 0, err
		}
	}
	cfg.Command = runCommand(c, cfg)
	return cfg, publish, nil
}

// runCommand is the `streambench run` command line that repeats one run.
func runCommand(c *resultfile.CellRecord, cfg RunConfig) []string {
	rate := "max"
	if cfg.Rate > 0 {
		rate = strconv.FormatFloat(cfg.Rate, 'f', -1, 64)
	}
	cmd := []string{"streambench", "run", "--engine", cfg.Engine, "--workload", cfg.Workload,
		"--guarantee", cfg.Guarantee.String(), "--rate", rate, "--duration", cfg.Duration.String()}
	if cfg.Warmup > 0 {
		cmd = append(cmd, "--warmup", cfg.Warmup.String())
	}
	cmd = append(cmd, "--seed", strconv.FormatUint(cfg.Seed, 10), "--partitions", strconv.Itoa(cfg.Partitions),
		"--parallelism", strconv.Itoa(cfg.Parallelism))
	if cfg.Backlog > 0 {
		cmd = append(cmd, "--backlog", strconv.FormatInt(cfg.Backlog, 10))
	}
	cmd = append(cmd, "--drain-timeout", cfg.DrainTimeout.String())
	if cfg.Source.Name != "" && cfg.Source.Name != "generator" {
		cmd = append(cmd, "--source", cfg.Source.Name)
	}
	if cfg.Source.NATSClass != "" {
		cmd = append(cmd, "--nats-class", cfg.Source.NATSClass)
	}
	for _, f := range cfg.Faults {
		cmd = append(cmd, "--fault", f.String())
	}
	if c := cfg.Cluster; c.Enabled() {
		cmd = append(cmd, "--nodes", strconv.Itoa(c.Nodes))
		if c.CoresPerNode > 0 {
			cmd = append(cmd, "--cores-per-node", strconv.Itoa(c.CoresPerNode))
		}
		if c.Timing != "" {
			cmd = append(cmd, "--timing", c.Timing)
		}
	}
	// A setting with a shorthand flag is written with it (--batch-interval
	// 1s); any other as --conf key=value.
	flags := map[string]string{}
	if spec, err := LookupEngine(cfg.Engine); err == nil {
		for f, k := range spec.Flags {
			flags[k] = f
		}
	}
	for _, k := range cfg.Conf.Keys() {
		if f, ok := flags[k]; ok {
			cmd = append(cmd, "--"+f, cfg.Conf[k])
		} else {
			cmd = append(cmd, "--conf", k+"="+cfg.Conf[k])
		}
	}
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cmd = append(cmd, "--param", k+"="+c.Params[k])
	}
	return cmd
}

// CheckCell says why a bench would not measure a cell: Available's reason,
// or, as "bad settings", the refusal of its runs' configuration (CheckRun
// of its calibration and of a probe at its start rate), before any runs.
func CheckCell(c *resultfile.Cell) (reason string, missing bool) {
	if reason, missing := Available(c); reason != "" {
		return reason, missing
	}
	rec := &resultfile.CellRecord{Cell: *c, ResolvedGuarantee: c.Guarantee}
	if rec.ResolvedGuarantee == "" {
		spec, _ := LookupEngine(c.Engine)
		rec.ResolvedGuarantee = spec.DefaultGuarantee().String()
	}
	rates := []float64{max(c.Start, MinRate)}
	if c.Start == 0 {
		rates = append(rates, 0) // the calibration
	}
	for _, rate := range rates {
		cfg, _, err := CellRunConfig(rec, rate, rate == 0)
		if err == nil {
			err = CheckRun(cfg)
		}
		if err != nil {
			return "bad settings: " + err.Error(), false
		}
	}
	return "", false
}

// Available says why this checkout cannot run a cell: reason is "" when it
// can. missing is true when the engine or workload is not in the checkout
// (yet), false when the cell's own settings are wrong.
func Available(c *resultfile.Cell) (reason string, missing bool) {
	if _, err := LookupEngine(c.Engine); err != nil {
		return fmt.Sprintf("engine %s is not in this checkout: %v", c.Engine, err), true
	}
	w, err := LookupWorkload(c.Workload)
	if err != nil {
		return fmt.Sprintf("workload %s is not in this checkout: %v", c.Workload, err), true
	}
	inst, err := w.New(workloads.Config{Seed: c.Seed, Partitions: c.Partitions, Params: c.Params, EventRate: 1})
	if err != nil {
		return fmt.Sprintf("bad workload settings: %v", err), false
	}
	if !hasPipeline(inst, c.Engine) {
		return fmt.Sprintf("workload %s has no pipeline for engine %s yet (it has: %s)", c.Workload, c.Engine, strings.Join(inst.Engines(), ", ")), true
	}
	return "", false
}
