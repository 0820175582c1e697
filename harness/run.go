package harness

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// MaxRateEventRate places event times for runs at rate "max", which have no
// plan to take them from: one record per microsecond.
const MaxRateEventRate = 1e6

// RunConfig describes one run.
type RunConfig struct {
	Engine   string
	Workload string
	// Params overrides the workload's parameter defaults.
	Params      map[string]string
	Seed        uint64
	Partitions  int
	Parallelism int
	Guarantee   engines.Guarantee
	// Rate is the offered load in records per second, 0 for "max".
	Rate float64
	// Records or Duration ends the input; exactly one is set.
	Records  int64
	Duration time.Duration
	// Warmup is discarded from the figures, rounded up to whole seconds.
	Warmup time.Duration
	// Conf holds the engine's settings in its own vocabulary
	// (topology.max.spout.pending, spark.streaming.blockInterval), checked
	// by the engine's configuration code before anything runs.
	Conf engines.Conf
	// Backlog bounds unread records per partition (0: DefaultBacklog);
	// DrainTimeout bounds how long the engine may take to finish
	// once the input has ended (0: one minute).
	Backlog      int64
	DrainTimeout time.Duration
	// Source chooses the log the engine reads: the in-process generator
	// (the default) or a JetStream stream.
	Source SourceConfig
	// Command is the command line, recorded in the result.
	Command []string
	// Clock is the harness's time (nil: the system clock).
	Clock Clock
	// Started, when set, is called once setup is done and the run begins.
	Started func()
	// Cluster, when enabled, runs the engine on a cluster of processes.
	Cluster ClusterConfig
	// CPUProfile, in a cluster run, makes each worker process write a CPU
	// profile to CPUProfile.worker-N (the harness's own process is the
	// caller's to profile).
	CPUProfile string
	// Faults is the run's fault schedule (--fault), injected from its
	// start; the result gets the recovery figures of every firing.
	Faults []Fault
}

// Measurement is a finished run: its result and the histograms behind it,
// encoded.
type Measurement struct {
	Result    *resultfile.Result
	intervals []resultfile.EncodedInterval
	err       error // from encoding the intervals
}

// NewMeasurement returns the Measurement of a result and its interval
// histograms, for tools that build or convert results outside Run (and for
// tests that need result files with known content).
func NewMeasurement(r *resultfile.Result, intervals []resultfile.IntervalHistogram) *Measurement {
	m := &Measurement{Result: r}
	for _, iv := range intervals {
		e, err := resultfile.EncodeInterval(iv)
		if err != nil && m.err == nil {
			m.err = err
		}
		m.intervals = append(m.intervals, e)
	}
	return m
}

// Write writes the result file and its histogram log, together or not at
// all (see resultfile.WriteResult).
func (m *Measurement) Write(path string) error {
	if m.err != nil {
		return fmt.Errorf("encoding histogram log: %w", m.err)
	}
	return resultfile.WriteEncodedResult(path, m.Result, m.intervals)
}

// ErrVerification is returned by Run when the outputs break the run's
// delivery guarantee.
var ErrVerification = errors.New("verification failed")

// ErrInterrupted is returned by Run, with the Measurement of what ran, when
// its context was cancelled before the run ended.
var ErrInterrupted = errors.New("interrupted")

// Run runs a workload on an engine and measures it. Bad configuration is a
// *UsageError, returned before anything runs. A context cancelled during
// setup returns ErrInterrupted and no Measurement; once the run has begun,
// the Measurement of what ran, marked interrupted, with ErrInterrupted. A run that fails (the engine
// errs or does not drain, or its outputs break the guarantee) returns its
// Measurement together with the error, so the result can still be written.
func Run(ctx context.Context, cfg RunConfig) (*Measurement, error) {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if err := CheckRun(cfg); err != nil {
		return nil, err
	}
	w, err := LookupWorkload(cfg.Workload)
	if err != nil {
		return nil, err
	}
	if cfg.Cluster.Enabled() {
		// One worker process per node unless the topology asks otherwise,
		// so that "per node" means what it says.
		if _, ok := cfg.Conf[core.TopologyWorkers]; !ok {
			cfg.Conf = cfg.Conf.Clone()
			if cfg.Conf == nil {
				cfg.Conf = engines.Conf{}
			}
			cfg.Conf[core.TopologyWorkers] = strconv.Itoa(cfg.Cluster.Nodes)
		}
	}
	opts := engines.Options{Parallelism: cfg.Parallelism, Guarantee: cfg.Guarantee, Conf: cfg.Conf}
	eventRate := cfg.Rate
	if eventRate == 0 {
		eventRate = MaxRateEventRate
	}

	backlog := Machine().RunBacklog(&cfg)
	// The log is set up first (a broker takes a moment to start); it fills
	// records with the instance built below, before anything is published.
	var inst workloads.Instance
	ol, err := openLog(ctx, cfg, func(r *engines.Record) { inst.Fill(r) }, backlog, cfg.Clock.Now())
	if ctx.Err() != nil {
		if err == nil {
			ol.close()
		}
		return nil, fmt.Errorf("%w before the run started: %w", ErrInterrupted, ctx.Err())
	}
	if err != nil {
		return nil, err
	}
	defer ol.close()
	if ol.maxBacklog > 0 {
		backlog = min(backlog, ol.maxBacklog)
	}
	var cr *clusterRun
	if cfg.Cluster.Enabled() {
		if cr, err = deploy(ctx, cfg, w, opts, eventRate, ol); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w before the run started: %w", ErrInterrupted, ctx.Err())
			}
			return nil, err
		}
		defer cr.stop()
	}

	// The plan starts shortly after setup; if setup overran the start,
	// build again with a later one, so the first records are not born late.
	var (
		eng   engines.Engine
		start int64
	)
	lead := 300 * time.Millisecond
	for {
		start = cfg.Clock.Now() + int64(lead)
		inst, err = w.New(workloads.Config{Seed: cfg.Seed, Partitions: cfg.Partitions, Params: cfg.Params,
			EventStart: start, EventRate: eventRate})
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		if cfg.Engine == CeilingEngine {
			eng, err = ceiling{workers: baseline.Workers(cfg.Parallelism)}, nil
		} else {
			eng, err = inst.Pipeline(cfg.Engine, opts)
		}
		if errors.Is(err, workloads.ErrUnsupportedEngine) {
			return nil, &UsageError{Msg: fmt.Sprintf("workload %s has no pipeline for engine %s (it has: %s)",
				cfg.Workload, cfg.Engine, strings.Join(inst.Engines(), ", "))}
		}
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("%s on %s: %v", cfg.Workload, cfg.Engine, err)}
		}
		if cfg.Clock.Now() < start-int64(lead)/4 || lead > 10*time.Second {
			break
		}
		lead *= 2
	}

	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w before the run started: %w", ErrInterrupted, ctx.Err())
	}
	if cfg.Started != nil {
		cfg.Started()
	}
	built, src := eng, ol.Log
	if cr != nil {
		cl := newClusterLog(ol.Log, cr)
		defer cl.close()
		src, eng = cl, cr.engine(eng)
	}
	rec := NewRecorder(cfg.Clock)
	drv := NewDriver(DriverConfig{Rate: cfg.Rate, Records: cfg.Records, Duration: cfg.Duration, Backlog: backlog}, src, cfg.Clock, start)
	warmup := time.Duration((int64(cfg.Warmup) + int64(time.Second) - 1) / int64(time.Second) * int64(time.Second))
	m := newMeter(start, warmup, drv, src, rec)

	user0, sys0, cpuOK := processCPU()
	faults := startFaults(ctx, cfg, built, cr, rec, start)
	runErr := run(ctx, cfg, eng, src, rec, drv, m)
	faults.end()
	stoppedAt := cfg.Clock.Now()
	user1, sys1, cpuOK1 := processCPU()

	got := rec.close()
	res := &resultfile.Result{
		Schema:         resultfile.SchemaVersion,
		Command:        cfg.Command,
		StartedAt:      time.Unix(0, start).UTC(),
		Environment:    CaptureEnvironment(max(cfg.Cluster.Nodes, 1)),
		Engine:         cfg.Engine,
		EngineSettings: eng.Settings(),
		Workload:       cfg.Workload,
		WorkloadParams: inst.Params(),
		RecordBytes:    inst.RecordBytes(),
		Seed:           cfg.Seed,
		Guarantee:      cfg.Guarantee,
		Source:         cmp.Or(cfg.Source.Name, "generator"),
		SourceSettings: ol.settings,
		Partitions:     cfg.Partitions,
		Parallelism:    cfg.Parallelism,
		Rate:           resultfile.RateFigures{Asked: cfg.Rate, Max: cfg.Rate == 0},
		Records:        drv.Sent(),
		SendDelay:      drv.SendDelay().Summary(),
	}
	if cpuOK && cpuOK1 {
		c := &resultfile.CPUFigures{UserS: float64(user1-user0) / 1e9, SystemS: float64(sys1-sys0) / 1e9}
		if n := drv.Sent(); n > 0 {
			c.NsPerRecord = float64(user1-user0+sys1-sys0) / float64(n)
		}
		res.CPU = c
	}
	if mr, ok := eng.(engines.MetricsReporter); ok {
		if b, err := json.Marshal(mr.Metrics()); err == nil {
			res.EngineMetrics = b
		} else {
			res.EngineMetrics, _ = json.Marshal(map[string]string{"error": err.Error()})
		}
	}
	publishedUntil := drv.finishedAt
	if publishedUntil == 0 { // interrupted, or failed, before the plan's end
		publishedUntil = stoppedAt
	}
	if d := publishedUntil - start; d > 0 {
		res.Rate.Achieved = float64(drv.Sent()) / (float64(d) / 1e9)
	}
	if d, ok := src.(Dropper); ok {
		res.SendsDropped = d.Dropped()
	}
	figures(res, m, src, got)
	res.Recovery = faults.recovery(res.Timeline)
	if cr != nil {
		cr.result(res)
	}
	// The ceiling's outputs are the records it read, not the workload's.
	expect := inst.Expect
	if cfg.Engine == CeilingEngine {
		expect = ceilingExpect
	}
	meas := &Measurement{Result: res, intervals: m.intervals, err: m.encodeErr}
	if ctx.Err() != nil {
		if runErr == nil {
			runErr = ctx.Err()
		}
		res.Interrupted = true
		res.Verification = VerifyInterrupted(expect(src.Published()), got.final, got.outputs, cfg.Guarantee)
		if c, ok := inst.(workloads.Contracted); ok && cfg.Engine != CeilingEngine {
			checkContract(c.Contract(), inst.Fill, got, &res.Verification)
		}
		res.Error = "interrupted before the run ended"
		if !errors.Is(runErr, context.Canceled) || runErr != ctx.Err() {
			res.Error += ": " + runErr.Error()
		}
		return meas, fmt.Errorf("%w: %w", ErrInterrupted, runErr)
	}
	res.Verification = Verify(expect(src.Published()), got.final, got.outputs, cfg.Guarantee)
	if c, ok := inst.(workloads.Contracted); ok && cfg.Engine != CeilingEngine {
		checkContract(c.Contract(), inst.Fill, got, &res.Verification)
	}
	if runErr != nil {
		res.Error = runErr.Error()
		return meas, runErr
	}
	if !res.Verification.OK {
		res.Error = strings.Join(res.Verification.Problems, "; ")
		return meas, fmt.Errorf("%w: %s", ErrVerification, res.Error)
	}
	return meas, nil
}

// Check refuses a configuration no run can use: a value out of range or
// past the limits of this machine (see MemoryLimits), a missing or doubled
// end of input, a source setting for another source. It is a *UsageError.
func (cfg *RunConfig) Check() error { return cfg.check() }

// CheckRun refuses, as a *UsageError and before anything runs or is
// written, every configuration Run would refuse before running: Check's,
// and an unknown engine or workload, a bad workload parameter, a workload
// without a pipeline for the engine, an engine that cannot read the source.
func CheckRun(cfg RunConfig) error {
	if err := cfg.check(); err != nil {
		return err
	}
	w, err := LookupWorkload(cfg.Workload)
	if err != nil {
		return err
	}
	spec, err := LookupEngine(cfg.Engine)
	if err != nil {
		return err
	}
	if kind := cfg.Source.Kind(); kind != engines.KindLog {
		if err := spec.CheckSource(kind, cfg.Guarantee); err != nil {
			return &UsageError{Msg: fmt.Sprintf("--source %s: %v", cfg.Source.Describe(), err)}
		}
	}
	eventRate := cfg.Rate
	if eventRate == 0 {
		eventRate = MaxRateEventRate
	}
	inst, err := w.New(workloads.Config{Seed: cfg.Seed, Partitions: cfg.Partitions, Params: cfg.Params, EventRate: eventRate})
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if !hasPipeline(inst, cfg.Engine) {
		return &UsageError{Msg: fmt.Sprintf("workload %s has no pipeline for engine %s (it has: %s)",
			cfg.Workload, cfg.Engine, strings.Join(inst.Engines(), ", "))}
	}
	if len(cfg.Faults) > 0 {
		var eng engines.Engine
		if cfg.Engine != CeilingEngine {
			eng, _ = inst.Pipeline(cfg.Engine, engines.Options{Parallelism: cfg.Parallelism, Guarantee: cfg.Guarantee, Conf: cfg.Conf})
		}
		return checkFaults(cfg, eng)
	}
	return nil
}

// run drives the engine and samples it until the engine has drained the
// input, failed, or overrun the drain timeout.
func run(ctx context.Context, cfg RunConfig, eng engines.Engine, src Log, rec *Recorder, drv *Driver, m *meter) error {
	engCtx, stopEngine := context.WithCancel(ctx)
	defer stopEngine()
	drvCtx, stopDriver := context.WithCancel(ctx)
	defer stopDriver()

	engDone := make(chan error, 1)
	go func() { engDone <- runEngine(engCtx, eng, src, rec) }()
	drvDone := make(chan error, 1)
	go func() { drvDone <- drv.Run(drvCtx) }()

	drain := cfg.DrainTimeout
	if drain == 0 {
		drain = time.Minute
	}
	var drainBy <-chan time.Time
	var err error
	driverRunning := true
	for {
		select {
		case <-cfg.Clock.After(time.Duration(m.nextSample() - cfg.Clock.Now())):
			m.sample(m.nextSample())
			continue
		case derr := <-drvDone:
			driverRunning = false
			if derr != nil && ctx.Err() == nil {
				err = derr
				break
			}
			if ctx.Err() != nil {
				err = ctx.Err()
				break
			}
			drainBy = cfg.Clock.After(drain)
			continue
		case eerr := <-engDone:
			m.sample(cfg.Clock.Now())
			if driverRunning {
				// The driver may have finished and closed the source just
				// before the engine drained it: only a plan cut short is an
				// engine that stopped early.
				stopDriver()
				<-drvDone
				if eerr == nil && drv.finishedAt == 0 {
					eerr = errors.New("the engine stopped before its input ended")
				}
			}
			if eerr != nil {
				return fmt.Errorf("engine %s: %w", cfg.Engine, eerr)
			}
			return nil
		case <-drainBy:
			err = fmt.Errorf("engine %s did not drain within %v of the input's end: %d of %d records read",
				cfg.Engine, drain, src.Read(), drv.Sent())
		case <-ctx.Done():
			err = ctx.Err()
		}
		break
	}
	// Stop everything and wait, so no goroutine outlives the run.
	stopEngine()
	stopDriver()
	if driverRunning {
		<-drvDone
	}
	select {
	case <-engDone:
	case <-time.After(10 * time.Second):
		err = fmt.Errorf("%w; and the engine did not stop within 10s of being cancelled", err)
	}
	m.sample(cfg.Clock.Now())
	return err
}

// runEngine runs the engine, turning a panic into an error.
func runEngine(ctx context.Context, eng engines.Engine, src Log, sink engines.Sink) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return engines.RunInput(ctx, eng, src.Input(), sink)
}

// figures fills the throughput and latency of a result from the meter.
func figures(res *resultfile.Result, m *meter, src Log, got recorded) {
	end := got.lastWrite
	if n := len(m.intervals); n > 0 && end < m.intervals[n-1].Start {
		end = m.intervals[n-1].End
	}
	from, readFrom := m.warmupEnd, m.readAtWarmup
	res.WarmupS = float64(m.warmupEnd-m.start) / 1e9
	keepWarmup := m.warmupSampled && end > from
	if !keepWarmup {
		if m.warmupEnd > m.start {
			res.WarmupNote = "the run ended before the warm-up did: nothing was discarded"
		}
		from, readFrom, res.WarmupS = m.start, 0, 0
	}
	m.finish(got.windows, keepWarmup)
	res.Timeline = m.timeline
	res.Latency = m.cumul.Summary()
	res.RecordsMeasured = src.Read() - readFrom
	res.DurationS = float64(end-from) / 1e9
	if res.DurationS <= 0 {
		return
	}
	rps := float64(res.RecordsMeasured) / res.DurationS
	var outs int64
	for _, p := range m.timeline {
		if !p.Warmup {
			outs += p.Outputs
		}
	}
	res.Throughput = resultfile.Throughput{
		RecordsPerSecond:        rps,
		RecordsPerSecondPerNode: rps / float64(max(res.Environment.Nodes, 1)),
		RecordsPerSecondPerCore: rps / float64(max(res.Environment.GOMAXPROCS, 1)),
		OutputsPerSecond:        float64(outs) / res.DurationS,
		BytesPerSecond:          rps * res.RecordBytes,
	}
}

func (cfg *RunConfig) check() error {
	bad := func(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }
	if err := cfg.Source.check(); err != nil {
		return err
	}
	if err := cfg.Cluster.check(cfg); err != nil {
		return err
	}
	switch {
	case cfg.Records < 0:
		return bad("--records must be positive, got %d", cfg.Records)
	case cfg.Duration < 0:
		return bad("--duration must be positive, got %v", cfg.Duration)
	case cfg.Records > 0 && cfg.Duration > 0:
		return bad("give exactly one of --records and --duration, not both")
	case cfg.Records == 0 && cfg.Duration == 0:
		return bad("give exactly one of --records N and --duration D: how much input to publish")
	case cfg.Rate < 0:
		return bad("--rate must be positive or \"max\", got %g", cfg.Rate)
	case cfg.Partitions < 1:
		return bad("--partitions must be at least 1, got %d", cfg.Partitions)
	case cfg.Parallelism < 1:
		return bad("--parallelism must be at least 1, got %d", cfg.Parallelism)
	case cfg.Warmup < 0:
		return bad("--warmup must not be negative, got %v", cfg.Warmup)
	case cfg.Duration > 0 && cfg.Warmup >= cfg.Duration:
		return bad("--warmup %v leaves nothing of --duration %v to measure", cfg.Warmup, cfg.Duration)
	case cfg.Backlog < 0:
		return bad("--backlog must not be negative, got %d", cfg.Backlog)
	case cfg.DrainTimeout < 0:
		return bad("--drain-timeout must be positive, got %v", cfg.DrainTimeout)
	case !slices.Contains(engines.Guarantees, cfg.Guarantee):
		return bad("no delivery guarantee given")
	}
	if runtime.GOMAXPROCS(0) < 1 {
		return bad("GOMAXPROCS is zero")
	}
	return Machine().checkLimits(cfg)
}

// DefaultBacklog is the unread records per partition a run's source holds
// when none is given: two seconds of the offered rate, and at least 65,536
// (and a run keeps it within its memory: MemoryLimits.RunBacklog).
// At max rate (0) it is 262,144: enough for an engine that fetches once per
// batch interval, like a direct stream, to take a full second's batch of a
// fast pipeline, since a real log (a Kafka topic) would hold that too.
func DefaultBacklog(rate float64, partitions int) int64 {
	if rate == 0 {
		return 1 << 18
	}
	return max(1<<16, int64(math.Ceil(2*rate/float64(max(partitions, 1)))))
}
