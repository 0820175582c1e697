package harness_test

import (
	"context"
	"fmt"
	"time"

	"github.com/streambench/streambench/harness"
	"github.com/streambench/streambench/harness/resultfile"
)

// A suite lists cells; each workload of an entry is a cell, and every key
// the entry does not set comes from the suite's defaults or streambench's.
func ExampleParseSuite() {
	s, err := harness.ParseSuite("mine.yaml", []byte(`
name: mine
repeat: 3
defaults:
  probe: 5s
cells:
  - engine: core
    guarantee: at-least-once
    workloads: [wordcount, grep]
    latency_bound: 500ms
  - engine: microbatch
    name: microbatch-2s
    batch_interval: 2s
    latency_bound: 10s
    workload: wordcount
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range s.Cells {
		fmt.Printf("%s: probes of %v, p99 under %v, loads %v\n", c.ID, c.Probe, c.LatencyBound, c.Loads)
	}
	_, err = harness.ParseSuite("mine.yaml", []byte("name: x\ncells:\n  - engine: core\n    workload: wordcount\n    lag_slop: 0.1\n"))
	fmt.Println(err)
	// Output:
	// core-at-least-once/wordcount: probes of 5s, p99 under 500ms, loads [0.25 0.5 0.75 0.9]
	// core-at-least-once/grep: probes of 5s, p99 under 500ms, loads [0.25 0.5 0.75 0.9]
	// microbatch-2s/wordcount: probes of 5s, p99 under 10s, loads [0.25 0.5 0.75 0.9]
	// mine.yaml:5: cells[0].lag_slop: unknown key (known: engine, name, workload, workloads, guarantee, seed, partitions, parallelism, params, source, nats_class, nodes, cores_per_node, timing, faults, rate, engine_conf, batch_interval, batch_size, state, config_file, latency_bound, probe, warmup, calibrate, start, step, precision, max_probes, lag_slope, latency_slope, send_rate, backlog, drain_timeout, loads, load_probe); did you mean "lag_slope"?
}

// Judge reads a run's per-second timeline: here the engine reads 5% fewer
// records than are published each second, so the backlog grows and the
// rate is not sustainable.
func ExampleJudge() {
	r := &resultfile.Result{Rate: resultfile.RateFigures{Asked: 10_000, Achieved: 10_000}, WarmupS: 1,
		Latency: resultfile.LatencySummary{Count: 40_000, P50: 2_000, P99: 9_000, Max: 12_000}}
	for s := range 5 {
		r.Timeline = append(r.Timeline, resultfile.TimelinePoint{Second: s, Warmup: s == 0, RecordsIn: 10_000, RecordsRead: 9_500})
	}
	v := harness.Judge(r, 5*time.Second, resultfile.Criteria{LagSlope: 0.02, SendRate: 0.97, LatencyBound: resultfile.Duration(time.Second)})
	fmt.Println(v.Sustainable, v.Explain)
	// Output: false the backlog grew by 500 records/s (5.0% of the rate; at most 2.0%)
}

// Search against a model of an engine that processes 50,000 records/s: a
// probe passes when the rate is within 2% of what the engine does.
func ExampleSearch() {
	probe := func(_ context.Context, role string, rate float64) (resultfile.ProbeOutcome, error) {
		out := resultfile.ProbeOutcome{Role: role, Rate: rate, Throughput: min(rate, 50_000)}
		if rate == 0 { // the calibration, at max rate
			out.Throughput = 50_000
			return out, nil
		}
		out.Verdict.Sustainable = rate <= 51_000
		if !out.Verdict.Sustainable {
			out.Verdict.Reasons = []string{resultfile.ReasonLag}
		}
		return out, nil
	}
	s, _ := harness.Search(context.Background(), harness.SearchConfig{Precision: 0.05, MaxProbes: 8}, probe)
	for _, p := range s.Probes {
		fmt.Printf("%s %.0f: %v\n", p.Role, p.Rate, p.Verdict.Sustainable)
	}
	fmt.Printf("sustainable %.0f records/s, bracket [%.0f, %.0f]\n", s.Sustainable, s.Lo, s.Hi)
	// Output:
	// calibration 0: false
	// probe 40000: true
	// probe 62500: false
	// probe 47500: true
	// probe 51300: false
	// probe 49400: true
	// sustainable 49400 records/s, bracket [49400, 51300]
}
