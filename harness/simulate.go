package harness

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// Simulation is a model of engines of known capacity. Its Run returns at
// once a Measurement shaped like a real run's (a per-second timeline, the
// per-second latency histograms, a verification) without running anything,
// so the bench, the sustainable-rate search and the report can be tested
// deterministically, and demonstrated without waiting. Results it makes say
// so: their engine settings hold "simulated": true, and their source
// settings "where": "simulated" (the source named is the run's, but no
// broker is started).
//
// The model is a single queue: offered load beyond the capacity piles up in
// the source's backlog (and then holds the driver back); latency is a base
// latency stretched by the queue's utilisation, plus the time a record
// waits in a growing backlog.
type Simulation struct {
	// Capacity returns the records/s an engine processes on a workload.
	Capacity func(engine, workload string) float64
	// Latency is the latency of an idle engine (default 1ms).
	Latency time.Duration
	// Noise is the relative spread of each run's capacity (0.02: ±2%).
	Noise float64
	Seed  uint64
	// Start is when the first run starts; each later run starts when the
	// one before it ended.
	Start       time.Time
	Environment resultfile.Environment
	// Fail, when set, may return an error for a run: the run's result
	// records it, as a failing engine's would.
	Fail func(cfg RunConfig) error

	runs int
	now  time.Time
}

// samplesPerSecond is how many latencies the model draws per second of a
// run: enough for the percentiles a report draws, cheap enough for tests.
const samplesPerSecond = 500

// Run implements the signature of Run for BenchConfig.Run.
func (s *Simulation) Run(ctx context.Context, cfg RunConfig) (*Measurement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s.runs++
	rng := rand.New(rand.NewPCG(s.Seed, uint64(s.runs)))
	if s.now.IsZero() {
		s.now = s.Start
	}
	base := s.Latency
	if base <= 0 {
		base = time.Millisecond
	}
	capacity := s.Capacity(cfg.Engine, cfg.Workload) * (1 + s.Noise*(2*rng.Float64()-1))
	rate, publish := cfg.Rate, cfg.Duration.Seconds()
	if cfg.Backlog == 0 {
		cfg.Backlog = DefaultBacklog(rate, cfg.Partitions)
	}
	backlog := float64(cfg.Backlog * int64(cfg.Partitions))
	if rate == 0 {
		rate = capacity
	}
	total := math.Floor(rate * publish)
	warmup := int(math.Ceil(cfg.Warmup.Seconds()))

	var (
		tl        []resultfile.TimelinePoint
		ivs       []resultfile.IntervalHistogram
		sent, lag float64
		read      float64
		lastSec   int
	)
	start := s.now.Add(300 * time.Millisecond)
	// Second by second: publish what is due and fits, read what the
	// capacity allows, and draw the outputs' latencies.
	for sec := 0; sent < total || lag > 0.5; sec++ {
		due := math.Min(total, rate*float64(sec+1)) - sent
		in := math.Max(0, math.Min(due, backlog-lag+capacity))
		out := math.Min(lag+in, capacity)
		util := math.Min(in/capacity, 0.95)
		hist := resultfile.NewHistogram()
		n := int(math.Min(out, samplesPerSecond))
		for range n {
			// Queueing stretches the base latency by 1/(1-utilisation); a
			// backlog adds the time to work through it.
			l := float64(base) / (1 - util) * math.Exp(0.5*rng.NormFloat64())
			l += lag / capacity * float64(time.Second) * (0.5 + 0.5*rng.Float64())
			hist.Record(time.Duration(l))
		}
		// The histogram holds n draws standing for out outputs.
		tl = append(tl, resultfile.TimelinePoint{Second: sec, Warmup: sec < warmup, RecordsIn: int64(in), RecordsRead: int64(out),
			Outputs: int64(out), LatencyP50: hist.Quantile(50), LatencyP99: hist.Quantile(99), LatencyMax: hist.Max()})
		ivs = append(ivs, resultfile.IntervalHistogram{Start: start.Add(time.Duration(sec) * time.Second).UnixNano(),
			End: start.Add(time.Duration(sec+1) * time.Second).UnixNano(), Hist: hist, Warmup: sec < warmup})
		sent += in
		lag += in - out
		read += out
		lastSec = sec + 1
		if sec > 3600 {
			break
		}
	}
	published := time.Duration(float64(time.Second) * math.Max(publish, sent/math.Max(rate, 1)))

	cumul := resultfile.NewHistogram()
	var measured float64
	for i, iv := range ivs {
		if !iv.Warmup {
			cumul.Merge(iv.Hist)
			measured += float64(tl[i].RecordsRead)
		}
	}
	// The last second ends with the last output.
	dur := float64(lastSec-warmup) - 1
	if n := len(tl); n > 0 {
		dur += float64(tl[n-1].RecordsRead) / capacity
	}
	res := &resultfile.Result{
		Schema:          resultfile.SchemaVersion,
		Command:         cfg.Command,
		StartedAt:       start.UTC(),
		Environment:     s.Environment,
		Engine:          cfg.Engine,
		EngineSettings:  map[string]any{"simulated": true, "capacity": math.Round(capacity)},
		Workload:        cfg.Workload,
		WorkloadParams:  cfg.Params,
		RecordBytes:     50,
		Seed:            cfg.Seed,
		Guarantee:       cfg.Guarantee,
		Source:          cmp.Or(cfg.Source.Name, "generator"),
		SourceSettings:  simulatedSourceSettings(cfg.Source),
		Partitions:      cfg.Partitions,
		Parallelism:     cfg.Parallelism,
		Rate:            resultfile.RateFigures{Asked: cfg.Rate, Max: cfg.Rate == 0, Achieved: sent / published.Seconds()},
		Records:         int64(sent),
		RecordsMeasured: int64(measured),
		DurationS:       dur,
		WarmupS:         float64(warmup),
		Latency:         cumul.Summary(),
		Timeline:        tl,
		Verification: resultfile.Verification{Guarantee: cfg.Guarantee, Unit: "records", Expected: int64(sent), OK: true,
			ResultsExpected: int64(sent), ResultsReceived: int64(sent), Outputs: int64(sent)},
	}
	if c := cfg.Cluster; c.Enabled() {
		// A simulated cluster: its nodes share the records evenly.
		res.Environment.Nodes, res.Environment.CoresPerNode = max(c.Nodes, 1), c.CoresPerNode
		res.Cluster = &resultfile.ClusterFigures{Timing: cmp.Or(c.Timing, "default"), Workers: res.Environment.Nodes, Joined: c.Join}
		for i := range res.Environment.Nodes {
			res.Cluster.Nodes = append(res.Cluster.Nodes, resultfile.NodeFigures{Node: fmt.Sprintf("node-%d", i+1), Workers: 1,
				RecordsRead: int64(measured) / int64(res.Environment.Nodes)})
		}
	}
	if dur > 0 {
		rps := measured / dur
		res.Throughput = resultfile.Throughput{RecordsPerSecond: rps, RecordsPerSecondPerNode: rps / float64(max(res.Environment.Nodes, 1)),
			RecordsPerSecondPerCore: rps / float64(max(res.Environment.GOMAXPROCS, 1)), OutputsPerSecond: rps, BytesPerSecond: rps * 50}
		if res.Cluster != nil {
			for i := range res.Cluster.Nodes {
				res.Cluster.Nodes[i].RecordsPerSecond = rps / float64(len(res.Cluster.Nodes))
			}
		}
	}
	s.now = start.Add(time.Duration(lastSec) * time.Second)
	m := NewMeasurement(res, ivs)
	if s.Fail != nil {
		if err := s.Fail(cfg); err != nil {
			res.Error = err.Error()
			return m, err
		}
	}
	return m, nil
}

// Now returns the simulated time: when the last run ended. It makes a
// Simulation usable as a bench's Clock.
func (s *Simulation) Now() int64 {
	if s.now.IsZero() {
		return s.Start.UnixNano()
	}
	return s.now.UnixNano()
}

// After implements Clock; simulated time does not wait.
func (s *Simulation) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, s.Now()).Add(d)
	return ch
}

// simulatedSourceSettings are the source settings of a simulated run: where
// is "simulated", and a JetStream run names its class as a real one does.
func simulatedSourceSettings(src SourceConfig) map[string]any {
	settings := map[string]any{"where": "simulated"}
	if src.Name == "jetstream" {
		settings["class"] = cmp.Or(src.NATSClass, "log")
	}
	return settings
}
