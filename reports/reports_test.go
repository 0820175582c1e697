package reports

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// inlineSVG finds the SVG documents of a page or a plot.
var inlineSVG = regexp.MustCompile(`(?s)<svg.*?</svg>`)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// simulatedSuite is a bench over simulated engines of known capacity: the
// baseline, Storm core at two guarantees and micro-batches on two
// workloads, and a Trident cell this checkout lacks.
const simulatedSuite = `
name: simulated
description: simulated engines of known capacity, for the report's tests
repeat: 2
defaults:
  probe: 3s
  warmup: 1s
  calibrate: 1s
  loads: [0.25, 0.5, 0.75, 0.9]
cells:
  - engine: baseline
    guarantee: at-most-once
    workloads: [wordcount, grep]
  - engine: core
    guarantee: at-most-once
    workload: wordcount
  - engine: core
    guarantee: at-least-once
    workloads: [wordcount, grep]
  - engine: microbatch
    name: microbatch-1s
    guarantee: at-least-once
    batch_interval: 1s
    latency_bound: 5s
    workloads: [wordcount, grep]
  - engine: trident
    guarantee: exactly-once
    workload: wordcount
`

var simulatedCapacity = map[string]float64{"baseline": 800_000, "core-at-most-once": 300_000, "core-at-least-once": 70_000, "microbatch": 240_000}

// simulatedBench writes a bench of the simulated suite into dir, stopping
// it after stopAfter runs when stopAfter > 0.
func simulatedBench(t testing.TB, dir string, stopAfter int) *resultfile.Manifest {
	t.Helper()
	return simulatedBenchOf(t, dir, "simulated.yaml", simulatedSuite, simulatedRate, stopAfter)
}

// simulatedRate is the capacity of a simulated run: simulatedCapacity by
// engine (and guarantee, for core), 1.6 times it on grep.
func simulatedRate(cfg harness.RunConfig) float64 {
	c := simulatedCapacity[cfg.Engine]
	if cfg.Engine == "core" {
		c = simulatedCapacity[cfg.Engine+"-"+cfg.Guarantee.String()]
	}
	if cfg.Workload == "grep" {
		c *= 1.6
	}
	return c
}

// simulatedBenchOf writes a bench of a suite over simulated engines into
// dir, each run's capacity given by capacity; trident cells are missing from
// this checkout.
func simulatedBenchOf(t testing.TB, dir, file, suiteText string, capacity func(harness.RunConfig) float64, stopAfter int) *resultfile.Manifest {
	t.Helper()
	suite, err := harness.ParseSuite(file, []byte(suiteText))
	if err != nil {
		t.Fatal(err)
	}
	var current harness.RunConfig
	sim := &harness.Simulation{
		Capacity: func(string, string) float64 { return capacity(current) },
		Latency:  2 * time.Millisecond,
		Noise:    0.03,
		Seed:     11,
		Start:    time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
		Environment: resultfile.Environment{GitCommit: "4080de0a5d92ebae49b464f9b65d307207769a63", Version: "v0.1.0", GoVersion: "go1.26.8",
			OS: "linux", Arch: "amd64", GOMAXPROCS: 2, CPUModel: "Simulated CPU @ 2.0GHz", Cores: 2, MemoryBytes: 24 << 30, Nodes: 1, Hostname: "bench-1"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := 0
	_, err = harness.Bench(ctx, harness.BenchConfig{
		Suite: suite, Dir: dir, Clock: sim, Command: []string{"streambench", "bench", "--suite", file},
		Environment: func() resultfile.Environment { return sim.Environment },
		Available: func(c *resultfile.Cell) (string, bool) {
			if c.Engine == "trident" {
				return "engine trident is not in this checkout", true
			}
			return "", false
		},
		Run: func(ctx context.Context, cfg harness.RunConfig) (*harness.Measurement, error) {
			runs++
			if stopAfter > 0 && runs > stopAfter {
				cancel()
				return nil, ctx.Err()
			}
			current = cfg
			return sim.Run(ctx, cfg)
		},
	})
	if err != nil && !(stopAfter > 0 && errors.Is(err, context.Canceled)) {
		t.Fatal(err)
	}
	m, err := resultfile.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	sharedOnce sync.Once
	sharedPath string
)

// sharedBench returns a directory holding the simulated bench, written once
// for every test that only reads it.
func sharedBench(t testing.TB) string {
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "streambench-reports")
		if err != nil {
			t.Fatal(err)
		}
		simulatedBench(t, dir, 0)
		// Runs of `streambench run --fault` beside the bench's: the
		// report's Recovery section.
		writeFaultRuns(t, dir)
		sharedPath = dir
	})
	if sharedPath == "" {
		t.Fatal("the shared bench could not be written")
	}
	return sharedPath
}

var (
	pageOnce sync.Once
	pageData *Data
	pageHTML []byte
)

// sharedReport returns the shared bench's data and its report, rendered
// once for the tests that only read them.
func sharedReport(t testing.TB) (*Data, []byte) {
	dir := sharedBench(t)
	pageOnce.Do(func() {
		d, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		d.Dir = "results/simulated"
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			t.Fatal(err)
		}
		pageData, pageHTML = d, buf.Bytes()
	})
	if pageData == nil {
		t.Fatal("the shared report could not be written")
	}
	return pageData, pageHTML
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if sharedPath != "" {
		os.RemoveAll(sharedPath)
	}
	os.Exit(code)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	// A golden file that froze a clipped or overlapping label would not
	// be a test: every plot's text must lie inside it, clear of the rest.
	for i, doc := range inlineSVG.FindAllString(string(got), -1) {
		checkPlot(t, fmt.Sprintf("%s, plot %d", name, i+1), doc)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %.200s\nwant: %.200s\n(run go test ./reports -update if the change is intended)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs from the golden file in length: %d lines, want %d (run go test ./reports -update if the change is intended)", name, len(gl), len(wl))
	}
}

// TestReportGolden: the report of a seeded simulated bench, and its plots,
// are exactly the golden files.
func TestReportGolden(t *testing.T) {
	d, html := sharedReport(t)
	golden(t, "report.golden.html", html)

	svg, err := ThroughputPlot(d.Cells)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "throughput.golden.svg", []byte(svg))
	if svg, err = LatencyLoadPlot("wordcount", d.Cells); err != nil {
		t.Fatal(err)
	}
	golden(t, "latency-load.golden.svg", []byte(svg))
	core := cellByID(t, d, "core-at-least-once/wordcount")
	if svg, err = SpectrumPlot("spectrum", core.Loads(), func(r *Run) string { return fmt.Sprintf("%.0f%%", 100*r.Fraction) }); err != nil {
		t.Fatal(err)
	}
	golden(t, "spectrum.golden.svg", []byte(svg))
	if svg, err = TimelinePlot(core.Runs[2]); err != nil {
		t.Fatal(err)
	}
	golden(t, "timeline.golden.svg", []byte(svg))

	// A run that recorded its memory gets a third panel: heap and RSS.
	res := *core.Runs[2].Result
	res.Timeline = slices.Clone(res.Timeline)
	for i := range res.Timeline {
		res.Timeline[i].HeapBytes = int64(40+i) << 20
		res.Timeline[i].RSSBytes = int64(90+2*i) << 20
	}
	if svg, err = TimelinePlot(&Run{File: "memory.json", Result: &res}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "heap in use") || !strings.Contains(svg, "RSS") {
		t.Error("the memory panel is missing")
	}
	golden(t, "timeline-memory.golden.svg", []byte(svg))
}

func cellByID(t *testing.T, d *Data, id string) *Cell {
	t.Helper()
	for _, c := range d.Cells {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no cell %s", id)
	return nil
}

// TestReportContent checks what the golden file holds, so a golden file
// regenerated by mistake cannot hide a missing section.
func TestReportContent(t *testing.T) {
	d, page := sharedReport(t)
	html := string(page)
	for _, want := range []string{
		"The deck's Performance table, measured", "Storm", "10,000", "Spark Streaming", "400,000", "S4", "7,000", "commercial", "100,000",
		"Is Spark Streaming 40x faster than Storm?", "Is Storm capped at 10k records/s per node?", "÷ baseline", "per core",
		"Sustainable throughput", "Latency vs offered load", "Latency percentile spectra", "The searches", "Delivery", "Per-second timelines", "Environments",
		"Recovery", "Guarantees under faults", "Recovery figures", "fault-trident-eo-kill-worker-s2.json", "--fault &#39;kill worker 1 at 4s&#39;",
		"streambench bench --suite simulated.yaml --cells core-at-least-once/wordcount,baseline-at-most-once/wordcount --repeat 2",
		"streambench run --engine core --workload wordcount --guarantee at-least-once --rate",
		"engine trident is not in this checkout", "Simulated CPU @ 2.0GHz",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://", "<?xml", "NaN", "Inf"} {
		if strings.Contains(html, bad) && !(bad == "http://" && strings.Count(html, "http://") == strings.Count(html, "http://www.w3.org")) {
			t.Errorf("report holds %q", bad)
		}
	}
	// One plot per workload of load curves, one spectrum per measured
	// cell, one timeline per run, the bar chart, and a recovery timeline
	// per run with faults.
	plots := strings.Count(html, `<figure class="plot"`)
	if want := 1 + 2 + 7 + len(d.Runs) + len(faultRuns); plots != want {
		t.Errorf("%d plots, want %d", plots, want)
	}
	// The measured figures are near the simulated capacities.
	core := cellByID(t, d, "core-at-least-once/wordcount")
	if e := EstimateOf(core.PerNode()); math.Abs(e.Mean-70_000)/70_000 > 0.06 {
		t.Errorf("core at-least-once: %.0f records/s per node, capacity 70,000", e.Mean)
	}
	mb := cellByID(t, d, "microbatch-1s/grep")
	if r := RatioOf(mb.PerNode(), core.PerNode()); r.Mean < 5 || r.Mean > 6 {
		t.Errorf("microbatch grep / core wordcount %.2f", r.Mean)
	}
	if !regexp.MustCompile(`Bench complete: 7 of 8 cells measured, 1 missing`).MatchString(html) {
		t.Errorf("status line wrong")
	}
}

// TestReportRefusesBadFiles: a directory with a corrupt, truncated or
// foreign result file (or log, or manifest) gives no report, and the error
// names the file.
func TestReportRefusesBadFiles(t *testing.T) {
	src := t.TempDir()
	m := simulatedBench(t, src, 12)
	victim := m.Cells[0].Files()[1]
	good, _ := os.ReadFile(filepath.Join(src, victim))
	hlog := strings.TrimSuffix(victim, ".json") + ".hlog"
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"corrupt", victim, []byte("{\"schema\": 1, garbage"), "not valid JSON"},
		{"truncated", victim, good[:len(good)/3], "truncated"},
		{"foreign", victim, []byte(`{"name": "left-pad", "version": "1.3.0"}`), "not a streambench result"},
		{"other schema", victim, bytes.Replace(good, []byte(`"schema": 1`), []byte(`"schema": 7`), 1), "schema version 7"},
		{"stray file", "notes.json", []byte(`{"todo": []}`), "not a streambench result"},
		{"corrupt log", hlog, []byte("#[StartTime: 1.0]\n0.000,1.000,0.5,HISTFAAAAnotbase64!!\n"), "bad histogram log"},
		{"missing log", hlog, nil, " is missing"},
		{"corrupt manifest", resultfile.ManifestFile, []byte(`{"bench_schema": 1, "cells": [`), "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, src, dir)
			path := filepath.Join(dir, tc.file)
			if tc.data == nil {
				os.Remove(path)
			} else {
				os.WriteFile(path, tc.data, 0o644)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatal("a report was made")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want one naming %s and %q", err, path, tc.want)
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReportIncomplete: the report of a stopped bench says it is
// incomplete and lists every cell not measured with the command that
// measures it, and result files the manifest lists but the directory lacks.
func TestReportIncomplete(t *testing.T) {
	dir := t.TempDir()
	m := simulatedBench(t, dir, 30)
	if m.Finished {
		t.Fatal("the bench finished")
	}
	lost := m.Cells[0].Files()[0]
	os.Remove(filepath.Join(dir, lost))
	os.Remove(filepath.Join(dir, strings.TrimSuffix(lost, ".json")+".hlog"))
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"Bench incomplete", "Not everything was measured", lost,
		"canceled", "the bench was interrupted during this cell",
		"pending", "streambench bench --suite simulated.yaml --cells microbatch-1s/grep --repeat 2",
		"not measured<br><small>pending</small>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report of an incomplete bench lacks %q", want)
		}
	}
}

// TestReportPlainRuns: a directory of `streambench run` results, with no
// manifest, still makes a report: one cell per engine, guarantee and
// workload, its figure the best run's throughput, said to be so.
func TestReportPlainRuns(t *testing.T) {
	dir := t.TempDir()
	sim := &harness.Simulation{Capacity: func(string, string) float64 { return 50_000 }, Seed: 3,
		Start: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), Environment: resultfile.Environment{Nodes: 1, GOMAXPROCS: 2}}
	for i, rate := range []float64{0, 20_000} {
		m, err := sim.Run(context.Background(), harness.RunConfig{Engine: "core", Workload: "wordcount", Seed: 1, Partitions: 4,
			Parallelism: 1, Guarantee: 2, Rate: rate, Duration: 3 * time.Second, Command: []string{"streambench", "run", "--engine", "core"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Write(filepath.Join(dir, fmt.Sprintf("core-wordcount-%d.json", i))); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cells) != 1 || len(d.Cells[0].Runs) != 2 || d.Cells[0].Searched {
		t.Fatalf("cells %+v", d.Cells)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"the best run, not a searched sustainable rate", "2 runs of streambench run", "streambench run --engine core"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoResults) {
		t.Errorf("empty directory: %v", err)
	}
}

func TestEstimates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		got    Estimate
		mean   float64
		lo, hi float64
		ci     bool
	}{
		{"one value", EstimateOf([]float64{5}), 5, 5, 5, false},
		// The logarithms of 10 and 40: mean ln 20, sample sd ln 4 / √2,
		// n 2: half-width t(0.975, 1) sd / √2 = 12.706 ln 4 / 2.
		{"two values", EstimateOf([]float64{10, 40}), 20, 20 * math.Exp(-12.706*math.Log(4)/2), 20 * math.Exp(12.706*math.Log(4)/2), true},
		{"equal values", EstimateOf([]float64{7, 7, 7}), 7, 7, 7, true},
		{"not all positive", EstimateOf([]float64{-1, 1}), 0, -12.706, 12.706, true},
		{"ratio, no spread", RatioOf([]float64{40, 40}, []float64{10, 10}), 4, 4, 4, true},
		{"ratio, one each", RatioOf([]float64{30}, []float64{10}), 3, 3, 3, false},
		// Geometric means 20 and 10; the log spread of {10, 40} is ln 4 with
		// one degree of freedom: t 12.706, standard error ln 4 / 2.
		{"ratio of geometric means", RatioOf([]float64{10, 40}, []float64{10, 10}), 2, 2 * math.Exp(-12.706*math.Log(4)/2), 2 * math.Exp(12.706*math.Log(4)/2), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.got
			if math.Abs(e.Mean-tc.mean) > 1e-9 || e.HasCI != tc.ci {
				t.Errorf("mean %g ci %v, want %g %v", e.Mean, e.HasCI, tc.mean, tc.ci)
			}
			if math.Abs(e.Lo-tc.lo) > 1e-3*math.Abs(tc.lo) || math.Abs(e.Hi-tc.hi) > 1e-3*math.Abs(tc.hi) {
				t.Errorf("interval [%g, %g], want [%g, %g]", e.Lo, e.Hi, tc.lo, tc.hi)
			}
			if e.Lo > e.Mean || e.Hi < e.Mean {
				t.Errorf("interval [%g, %g] misses the mean %g", e.Lo, e.Hi, e.Mean)
			}
		})
	}
	if r := RatioOf([]float64{0, 1}, []float64{1}); r.N != 0 {
		t.Errorf("ratio with a zero: %+v", r)
	}
	if got := tQuantile975(1000); math.Abs(got-1.962) > 0.001 {
		t.Errorf("t(0.975, 1000) = %g", got)
	}
}

// brokerCells are the cells of the simulated broker suites: the baseline's
// identity and word count on core and micro-batches, each on the generator
// and through JetStream, named by the case that uses them.
var brokerCells = map[string]string{
	"baseline-generator": `
  - engine: baseline
    name: baseline-generator
    guarantee: at-most-once
    workload: identity`,
	"baseline-jetstream": `
  - engine: baseline
    name: baseline-jetstream
    guarantee: at-most-once
    source: jetstream
    workload: identity`,
	"core-generator": `
  - engine: core
    name: core-at-least-once-generator
    guarantee: at-least-once
    workload: wordcount`,
	"core-jetstream": `
  - engine: core
    name: core-at-least-once-jetstream
    guarantee: at-least-once
    source: jetstream
    workload: wordcount`,
	"microbatch-jetstream": `
  - engine: microbatch
    name: microbatch-1s-jetstream
    batch_interval: 1s
    latency_bound: 5s
    source: jetstream
    workload: wordcount`,
	"trident-generator": `
  - engine: trident
    name: trident-exactly-once-generator
    guarantee: exactly-once
    workload: wordcount`,
	"trident-jetstream": `
  - engine: trident
    name: trident-exactly-once-jetstream
    guarantee: exactly-once
    latency_bound: 5s
    source: jetstream
    workload: wordcount`,
}

// brokerSuite is a simulated suite of the named brokerCells.
func brokerSuite(cells ...string) string {
	s := `
name: broker-simulated
description: simulated engines on the generator and through JetStream
repeat: 2
defaults:
  probe: 3s
  warmup: 1s
  calibrate: 1s
  loads: [0.5, 0.9]
cells:`
	for _, c := range cells {
		s += brokerCells[c]
	}
	return s + "\n"
}

// brokerCapacity is what the simulated broker costs each engine: through
// JetStream the baseline's identity sustains 400,000 records/s (the broker's
// ceiling), core 0.8 of its capacity alone and micro-batches 0.6.
var brokerCapacity = map[string]float64{"baseline": 0.5, "core": 0.8, "microbatch": 0.6}

func simulatedBrokerRate(cfg harness.RunConfig) float64 {
	c := simulatedRate(cfg)
	if cfg.Source.Name == "jetstream" {
		c *= brokerCapacity[cfg.Engine]
	}
	return c
}

// brokerReport runs a simulated bench of suite and returns its data and
// report.
func brokerReport(t *testing.T, suite string) (*Data, string) {
	t.Helper()
	dir := t.TempDir()
	simulatedBenchOf(t, dir, "broker-simulated.yaml", suite, simulatedBrokerRate, 0)
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Dir = "results/broker-simulated"
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	// Cells read through JetStream have the longest names: none of
	// their plots may clip or overlap a label.
	for i, doc := range inlineSVG.FindAllString(buf.String(), -1) {
		checkPlot(t, fmt.Sprintf("broker report, plot %d", i+1), doc)
	}
	return d, buf.String()
}

// section returns the part of a report from the heading with the given id
// to the next h2 ("" when there is no such heading).
func section(html, id string) string {
	i := strings.Index(html, `<h2 id="`+id+`">`)
	if i < 0 {
		return ""
	}
	rest := html[i+1:]
	if j := strings.Index(rest, "<h2 "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestReportBroker: a bench with cells read through JetStream has a
// "Through the broker" section pairing each with the same cell on the
// generator, their ratio and the broker's ceiling drawn as a dashed line,
// its figure in the legend; a bench without has none; a JetStream cell
// without its generator pair is shown with that side not measured.
func TestReportBroker(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []string
		// rows are the section's rows: engine, then the generator and
		// JetStream sides' cells ("" for a side not measured) and the ratio
		// JetStream ÷ generator (0: none).
		rows []brokerRowWant
		// ceiling is whether the bench measured the broker's ceiling.
		ceiling bool
		want    []string
	}{
		{
			name:  "pairs and ceiling",
			cells: []string{"baseline-generator", "baseline-jetstream", "core-generator", "core-jetstream"},
			rows: []brokerRowWant{
				{"baseline", "baseline-generator/identity", "baseline-jetstream/identity", 0.5},
				{"core", "core-at-least-once-generator/wordcount", "core-at-least-once-jetstream/wordcount", 0.8},
			},
			ceiling: true,
			want: []string{"generator (engine alone)", "JetStream (includes the broker)", "JetStream ÷ generator", "÷ broker ceiling",
				"baseline<br><small>the broker's ceiling</small>", "The broker's ceiling: baseline-jetstream/identity, ",
				"streambench bench --suite broker-simulated.yaml --cells core-at-least-once-jetstream/wordcount,core-at-least-once-generator/wordcount,baseline-jetstream/identity --repeat 2"},
		},
		{
			name:  "without its generator pair",
			cells: []string{"baseline-jetstream", "core-generator", "core-jetstream", "microbatch-jetstream"},
			rows: []brokerRowWant{
				{"baseline", "", "baseline-jetstream/identity", 0},
				{"core", "core-at-least-once-generator/wordcount", "core-at-least-once-jetstream/wordcount", 0.8},
				{"microbatch", "", "microbatch-1s-jetstream/wordcount", 0},
			},
			ceiling: true,
			want:    []string{"not measured<br><small>the bench has no such cell on the generator</small>"},
		},
		{
			// Trident is missing from this checkout: both sides are listed,
			// not measured, with why.
			name:  "pair not measured, no ceiling",
			cells: []string{"core-generator", "core-jetstream", "trident-generator", "trident-jetstream"},
			rows: []brokerRowWant{
				{"core", "core-at-least-once-generator/wordcount", "core-at-least-once-jetstream/wordcount", 0.8},
				{"trident", "", "", 0},
			},
			want: []string{"not measured<br><small>missing: engine trident is not in this checkout</small>",
				"the broker's ceiling is not known"},
		},
		{
			name:  "no broker cells",
			cells: []string{"baseline-generator", "core-generator"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, html := brokerReport(t, brokerSuite(tc.cells...))
			sec := section(html, "broker")
			plot, err := BrokerPlot(d.Cells)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.rows) == 0 {
				if sec != "" || strings.Contains(html, "Through the broker") || plot != "" || HasBrokerCells(d.Cells) {
					t.Fatalf("a bench without JetStream cells has a broker section or plot")
				}
				if strings.Contains(html, "includes the broker") {
					t.Errorf("a bench without JetStream cells labels a figure as including the broker")
				}
				return
			}
			if !strings.Contains(sec, "Through the broker") {
				t.Fatal("no section Through the broker")
			}
			pairs := BrokerPairs(d.Cells)
			if len(pairs) != len(tc.rows) {
				t.Fatalf("%d pairs, want %d", len(pairs), len(tc.rows))
			}
			for i, want := range tc.rows {
				p := pairs[i]
				if p.Broker.Engine != want.engine || !p.Broker.ThroughBroker() {
					t.Errorf("pair %d: %s, want %s through JetStream", i, p.Broker.ID, want.engine)
				}
				if want.generator == "" && p.Generator != nil && p.Generator.Measured() {
					t.Errorf("pair %d: generator side %s, want none measured", i, p.Generator.ID)
				}
				if want.generator != "" && (p.Generator == nil || p.Generator.ID != want.generator || p.Generator.ThroughBroker()) {
					t.Errorf("pair %d: generator side %+v, want %s", i, p.Generator, want.generator)
				}
				if want.ratio > 0 {
					r := RatioOf(p.Broker.PerNode(), p.Generator.PerNode())
					if math.Abs(r.Mean-want.ratio)/want.ratio > 0.1 {
						t.Errorf("pair %d: JetStream ÷ generator %.2f, want about %.2f", i, r.Mean, want.ratio)
					}
					if !strings.Contains(sec, estimateString(r, ratioString).Main) {
						t.Errorf("the section lacks the ratio %s of %s", estimateString(r, ratioString).Main, p.Broker.ID)
					}
				}
				for _, id := range []string{want.generator, want.broker} {
					if id != "" && !strings.Contains(sec, id) {
						t.Errorf("the section lacks cell %s", id)
					}
				}
			}
			if ceilings := BrokerCeilings(d.Cells); tc.ceiling {
				if len(ceilings) != 1 || ceilings[0].ID != "baseline-jetstream/identity" {
					t.Fatalf("ceilings %v, want baseline-jetstream/identity", ceilings)
				}
				e := EstimateOf(ceilings[0].PerNode())
				if math.Abs(e.Mean-400_000)/400_000 > 0.06 {
					t.Errorf("the broker's ceiling %.0f records/s, simulated 400,000", e.Mean)
				}
				label := "broker ceiling: baseline identity through JetStream, " + shortCount(e.Mean) + "/s"
				if !strings.Contains(plot, label) {
					t.Errorf("the broker plot lacks the ceiling's legend entry %q", label)
				}
				if !strings.Contains(sec, "The broker's ceiling: baseline-jetstream/identity, "+countString(e.Mean)+" records/s per node") {
					t.Errorf("the section does not give the broker's ceiling")
				}
				if !strings.Contains(plot, "stroke-dasharray") {
					t.Errorf("the ceiling is not a dashed line")
				}
			} else if strings.Contains(plot, "broker ceiling") {
				t.Errorf("the broker plot draws a ceiling the bench did not measure")
			}
			if !strings.Contains(sec, `data-plot="broker"`) || !strings.Contains(sec, "<svg") {
				t.Errorf("the section has no broker plot")
			}
			for _, w := range tc.want {
				if !strings.Contains(sec, w) {
					t.Errorf("the section lacks %q", w)
				}
			}
			if tc.name == "pairs and ceiling" {
				golden(t, "broker.golden.svg", []byte(plot))
			}
		})
	}
}

type brokerRowWant struct {
	engine, generator, broker string
	ratio                     float64
}

// TestReportBrokerLabels: every throughput figure of a JetStream cell
// outside the broker section says it includes the broker, and no figure of
// a generator cell does; ratios never mix a cell through the broker with one
// alone.
func TestReportBrokerLabels(t *testing.T) {
	d, html := brokerReport(t, brokerSuite("baseline-generator", "baseline-jetstream", "core-generator", "core-jetstream", "microbatch-jetstream"))
	var jetstream, generator []string
	for _, c := range d.Cells {
		if c.ThroughBroker() {
			jetstream = append(jetstream, c.ID)
		} else {
			generator = append(generator, c.ID)
		}
	}
	broker := section(html, "broker")
	rest := strings.Replace(html, broker, "", 1)
	rows := strings.Split(rest, "<tr")
	checked := 0
	for _, row := range rows[1:] {
		row, _, _ = strings.Cut(row, "</tr>")
		if strings.HasPrefix(row, ` class="cmd"`) || strings.Contains(row, "<th>") {
			continue // reproduce lines and headings
		}
		for _, id := range jetstream {
			name, _, _ := strings.Cut(id, "/")
			if strings.Contains(row, ">"+id+"<") || strings.Contains(row, ">"+name+"<") {
				checked++
				if !strings.Contains(row, LabelJetStream) {
					t.Errorf("a row of %s is not labelled %q: %.300s", id, LabelJetStream, row)
				}
			}
		}
		for _, id := range generator {
			name, _, _ := strings.Cut(id, "/")
			if (strings.Contains(row, ">"+id+"<") || strings.Contains(row, ">"+name+"<")) && strings.Contains(row, "includes the broker") {
				t.Errorf("a row of %s, on the generator, says it includes the broker: %.300s", id, row)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d rows of JetStream cells found", checked)
	}
	// The performance table: the figure itself, per node and per core.
	perf := section(html, "deck")
	for _, id := range []string{"core-at-least-once-jetstream", "microbatch-1s-jetstream"} {
		i := strings.Index(perf, ">"+id+"<")
		if i < 0 {
			t.Fatalf("the performance table lacks %s", id)
		}
		row, _, _ := strings.Cut(perf[i:], "</tr>")
		if strings.Count(row, "includes the broker") < 3 {
			t.Errorf("the performance table's figures of %s are not labelled as including the broker: %s", id, row)
		}
	}
	// Captions and headings: timelines, spectra, searches.
	for _, id := range jetstream {
		for _, want := range []string{
			"<summary>" + id + " — " + LabelJetStream,
			"<h3>" + id + ` <small class="broker">` + LabelJetStream,
			"Latency by percentile of " + id + " — " + LabelJetStream,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("report lacks %q", want)
			}
		}
	}
	for _, caption := range strings.Split(html, "<figcaption>")[1:] {
		for _, c := range d.Cells {
			if c.ThroughBroker() && strings.HasPrefix(caption, c.Record.Slug()) && !strings.Contains(caption, "through JetStream (includes the broker)") {
				t.Errorf("a timeline of %s does not say its figures include the broker: %.200s", c.ID, caption)
			}
		}
	}
	// The throughput chart's legend, and the latency-vs-load chart's.
	svg, err := ThroughputPlot(d.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "core-at-least-once-jetstream — JetStream (includes the broker)") {
		t.Errorf("the throughput chart does not label the JetStream bars")
	}
	if svg, err = LatencyLoadPlot("wordcount", d.Cells); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, "microbatch-1s-jetstream — JetStream (includes the broker)") {
		t.Errorf("the latency-vs-load chart does not label the JetStream cells")
	}
	// Ratios compare like with like: the question pairs micro-batches
	// through JetStream with core through JetStream only, and core through
	// JetStream is held against the baseline through JetStream only on the
	// baseline's workload.
	questions := section(html, "deck")
	if strings.Contains(questions, "microbatch-1s-jetstream/wordcount</td><td>core-at-least-once-generator") {
		t.Errorf("a question compares a cell through the broker with one alone")
	}
	if !strings.Contains(questions, "microbatch-1s-jetstream/wordcount<br><small class=\"broker\">"+LabelJetStream+"</small></td><td>core-at-least-once-jetstream/wordcount") {
		t.Errorf("the question does not compare micro-batches and core through the broker")
	}
}

// TestReportPlainRunsThroughBroker: plain `streambench run` results through
// JetStream are a cell of their own, found by the result's source key, and
// paired with the generator's.
func TestReportPlainRunsThroughBroker(t *testing.T) {
	dir := t.TempDir()
	for i, src := range []string{"generator", "jetstream"} {
		capacity := map[string]float64{"generator": 50_000, "jetstream": 30_000}[src]
		sim := &harness.Simulation{Capacity: func(string, string) float64 { return capacity }, Seed: 3,
			Start: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), Environment: resultfile.Environment{Nodes: 1, GOMAXPROCS: 2}}
		m, err := sim.Run(context.Background(), harness.RunConfig{Engine: "core", Workload: "wordcount", Seed: 1, Partitions: 4,
			Parallelism: 1, Guarantee: 2, Duration: 3 * time.Second, Source: harness.SourceConfig{Name: src},
			Command: []string{"streambench", "run", "--engine", "core", "--source", src}})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Write(filepath.Join(dir, fmt.Sprintf("core-wordcount-%d.json", i))); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cells) != 2 {
		t.Fatalf("%d cells, want one per source", len(d.Cells))
	}
	pairs := BrokerPairs(d.Cells)
	if len(pairs) != 1 || pairs[0].Generator == nil || pairs[0].Broker.ID != "core-at-least-once-jetstream/wordcount" {
		t.Fatalf("pairs %+v", pairs)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	if sec := section(buf.String(), "broker"); !strings.Contains(sec, "<small>core-at-least-once/wordcount</small>") || !strings.Contains(sec, "0.6") {
		t.Errorf("the broker section lacks the generator's cell:\n%s", sec)
	}
}

// TestReportScaling: a bench with cluster cells has a "Scaling over nodes"
// section with a row per node count and the local-mode reference, the
// ratios to one node and to local mode, and the plot; the broker section
// leaves cluster cells out.
func TestReportScaling(t *testing.T) {
	d := scalingData(t)
	series := ScalingSeriesOf(d.Cells)
	if len(series) != 1 || series[0].Local == nil || len(series[0].ByNodes) != 3 {
		t.Fatalf("series %+v", series)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	sec := section(html, "scaling")
	for _, want := range []string{"Scaling over nodes", "local mode", "n1/wordcount", "n3/wordcount", "÷ 1 node", `data-plot="scaling"`, "<svg"} {
		if !strings.Contains(sec, want) {
			t.Errorf("the scaling section lacks %q", want)
		}
	}
	// 2 nodes at 0.9 of linear: 0.9x one node's per-node rate; one node
	// at 2/3 of local mode.
	if !strings.Contains(sec, "0.9") || !strings.Contains(sec, "0.6") {
		t.Errorf("the scaling section lacks the ratios:\n%s", sec)
	}
	if strings.Contains(section(html, "broker"), "n2/wordcount") {
		t.Errorf("the broker section lists a cluster cell")
	}
	plot := inlineSVG.FindString(sec)
	checkPlot(t, "the scaling plot", plot)
	golden(t, "scaling.golden.svg", []byte(plot))
}

// scalingReport is the report of a simulated scaling bench.
func scalingReport(t *testing.T) string {
	var buf bytes.Buffer
	if err := Write(&buf, scalingData(t)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// scalingData runs a simulated bench of a core topology at 1, 2 and 3
// nodes beside local mode.
func scalingData(t *testing.T) *Data {
	t.Helper()
	suite := `
name: scaling-simulated
description: a simulated engine at 1, 2 and 3 nodes beside local mode
repeat: 2
defaults:
  probe: 3s
  warmup: 1s
  calibrate: 1s
  source: jetstream
  loads: [0.5]
cells:
  - engine: core
    name: local
    workload: wordcount
  - engine: core
    name: n1
    nodes: 1
    workload: wordcount
  - engine: core
    name: n2
    nodes: 2
    workload: wordcount
  - engine: core
    name: n3
    nodes: 3
    cores_per_node: 1
    workload: wordcount
`
	// The simulated cluster loses a tenth per node added, and a third to
	// the network hop against local mode.
	capacity := func(cfg harness.RunConfig) float64 {
		c := simulatedRate(cfg)
		if n := cfg.Cluster.Nodes; n > 0 {
			c *= float64(n) * (1 - 0.1*float64(n-1)) * 2 / 3
		}
		return c
	}
	dir := t.TempDir()
	simulatedBenchOf(t, dir, "scaling-simulated.yaml", suite, capacity, 0)
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Dir = "results/scaling-simulated"
	return d
}
