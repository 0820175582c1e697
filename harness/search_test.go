package harness

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// timeline builds a run's per-second timeline from records published and
// read each second.
func timeline(in, read []int64, warmup int) []resultfile.TimelinePoint {
	var tl []resultfile.TimelinePoint
	for s := range in {
		tl = append(tl, resultfile.TimelinePoint{Second: s, Warmup: s < warmup, RecordsIn: in[s], RecordsRead: read[s]})
	}
	return tl
}

func repeatN(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestJudge(t *testing.T) {
	crit := resultfile.Criteria{LagSlope: 0.02, SendRate: 0.97, LatencyBound: resultfile.Duration(time.Second), LatencySlope: 0.05}
	ok := resultfile.LatencySummary{Count: 1000, P50: 1000, P99: 5000, Max: 9000}
	for _, tc := range []struct {
		name      string
		in, read  []int64
		warmup    int
		achieved  float64
		lat       resultfile.LatencySummary
		err       string
		want      bool
		reasons   []string
		slopeFrom float64 // expected lag slope, records/s
	}{
		{"keeps up", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, ok, "", true, nil, 0},
		{"keeps up with a queue", repeatN(1000, 5), []int64{800, 1000, 1000, 1000, 1200}, 1, 1000, ok, "", true, nil, 0},
		{"falls behind", repeatN(1000, 5), repeatN(900, 5), 1, 1000, ok, "", false, []string{resultfile.ReasonLag}, 100},
		{"barely behind", repeatN(1000, 5), repeatN(990, 5), 1, 1000, ok, "", true, nil, 10},
		// One stalled second (a GC pause) then a catch-up: Theil-Sen
		// reads the trend as flat, where a least-squares line would not.
		{"one outlying second", repeatN(1000, 7), []int64{1000, 1000, 1000, 1000, 1000, 0, 2000}, 1, 1000, ok, "", true, nil, 0},
		{"driver fell behind", repeatN(900, 5), repeatN(900, 5), 1, 900, ok, "", false, []string{resultfile.ReasonSend}, 0},
		{"latency over bound", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, resultfile.LatencySummary{Count: 10, P50: 1, P99: 2_000_000, Max: 2_000_000}, "", false, []string{resultfile.ReasonLatency}, 0},
		{"no outputs", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, resultfile.LatencySummary{}, "", false, []string{resultfile.ReasonLatency}, 0},
		{"failed", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, ok, "engine core: boom", false, []string{resultfile.ReasonFailed}, 0},
		{"too short", repeatN(1000, 2), repeatN(1000, 2), 1, 1000, ok, "", false, []string{resultfile.ReasonShort}, 0},
		// Too short for a trend, but its backlog grew: overloaded, not
		// merely short.
		{"too short, falling behind", repeatN(1000, 1), repeatN(500, 1), 1, 1000, ok, "", false, []string{resultfile.ReasonShort, resultfile.ReasonLag}, 500},
		// A queue inside the engine: every record is taken from the source
		// at once, but latency grows by 200ms a second.
		{"hidden queue", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, ok, "", false, []string{resultfile.ReasonGrowing}, 0},
		// Everything taken from the source at once, and finished 3s after
		// the input ended: a queue inside the engine.
		{"long drain", repeatN(1000, 5), repeatN(1000, 5), 1, 1000, ok, "", false, []string{resultfile.ReasonDrain}, 0},
		// The drain after the input ends is not part of the trend.
		{"drain ignored", append(repeatN(1000, 4), 0, 0), []int64{1000, 1000, 1000, 1000, 0, 0}, 1, 1000, ok, "", true, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &resultfile.Result{Rate: resultfile.RateFigures{Asked: 1000, Achieved: tc.achieved}, WarmupS: float64(tc.warmup),
				Timeline: timeline(tc.in, tc.read, tc.warmup), Latency: tc.lat, Error: tc.err, DurationS: 3.1}
			if tc.name == "long drain" {
				r.DurationS = 6
			}
			for i := range r.Timeline {
				r.Timeline[i].Outputs, r.Timeline[i].LatencyP50 = r.Timeline[i].RecordsRead, 5000
				if tc.name == "hidden queue" {
					r.Timeline[i].LatencyP50 = int64(i) * 200_000
				}
			}
			v := Judge(r, 4*time.Second, crit)
			if v.Sustainable != tc.want || !slices.Equal(v.Reasons, tc.reasons) {
				t.Errorf("sustainable %v reasons %v, want %v %v (%s)", v.Sustainable, v.Reasons, tc.want, tc.reasons, v.Explain)
			}
			if math.Abs(v.LagSlope-tc.slopeFrom) > 1e-9 {
				t.Errorf("lag slope %g, want %g", v.LagSlope, tc.slopeFrom)
			}
			if v.Explain == "" {
				t.Error("no explanation")
			}
		})
	}
}

func TestTheilSen(t *testing.T) {
	for _, tc := range []struct {
		xs, ys []float64
		want   float64
	}{
		{[]float64{0, 1, 2, 3}, []float64{0, 2, 4, 6}, 2},
		{[]float64{0, 1, 2, 3, 4}, []float64{0, 1, 2, 100, 4}, 1},
		{[]float64{1, 1}, []float64{0, 5}, 0},
		{[]float64{0, 1}, []float64{5, 3}, -2},
		{nil, nil, 0},
	} {
		if got := TheilSen(tc.xs, tc.ys); got != tc.want {
			t.Errorf("TheilSen(%v, %v) = %g, want %g", tc.xs, tc.ys, got, tc.want)
		}
	}
}

// modelProber judges probes against a model of an engine that processes at
// most capacity records/s, with measurement noise: it is the search's logic
// alone, without runs.
func modelProber(capacity, noise float64, rng *rand.Rand, calls *[]float64) Prober {
	return func(_ context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		*calls = append(*calls, rate)
		c := capacity * (1 + noise*(2*rng.Float64()-1))
		out := resultfile.ProbeOutcome{Role: role, Rate: rate, Throughput: min(rate, c)}
		if rate == 0 {
			out.Throughput = c
			return out, nil
		}
		slope := (rate - c) / rate
		out.Verdict = resultfile.Verdict{Sustainable: slope <= 0.02, LagSlopeFraction: slope, SendFraction: 1}
		if !out.Verdict.Sustainable {
			out.Verdict.Reasons = []string{resultfile.ReasonLag}
		}
		return out, nil
	}
}

// TestSearchModel: against engines of known capacity the search lands
// within 5% of the capacity, from any start, in few probes.
func TestSearchModel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity float64
		cfg      SearchConfig
		noise    float64
	}{
		{"calibrated", 100_000, SearchConfig{Precision: 0.05, MaxProbes: 8}, 0},
		{"calibrated, noisy", 100_000, SearchConfig{Precision: 0.05, MaxProbes: 8}, 0.02},
		{"slow engine", 7_000, SearchConfig{Precision: 0.05, MaxProbes: 8}, 0.01},
		{"start far below", 400_000, SearchConfig{Start: 1000, Precision: 0.05, MaxProbes: 14}, 0},
		{"start far above", 10_000, SearchConfig{Start: 1_000_000, Precision: 0.05, MaxProbes: 10}, 0},
		{"from a previous bracket", 50_000, SearchConfig{Start: 49_000, Ceiling: 51_500, Precision: 0.05, MaxProbes: 8}, 0},
		{"previous bracket wrong", 80_000, SearchConfig{Start: 49_000, Ceiling: 51_500, Precision: 0.05, MaxProbes: 8}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []float64
			out, err := Search(context.Background(), tc.cfg, modelProber(tc.capacity, tc.noise, rand.New(rand.NewPCG(1, 2)), &calls))
			if err != nil {
				t.Fatal(err)
			}
			if !out.Converged {
				t.Fatalf("did not converge: %s; probes %v", out.Note, calls)
			}
			if rel := math.Abs(out.Sustainable-tc.capacity) / tc.capacity; rel > 0.05 {
				t.Errorf("sustainable %.0f, capacity %.0f: off by %.1f%%; probes %v", out.Sustainable, tc.capacity, 100*rel, calls)
			}
			if len(out.Probes) != len(calls) {
				t.Errorf("outcome keeps %d probes of %d", len(out.Probes), len(calls))
			}
			if out.Hi <= out.Lo || (out.Hi-out.Lo)/out.Lo > tc.cfg.Precision {
				t.Errorf("bracket [%g, %g] not within precision", out.Lo, out.Hi)
			}
			t.Logf("capacity %.0f: %.0f after %d runs %v", tc.capacity, out.Sustainable, len(calls), calls)
		})
	}
}

func TestSearchGivesUp(t *testing.T) {
	never := func(_ context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		return resultfile.ProbeOutcome{Role: role, Rate: rate, Throughput: 1e6, Verdict: resultfile.Verdict{Reasons: []string{resultfile.ReasonLatency}}}, nil
	}
	out, err := Search(context.Background(), SearchConfig{Start: 1000, Precision: 0.05, MaxProbes: 20}, never)
	if err != nil || out.Sustainable != 0 || out.Converged || !strings.Contains(out.Note, "no rate down to 100") {
		t.Errorf("%+v, %v", out, err)
	}
	out, err = Search(context.Background(), SearchConfig{Start: 1000, Precision: 0.001, MaxProbes: 3}, modelProber(5000, 0, rand.New(rand.NewPCG(1, 2)), new([]float64)))
	if err != nil || out.Converged || len(out.Probes) != 3 || !strings.Contains(out.Note, "stopped after 3 probes") {
		t.Errorf("%+v, %v", out, err)
	}
	if out.Bound != (out.Sustainable > 0) || out.Sustainable == 0 {
		t.Errorf("a search that stopped with a rate sustained: bound %v, sustainable %.0f; want a bound", out.Bound, out.Sustainable)
	}
	// An engine whose overloaded runs process nearly what they are offered
	// (it buffers, or the machine is noisy): after one guess from the
	// throughput has failed, the search steps down geometrically and finds
	// a sustainable rate within a short budget instead of creeping down 5%
	// a probe.
	var calls []float64
	buffering := func(_ context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		calls = append(calls, rate)
		if rate == 0 {
			return resultfile.ProbeOutcome{Role: role, Throughput: 170_000}, nil
		}
		out := resultfile.ProbeOutcome{Role: role, Rate: rate, Throughput: rate, Verdict: resultfile.Verdict{Sustainable: true}}
		if rate > 50_000 {
			out.Throughput = 0.95 * rate
			out.Verdict = resultfile.Verdict{Reasons: []string{resultfile.ReasonLag}}
		}
		return out, nil
	}
	out, err = Search(context.Background(), SearchConfig{Precision: 0.25, MaxProbes: 4}, buffering)
	if err != nil || out.Sustainable <= 0 || out.Sustainable > 50_000 {
		t.Errorf("buffering engine: sustainable %.0f after probes %v: %+v, %v", out.Sustainable, calls, out, err)
	}
	failing := func(_ context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		return resultfile.ProbeOutcome{Role: role, Verdict: resultfile.Verdict{Reasons: []string{resultfile.ReasonFailed}, Explain: "the run failed: boom"}}, nil
	}
	if _, err := Search(context.Background(), SearchConfig{}, failing); err == nil || !strings.Contains(err.Error(), "calibration run at max rate failed") {
		t.Errorf("failed calibration: %v", err)
	}
}

// The capped engine and workload: a fake engine that processes at most
// Capacity records per second, whatever it is offered, registered for the
// tests that run real searches.

const cappedCapacity = 20_000

type cappedInstance struct{ partitions int }

func (cappedInstance) Fill(r *engines.Record) { r.Value = "x" }
func (cappedInstance) RecordBytes() float64   { return 1 }
func (cappedInstance) Params() map[string]string {
	return map[string]string{}
}
func (cappedInstance) Engines() []string { return []string{"capped"} }
func (i cappedInstance) Expect(published []int64) workloads.Expected {
	e := workloads.Expected{Counts: map[workloads.Key]int64{}, Unit: "records"}
	for p, n := range published {
		if n > 0 {
			e.Counts[workloads.Key{Key: fmt.Sprintf("p%d", p)}] = n
		}
	}
	return e
}
func (i cappedInstance) Pipeline(engine string, opts engines.Options) (engines.Engine, error) {
	if engine != "capped" {
		return nil, workloads.ErrUnsupportedEngine
	}
	return &cappedEngine{capacity: cappedCapacity}, nil
}

var cappedWorkload = workloads.Workload{
	Name: "capped", Description: "one record, one count per partition",
	New: func(cfg workloads.Config) (workloads.Instance, error) {
		if len(cfg.Params) > 0 {
			return nil, fmt.Errorf("workload capped has no parameters")
		}
		return cappedInstance{cfg.Partitions}, nil
	},
}

// cappedEngine counts records per partition, never more than capacity
// records per second since the first one arrived: a pure rate limit, so a
// busy machine that wakes the engine late costs it no capacity, and time
// spent waiting for the first record lends it none.
type cappedEngine struct{ capacity float64 }

func (e *cappedEngine) Settings() engines.Settings { return engines.Settings{"capacity": e.capacity} }

func (e *cappedEngine) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	n := src.Partitions()
	offsets, counts, eof := make([]int64, n), make([]int64, n), make([]bool, n)
	buf := make([]engines.Record, 256)
	outs := make([]engines.Output, 0, 256)
	var first time.Time
	var done int64 // records processed
	for {
		allowed := int64(len(buf))
		if !first.IsZero() {
			allowed = int64(e.capacity*time.Since(first).Seconds()) + int64(len(buf)) - done
		}
		finished := 0
		for p := range n {
			if eof[p] {
				finished++
				continue
			}
			k := min(int64(len(buf)), allowed)
			if k <= 0 {
				break
			}
			got, err := src.Fetch(p, offsets[p], buf[:k])
			if err == io.EOF {
				eof[p] = true
				continue
			}
			if err != nil {
				return err
			}
			if got == 0 {
				continue
			}
			if first.IsZero() {
				first = time.Now()
			}
			outs = outs[:0]
			for _, r := range buf[:got] {
				counts[p]++
				outs = append(outs, engines.Output{Key: fmt.Sprintf("p%d", p), Value: counts[p], Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
			}
			if err := sink.Write(outs); err != nil {
				return err
			}
			offsets[p] += int64(got)
			done += int64(got)
			allowed -= int64(got)
		}
		if finished == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// registerCapped adds the capped workload for one test; the capped engine
// is registered for the package's tests (testengines_test.go).
func registerCapped(t *testing.T) {
	t.Helper()
	wls := slices.Clone(Workloads)
	Workloads = append(Workloads, cappedWorkload)
	t.Cleanup(func() { Workloads = wls })
}

// TestBenchFindsKnownCapacity runs a real bench (real runs through the
// driver, source, engine and recorder) of an engine that processes at most
// 20,000 records/s: the search ends on a sustainable rate no higher than
// that, and every probe is kept with its result file. It is the one search
// test on real time, end to end; how close the search lands is
// TestSearchModel's to check, on modelled probes. Here the driver and the
// recorder share the machine with the engine, so the bound below is loose
// enough for a machine three times slower (or as loaded) as the one it was
// written on: at least a third of the capacity, and never above it by more
// than the search's precision, which no machine speed can explain.
func TestBenchFindsKnownCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("real runs take about 15s")
	}
	registerCapped(t)
	enginetest.NoGoroutinesLeft(t)
	suite, err := ParseSuite("capped.yaml", []byte(`
name: capped
cells:
  - engine: capped
    workload: capped
    probe: 2s
    warmup: 0s
    calibrate: 1s
    precision: 0.05
    max_probes: 7
    loads: []
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := Bench(context.Background(), BenchConfig{Suite: suite, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Cells[0]
	if c.Status != resultfile.StatusDone || len(c.Repetitions) != 1 {
		t.Fatalf("cell %s: %s %s", c.ID, c.Status, c.Reason)
	}
	rep := c.Repetitions[0]
	var trail []string
	for _, p := range rep.Search.Probes {
		trail = append(trail, fmt.Sprintf("%s %.0f → %.0f/s %v %s", p.Role, p.Rate, p.Throughput, p.Verdict.Sustainable, p.Verdict.Explain))
	}
	t.Logf("probes:\n  %s", strings.Join(trail, "\n  "))
	got := rep.Search.Sustainable
	if ratio := got / cappedCapacity; ratio < 1.0/3 || ratio > 1.05 {
		t.Errorf("sustainable %.0f records/s, capacity %d: %.2f of it, want between 1/3 and 1.05", got, cappedCapacity, ratio)
	}
	if rep.Search.Probes[0].Role != resultfile.RoleCalibration {
		t.Errorf("first run %s, want the calibration", rep.Search.Probes[0].Role)
	}
	for _, f := range c.Files() {
		r, err := resultfile.ReadResult(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if r.Engine != "capped" || !strings.Contains(strings.Join(r.Command, " "), "streambench run --engine capped --workload capped") {
			t.Errorf("%s: engine %s, command %v", f, r.Engine, r.Command)
		}
		if _, err := os.Stat(filepath.Join(dir, r.HistogramLog)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	back, err := resultfile.ReadManifest(dir)
	if err != nil || !back.Finished || back.Cells[0].Repetitions[0].Search.Sustainable != got {
		t.Errorf("manifest read back: %v, %+v", err, back)
	}
}
