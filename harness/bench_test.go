package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// simSuite is a suite of cells over simulated engines: two that run and
// one this checkout lacks.
const simSuite = `
name: sim
repeat: 2
defaults:
  probe: 3s
  warmup: 1s
  calibrate: 1s
  loads: [0.5, 0.9]
cells:
  - engine: fast
    guarantee: at-most-once
    workloads: [count, grep]
  - engine: slow
    guarantee: at-least-once
    workload: count
  - engine: future
    guarantee: exactly-once
    workload: count
`

var simCapacity = map[string]float64{"fast": 500_000, "slow": 40_000}

func newSimulation() *Simulation {
	return &Simulation{
		Capacity: func(engine, workload string) float64 {
			c := simCapacity[engine]
			if workload == "grep" {
				c *= 1.5
			}
			return c
		},
		Noise:       0.02,
		Seed:        7,
		Start:       time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
		Environment: resultfile.Environment{GitCommit: "0123456789abcdef", GoVersion: "go1.26", OS: "linux", Arch: "amd64", GOMAXPROCS: 2, Cores: 2, Nodes: 1, CPUModel: "model CPU", Hostname: "bench-host"},
	}
}

func simAvailable(c *resultfile.Cell) (string, bool) {
	if _, ok := simCapacity[c.Engine]; !ok {
		return fmt.Sprintf("engine %s is not in this checkout", c.Engine), true
	}
	return "", false
}

func simBench(t *testing.T, sim *Simulation, dir string, mod func(*BenchConfig)) (*resultfile.Manifest, error, []BenchEvent) {
	t.Helper()
	suite, err := ParseSuite("sim.yaml", []byte(simSuite))
	if err != nil {
		t.Fatal(err)
	}
	var events []BenchEvent
	cfg := BenchConfig{Suite: suite, Dir: dir, Run: sim.Run, Clock: sim, Available: simAvailable,
		Environment: func() resultfile.Environment { return sim.Environment }, Command: []string{"streambench", "bench", "--suite", "sim.yaml"},
		Progress: func(ev BenchEvent) { events = append(events, ev) }}
	if mod != nil {
		mod(&cfg)
	}
	m, err := Bench(context.Background(), cfg)
	return m, err, events
}

func TestBenchSimulated(t *testing.T) {
	dir := t.TempDir()
	sim := newSimulation()
	m, err, events := simBench(t, sim, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Finished || len(m.Cells) != 4 {
		t.Fatalf("finished %v, %d cells", m.Finished, len(m.Cells))
	}
	for _, c := range m.Cells {
		want := simCapacity[c.Engine]
		if c.Workload == "grep" {
			want *= 1.5
		}
		switch c.Engine {
		case "future":
			if c.Status != resultfile.StatusMissing || !strings.Contains(c.Reason, "not in this checkout") || len(c.Repetitions) != 0 {
				t.Errorf("%s: %s %q", c.ID, c.Status, c.Reason)
			}
			continue
		}
		if c.Status != resultfile.StatusDone || len(c.Repetitions) != 2 {
			t.Fatalf("%s: %s %s, %d repetitions", c.ID, c.Status, c.Reason, len(c.Repetitions))
		}
		for i, r := range c.Repetitions {
			if s := r.Search.Sustainable; s < 0.93*want || s > 1.05*want {
				for _, p := range r.Search.Probes {
					t.Logf("%s %.0f: %.0f/s %s", p.Role, p.Rate, p.Throughput, p.Verdict.Explain)
				}
				t.Errorf("%s repetition %d: sustainable %.0f, capacity %.0f", c.ID, i+1, s, want)
			}
		}
		first, second := c.Repetitions[0], c.Repetitions[1]
		if first.Search.Probes[0].Role != resultfile.RoleCalibration || len(first.Loads) != 2 {
			t.Errorf("%s: first repetition runs %v, %d loads", c.ID, first.Search.Probes[0].Role, len(first.Loads))
		}
		// The second repetition starts from the first one's bracket.
		if second.Search.Probes[0].Role != resultfile.RoleProbe || second.Search.Probes[0].Rate != first.Search.Sustainable || len(second.Loads) != 0 {
			t.Errorf("%s: second repetition starts at %v %.0f (first found %.0f), %d loads", c.ID,
				second.Search.Probes[0].Role, second.Search.Probes[0].Rate, first.Search.Sustainable, len(second.Loads))
		}
		if len(second.Search.Probes) > 4 {
			for _, r := range c.Repetitions {
				for _, p := range r.Search.Probes {
					t.Logf("%s %.0f: %.0f/s %s", p.Role, p.Rate, p.Throughput, p.Verdict.Explain)
				}
			}
			t.Errorf("%s: second repetition took %d probes", c.ID, len(second.Search.Probes))
		}
		for i, l := range first.Loads {
			if l.Fraction != []float64{0.5, 0.9}[i] || !l.Verdict.Sustainable {
				t.Errorf("%s load %d: fraction %g, %s", c.ID, i, l.Fraction, l.Verdict.Explain)
			}
		}
		for _, f := range c.Files() {
			r, err := resultfile.ReadResult(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(f, c.Slug()+".r") || r.Engine != c.Engine {
				t.Errorf("file %s of cell %s holds engine %s", f, c.ID, r.Engine)
			}
		}
		if want := "streambench bench --suite sim.yaml --cells " + c.ID + " --repeat 2"; strings.Join(c.Reproduce, " ") != want {
			t.Errorf("reproduce %q, want %q", strings.Join(c.Reproduce, " "), want)
		}
	}
	// Progress: a cell event per cell, a run and a ran event per run, an
	// ETA once a run has finished, a final done.
	kinds := map[string]int{}
	for _, ev := range events {
		kinds[ev.Kind]++
		if ev.Kind == "ran" && ev.ETA <= 0 && ev.Done < 1 {
			t.Errorf("no ETA after a run: %+v", ev)
		}
	}
	if kinds["cell"] != 3 || kinds["missing"] != 1 || kinds["run"] != kinds["ran"] || kinds["done"] != 1 {
		t.Errorf("events %v", kinds)
	}
	if last := events[len(events)-1]; last.Kind != "done" {
		t.Errorf("last event %+v", last)
	}
	entries, _ := os.ReadDir(dir)
	var jsons int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && e.Name() != resultfile.ManifestFile {
			jsons++
		}
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	var listed int
	for _, c := range m.Cells {
		listed += len(c.Files())
	}
	if jsons != listed {
		t.Errorf("%d result files, manifest lists %d", jsons, listed)
	}

	// A second bench into the same directory is refused without --resume.
	_, err, _ = simBench(t, newSimulation(), dir, nil)
	var usage *UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "give --resume") {
		t.Errorf("second bench: %v", err)
	}
}

// TestBenchResume: an interrupted bench leaves a manifest that says what is
// missing; --resume measures only that, and ends with the same cells done.
func TestBenchResume(t *testing.T) {
	dir := t.TempDir()
	sim := newSimulation()
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	suite, _ := ParseSuite("sim.yaml", []byte(simSuite))
	interrupted := BenchConfig{Suite: suite, Dir: dir, Clock: sim, Available: simAvailable,
		Environment: func() resultfile.Environment { return sim.Environment },
		Run: func(c context.Context, cfg RunConfig) (*Measurement, error) {
			runs++
			if runs == 15 { // inside the second cell
				cancel()
			}
			return sim.Run(c, cfg)
		}}
	m, err := Bench(ctx, interrupted)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted bench: %v", err)
	}
	statuses := func(m *resultfile.Manifest) []string {
		var s []string
		for _, c := range m.Cells {
			s = append(s, c.Status)
		}
		return s
	}
	back, err := resultfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Finished || !slices.Equal(statuses(back), []string{resultfile.StatusDone, resultfile.StatusCanceled, resultfile.StatusPending, resultfile.StatusPending}) {
		t.Fatalf("after the interruption: finished %v, statuses %v", back.Finished, statuses(back))
	}
	if !slices.Equal(statuses(m), statuses(back)) {
		t.Errorf("returned manifest %v, on disk %v", statuses(m), statuses(back))
	}
	doneFiles := back.Cells[0].Files()

	// Resume: the first cell is not run again; the rest is.
	var ranCells []string
	m, err, events := simBench(t, sim, dir, func(cfg *BenchConfig) {
		cfg.Resume = true
		run := cfg.Run
		cfg.Run = func(c context.Context, rc RunConfig) (*Measurement, error) {
			ranCells = append(ranCells, rc.Engine+"/"+rc.Workload)
			return run(c, rc)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Finished || !slices.Equal(statuses(m), []string{resultfile.StatusDone, resultfile.StatusDone, resultfile.StatusDone, resultfile.StatusMissing}) {
		t.Fatalf("after resuming: finished %v, statuses %v", m.Finished, statuses(m))
	}
	if slices.Contains(ranCells, "fast/count") {
		t.Errorf("resume ran the finished cell again: %v", ranCells)
	}
	if events[0].Kind != "skip" {
		t.Errorf("first event %s, want skip", events[0].Kind)
	}
	if !slices.Equal(m.Cells[0].Files(), doneFiles) {
		t.Errorf("the finished cell's files changed")
	}
	// Every file the manifest lists exists; the interrupted repetition's
	// files are gone.
	listed := map[string]bool{resultfile.ManifestFile: true}
	for _, c := range m.Cells {
		for _, f := range c.Files() {
			listed[f] = true
			listed[strings.TrimSuffix(f, ".json")+".hlog"] = true
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("file %s is in no cell", e.Name())
		}
	}

	// Resuming with another suite is refused.
	_, err, _ = simBench(t, sim, dir, func(cfg *BenchConfig) {
		cfg.Resume = true
		cfg.Suite = &Suite{Name: "other", Source: "x", Repeat: 1, Cells: cfg.Suite.Cells}
	})
	if err == nil || !strings.Contains(err.Error(), "holds a bench of suite sim, not other") {
		t.Errorf("resume with another suite: %v", err)
	}
}

// TestBenchFailingEngine: an engine that breaks its guarantee fails its
// cell with the reason, and the bench goes on.
func TestBenchFailingEngine(t *testing.T) {
	dir := t.TempDir()
	sim := newSimulation()
	sim.Fail = func(cfg RunConfig) error {
		if cfg.Engine == "slow" && cfg.Rate > 0 {
			return fmt.Errorf("%w: lost 12 records", ErrVerification)
		}
		return nil
	}
	m, err, _ := simBench(t, sim, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	slow := m.Cells[2]
	if slow.Status != resultfile.StatusFailed || !strings.Contains(slow.Reason, "broke its at-least-once guarantee") || !strings.Contains(slow.Reason, "lost 12 records") {
		t.Errorf("slow: %s %q", slow.Status, slow.Reason)
	}
	// The failing run's file is kept and listed, with its error.
	files := slow.Files()
	if len(files) != 2 {
		t.Fatalf("slow files %v", files)
	}
	r, err := resultfile.ReadResult(filepath.Join(dir, files[1]))
	if err != nil || !strings.Contains(r.Error, "lost 12 records") {
		t.Errorf("failing run's result: %v %q", err, r.Error)
	}
	if m.Cells[0].Status != resultfile.StatusDone || m.Cells[1].Status != resultfile.StatusDone {
		t.Errorf("other cells: %s %s", m.Cells[0].Status, m.Cells[1].Status)
	}
}

func TestBenchFilters(t *testing.T) {
	dir := t.TempDir()
	m, err, _ := simBench(t, newSimulation(), dir, func(cfg *BenchConfig) {
		cfg.Engines = []string{"fast"}
		cfg.Workloads = []string{"grep"}
		cfg.Repeat = 1
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Finished || m.Repeat != 1 {
		t.Errorf("finished %v repeat %d", m.Finished, m.Repeat)
	}
	for _, c := range m.Cells {
		want := resultfile.StatusSkipped
		if c.ID == "fast-at-most-once/grep" {
			want = resultfile.StatusDone
		}
		if c.Status != want {
			t.Errorf("%s: %s, want %s", c.ID, c.Status, want)
		}
	}
	_, err, _ = simBench(t, newSimulation(), t.TempDir(), func(cfg *BenchConfig) { cfg.Engines = []string{"fats"} })
	if err == nil || !strings.Contains(err.Error(), `did you mean "fast"?`) {
		t.Errorf("typo in --engines: %v", err)
	}
}

func TestRunConfigOfCell(t *testing.T) {
	suite, err := ParseSuite("s.yaml", []byte(`
name: s
cells:
  - engine: microbatch
    guarantee: at-least-once
    workload: wordcount
    batch_interval: 1s
    params: {vocabulary: "100"}
    backlog: 500ms
`))
	if err != nil {
		t.Fatal(err)
	}
	c := resultfile.CellRecord{Cell: suite.Cells[0], ResolvedGuarantee: "at-least-once"}
	cfg, publish, err := CellRunConfig(&c, 80000, false)
	if err != nil {
		t.Fatal(err)
	}
	if publish != 4*time.Second || cfg.Warmup != time.Second || cfg.Rate != 80000 || cfg.Backlog != 10000 ||
		cfg.Conf["spark.streaming.batchDuration"] != "1s" || cfg.Params["vocabulary"] != "100" {
		t.Errorf("run config %+v", cfg)
	}
	want := "streambench run --engine microbatch --workload wordcount --guarantee at-least-once --rate 80000 --duration 4s --warmup 1s --seed 1 --partitions 4 --parallelism 1 --backlog 10000 --drain-timeout 30s --batch-interval 1s --param vocabulary=100"
	if got := strings.Join(cfg.Command, " "); got != want {
		t.Errorf("command\n%s\nwant\n%s", got, want)
	}
	js := c
	js.Source = "jetstream"
	if cfg, _, _ := CellRunConfig(&js, 80000, false); cfg.Source.Name != "jetstream" || !strings.Contains(strings.Join(cfg.Command, " "), "--drain-timeout 30s --source jetstream --batch-interval 1s") {
		t.Errorf("a jetstream cell runs on %q: %v", cfg.Source.Name, cfg.Command)
	}
	cal, publish, _ := CellRunConfig(&c, 0, true)
	if publish != 2*time.Second || cal.Warmup != 0 || cal.Backlog != 4096 || !slices.Contains(cal.Command, "max") {
		t.Errorf("calibration %+v", cal)
	}
}

func TestAvailable(t *testing.T) {
	for _, tc := range []struct {
		cell    resultfile.Cell
		missing bool
		want    string
	}{
		{resultfile.Cell{Engine: "baseline", Workload: "wordcount", CellSettings: resultfile.CellSettings{Partitions: 4}}, false, ""},
		{resultfile.Cell{Engine: "spark", Workload: "wordcount", CellSettings: resultfile.CellSettings{Partitions: 4}}, true, "engine spark is not in this checkout"},
		{resultfile.Cell{Engine: "baseline", Workload: "nosuch", CellSettings: resultfile.CellSettings{Partitions: 4}}, true, "workload nosuch is not in this checkout"},
		{resultfile.Cell{Engine: "baseline", Workload: "wordcount", CellSettings: resultfile.CellSettings{Partitions: 4, Params: map[string]string{"colour": "red"}}}, false, `no parameter "colour"`},
	} {
		reason, missing := Available(&tc.cell)
		if missing != tc.missing || !strings.Contains(reason, tc.want) || (tc.want == "") != (reason == "") {
			t.Errorf("%s/%s: %q %v, want %q %v", tc.cell.Engine, tc.cell.Workload, reason, missing, tc.want, tc.missing)
		}
	}
}

// TestMeasurementWriteReadsBack: what a run's Measurement writes reads back
// through resultfile with one interval per timeline second, warm-up marked as
// in the timeline, and the intervals after the warm-up merging into the
// result's latency figures.
func TestMeasurementWriteReadsBack(t *testing.T) {
	dir := t.TempDir()
	sim := newSimulation()
	m, err := sim.Run(context.Background(), RunConfig{Engine: "fast", Workload: "count", Seed: 1, Partitions: 4, Parallelism: 1,
		Guarantee: 1, Rate: 100000, Duration: 4 * time.Second, Warmup: time.Second, Backlog: 25000})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "r.json")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	r, err := resultfile.ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	ivs, err := resultfile.ReadHistogramLog(filepath.Join(dir, r.HistogramLog), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(ivs) != len(r.Timeline) {
		t.Fatalf("%d intervals, %d timeline points", len(ivs), len(r.Timeline))
	}
	cumul := resultfile.NewHistogram()
	for i, iv := range ivs {
		if iv.Warmup != r.Timeline[i].Warmup {
			t.Errorf("interval %d: warmup %v, timeline says %v", i, iv.Warmup, r.Timeline[i].Warmup)
		}
		if !iv.Warmup {
			cumul.Merge(iv.Hist)
		}
	}
	if got := cumul.Summary(); got.P99 != r.Latency.P99 || got.Count != r.Latency.Count {
		t.Errorf("histograms read back: p99 %d count %d, result says %d %d", got.P99, got.Count, r.Latency.P99, r.Latency.Count)
	}
}

func TestDefaultBacklog(t *testing.T) {
	for _, tc := range []struct {
		rate       float64
		partitions int
		want       int64
	}{
		{0, 4, 1 << 18},     // max rate: a second's batch of a fast pipeline
		{10000, 4, 1 << 16}, // slow: the floor
		{400000, 4, 200000}, // two seconds of the rate per partition
		{1e6, 0, 2000000},   // no partitions counts as one
		{100001, 3, 66668},  // rounded up
	} {
		if got := DefaultBacklog(tc.rate, tc.partitions); got != tc.want {
			t.Errorf("DefaultBacklog(%g, %d) = %d, want %d", tc.rate, tc.partitions, got, tc.want)
		}
	}
}

// TestBenchLoadProbe: load_probe sets how long the load runs publish, and
// only them: the search keeps its short probes (the soak suite's shape).
func TestBenchLoadProbe(t *testing.T) {
	suite, err := ParseSuite("soak.yaml", []byte(`
name: soak
defaults:
  probe: 3s
  warmup: 1s
  calibrate: 1s
  loads: [0.5]
  load_probe: 20m
cells:
  - engine: fast
    guarantee: at-most-once
    workload: count
`))
	if err != nil {
		t.Fatal(err)
	}
	sim := newSimulation()
	durations := map[string][]time.Duration{}
	run := func(ctx context.Context, cfg RunConfig) (*Measurement, error) {
		role := "probe"
		if cfg.Duration == 20*time.Minute {
			role = "load"
		}
		durations[role] = append(durations[role], cfg.Duration)
		if !slices.Contains(cfg.Command, cfg.Duration.String()) {
			t.Errorf("command %v does not repeat --duration %v", cfg.Command, cfg.Duration)
		}
		return sim.Run(ctx, cfg)
	}
	m, err := Bench(context.Background(), BenchConfig{Suite: suite, Dir: t.TempDir(), Run: run, Clock: sim, Available: simAvailable,
		Environment: func() resultfile.Environment { return sim.Environment }})
	if err != nil {
		t.Fatal(err)
	}
	if len(durations["load"]) != 1 || len(durations["probe"]) < 2 {
		t.Errorf("run durations %v: want one 20m load after the search's probes", durations)
	}
	if loads := m.Cells[0].Repetitions[0].Loads; len(loads) != 1 || loads[0].Fraction != 0.5 {
		t.Errorf("loads %+v", loads)
	}
}
