package workloadtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads"
)

// TestConf holds the settings every conformance run of an engine gets, so
// that a run over a few thousand records takes a few batches: micro-batches
// of 20 ms, Trident batches of 50 records.
var TestConf = map[string]engines.Conf{
	"microbatch": {microbatch.ConfBatchDuration: "20ms"},
	"trident":    {trident.TridentSpoutBatchSize: "50"},
}

// Suite describes a workload to Conformance.
type Suite struct {
	// Oracle is the instance whose pipelines must give the oracle's answer
	// over the first Records records of each of Partitions partitions.
	Oracle     workloads.Instance
	Partitions int
	Records    int64
	// Conf overrides TestConf per engine (a workload that needs other
	// batch sizes).
	Conf map[string]engines.Conf
	// Check, if set, looks further at each oracle run's outputs.
	Check func(t *testing.T, engine string, outs []engines.Output)
	// Quiet is the instance the cancel and refusal checks run; Oracle when
	// nil.
	Quiet workloads.Instance
	// Busy is the instance the failing-sink check runs over its first
	// BusyRecords records of each partition: enough for the pipeline to
	// write something. Oracle and Records when unset.
	Busy        workloads.Instance
	BusyRecords int64
	// Engines limits the suite to these engines; every engine the workload
	// has a pipeline for when empty.
	Engines []string
}

// Mode is one way an engine gives a guarantee, with the settings that
// choose it (Spec.Offers).
type Mode struct {
	Engine string
	engines.Offer
}

func (m Mode) String() string {
	s := m.Engine + "/" + m.Guarantee.String()
	for _, k := range m.Conf.Keys() {
		s += fmt.Sprintf("/%s=%s", k, m.Conf[k])
	}
	return s
}

// Modes returns every way the engine gives each guarantee it offers.
func Modes(engine string) []Mode {
	spec, err := engines.Lookup(engine)
	if err != nil {
		panic(err)
	}
	out := make([]Mode, len(spec.Offers))
	for i, o := range spec.Offers {
		out[i] = Mode{Engine: engine, Offer: o}
	}
	return out
}

// Options returns the options of a conformance run of m at parallelism par:
// the engine's test settings, the suite's, then the mode's.
func (s *Suite) Options(m Mode, par int) engines.Options {
	conf := engines.Conf{}
	maps.Copy(conf, TestConf[m.Engine])
	maps.Copy(conf, s.Conf[m.Engine])
	maps.Copy(conf, m.Conf)
	return engines.Options{Parallelism: par, Guarantee: m.Guarantee, Conf: conf}
}

// Conformance runs one suite over every engine the workload has a pipeline
// for and every way each engine gives each guarantee it offers: at
// parallelism 1 and 2 the pipeline gives the oracle's answer and stops when
// cancelled, a failing sink ends the run with the sink's error, and every
// run leaves no goroutine behind; a guarantee the engine does not offer, a
// parallelism below 1 and a setting the engine does not know are refused
// with the way out.
func Conformance(t *testing.T, s Suite) {
	t.Helper()
	if s.Quiet == nil {
		s.Quiet = s.Oracle
	}
	if s.Busy == nil {
		s.Busy, s.BusyRecords = s.Oracle, s.Records
	}
	names := s.Engines
	if len(names) == 0 {
		names = s.Oracle.Engines()
	}
	for _, engine := range names {
		t.Run(engine, func(t *testing.T) {
			for _, m := range Modes(engine) {
				for _, par := range []int{1, 2} {
					t.Run(fmt.Sprintf("%s/parallelism=%d", strings.TrimPrefix(m.String(), engine+"/"), par), func(t *testing.T) {
						enginetest.NoGoroutinesLeft(t)
						outs := RunPipeline(t, s.Oracle, engine, s.Options(m, par), s.Partitions, s.Records)
						if len(outs) == 0 {
							t.Fatal("no outputs")
						}
						FollowsContract(t, s.Oracle, outs)
						if s.Check != nil {
							s.Check(t, engine, outs)
						}
					})
					t.Run(fmt.Sprintf("%s/parallelism=%d/stops-on-cancel", strings.TrimPrefix(m.String(), engine+"/"), par), func(t *testing.T) {
						StopsOnCancel(t, s.Busy, engine, s.Options(m, par), s.Partitions, s.BusyRecords)
					})
				}
				t.Run(strings.TrimPrefix(m.String(), engine+"/")+"/sink-failure", func(t *testing.T) {
					SinkFailure(t, s.Busy, engine, s.Options(m, 2), s.Partitions, s.BusyRecords)
				})
			}
			t.Run("refuses", func(t *testing.T) { refuses(t, s.Quiet, engine) })
			t.Run("settings", func(t *testing.T) { settingsReachTheEngine(t, s.Quiet, engine) })
		})
	}
}

// FollowsContract fails t unless outs, a pipeline's outputs in the order
// they were written, keep inst's output contract (workloads.Contract): every
// event is its own output with Event set and Value 1, and every merged
// running-count update names the oldest record it covers.
func FollowsContract(t *testing.T, inst workloads.Instance, outs []engines.Output) {
	t.Helper()
	ci, ok := inst.(workloads.Contracted)
	if !ok {
		return
	}
	c := ci.Contract()
	last := map[workloads.Key]int64{}
	var merged []workloads.MergedUpdate
	for _, o := range outs {
		k := workloads.Key{Key: o.Key, Window: o.Window}
		if c.IsEvent != nil && c.IsEvent(k) && (!o.Event || o.Value != 1) {
			t.Fatalf("output %+v: an event must be its own output, with Event set and Value 1", o)
		}
		if o.Event || o.Window != 0 {
			continue
		}
		if o.Value-last[k] > 1 && len(merged) < 1000 {
			merged = append(merged, workloads.MergedUpdate{Out: o, Prev: last[k]})
		}
		last[k] = max(last[k], o.Value)
	}
	if bad := c.NotOldest(inst.Fill, merged); len(bad) > 0 {
		t.Fatalf("%d of %d merged updates do not name the oldest record they cover, such as %+v after %d",
			len(bad), len(merged), bad[0].Out, bad[0].Prev)
	}
}

// refuses checks what every engine's pipeline refuses, from its Spec.
func refuses(t *testing.T, inst workloads.Instance, engine string) {
	spec, _ := engines.Lookup(engine)
	def := spec.DefaultGuarantee()
	for _, g := range engines.Guarantees {
		if _, ok := spec.Offer(g); ok {
			continue
		}
		_, err := inst.Pipeline(engine, engines.Options{Parallelism: 1, Guarantee: g})
		if !errors.Is(err, engines.ErrGuaranteeNotOffered) || !strings.Contains(err.Error(), spec.WayOut[g]) {
			t.Errorf("%s at %s: error %v, want the guarantee refused with %q", engine, g, err, spec.WayOut[g])
		}
	}
	if _, err := inst.Pipeline(engine, engines.Options{Parallelism: 0, Guarantee: def}); err == nil || !strings.Contains(err.Error(), "parallelism") {
		t.Errorf("parallelism 0: error %v, want it refused", err)
	}
	_, err := inst.Pipeline(engine, engines.Options{Parallelism: 1, Guarantee: def, Conf: engines.Conf{"no.such.setting": "1"}})
	var ce *engines.ConfError
	if !errors.As(err, &ce) || ce.Key != "no.such.setting" {
		t.Errorf("an unknown setting: error %v, want a ConfError naming it", err)
	}
}

// settingsChecks are, per engine, options and settings the engine must then
// report: a pipeline hands its options to the engine unchanged.
var settingsChecks = map[string][]struct {
	opts engines.Options
	want map[string]string
}{
	"core": {
		{engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{core.TopologyMaxSpoutPending: "77", core.TopologyWorkers: "2"}},
			map[string]string{core.TopologyMaxSpoutPending: "77", core.TopologyWorkers: "2"}},
		{engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce}, map[string]string{core.TopologyAckerExecutors: "0"}},
	},
	"microbatch": {
		{engines.Options{Parallelism: 3, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{microbatch.ConfBatchDuration: "250ms"}},
			map[string]string{"batchInterval": "250ms", "spark.master": "local[3]", "input": "direct stream + checkpointed offsets and state"}},
	},
	"trident": {
		{engines.Options{Parallelism: 2, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentSpoutBatchSize: "77", trident.TridentStateKind: "opaque"}},
			map[string]string{trident.TridentSpoutBatchSize: "77", trident.TridentStateKind: "opaque"}},
	},
}

func settingsReachTheEngine(t *testing.T, inst workloads.Instance, engine string) {
	for _, tc := range settingsChecks[engine] {
		eng, err := inst.Pipeline(engine, tc.opts)
		if err != nil {
			t.Fatalf("%s at %s: %v", engine, tc.opts.Guarantee, err)
		}
		s := eng.Settings()
		for k, v := range tc.want {
			if got := fmt.Sprint(s[k]); got != v {
				t.Errorf("%s at %s: %s is %s, want %s (settings %v)", engine, tc.opts.Guarantee, k, got, v, s)
			}
		}
	}
}

// Benchmark measures inst's pipeline on engine in every mode the engine
// offers and at parallelism 1 and 2 over records records of the given
// partitions, filled once beforehand so that only the pipeline is timed,
// with a sink that keeps nothing, and reports records/s: the figures to set
// beside the workload's baseline.
func Benchmark(b *testing.B, inst workloads.Instance, engine string, partitions int, records int64) {
	recs := make([][]engines.Record, partitions)
	for p := range recs {
		for o := range records / int64(partitions) {
			r := engines.Record{Partition: int32(p), Offset: o}
			inst.Fill(&r)
			r.Intended = r.EventTime
			recs[p] = append(recs[p], r)
		}
	}
	discard := engines.SinkFunc(func([]engines.Output) error { return nil })
	for _, m := range Modes(engine) {
		for _, par := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/parallelism=%d", strings.TrimPrefix(m.String(), engine+"/"), par), func(b *testing.B) {
				opts := engines.Options{Parallelism: par, Guarantee: m.Guarantee, Conf: m.Conf}
				b.ReportAllocs()
				var n int64
				for b.Loop() {
					eng, err := inst.Pipeline(engine, opts)
					if err != nil {
						b.Fatal(err)
					}
					src := enginetest.NewMemSource(partitions)
					for p := range recs {
						src.Append(p, recs[p]...)
					}
					src.CloseAll()
					if err := eng.Run(context.Background(), src, discard); err != nil {
						b.Fatal(err)
					}
					n += records / int64(partitions) * int64(partitions)
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// IntendedNeverGoesBack fails t if the updates of some windowed result
// carry an Intended time earlier than an update of it before: a window's
// Intended is the latest intended time of its input so far, which only
// grows.
func IntendedNeverGoesBack(t *testing.T, outs []engines.Output) {
	t.Helper()
	last := map[workloads.Key]int64{}
	for _, o := range outs {
		if o.Window == 0 || o.Event {
			continue
		}
		k := workloads.Key{Key: o.Key, Window: o.Window}
		if o.Intended < last[k] {
			t.Fatalf("%q window %d: intended went back from %d to %d", k.Key, k.Window, last[k], o.Intended)
		}
		last[k] = o.Intended
	}
}

// RunThroughTimeouts runs job, whose clock is clock, over src into a sink
// whose first write blocks until every tuple tree in flight has timed out,
// and returns what the sink received once the run has finished. Once a
// write is blocked, two rotations of the spouts' pending maps time out every
// tree in flight; fifty make sure the spout executors took their ticks.
// Then the sink lets the writes through, and time goes on more slowly, so
// that the replays complete and the acker entries left by acks of timed-out
// trees expire, as in Storm.
func RunThroughTimeouts(t *testing.T, job engines.Engine, clock *core.ManualClock, src engines.Source) []engines.Output {
	t.Helper()
	collect := &enginetest.CollectSink{}
	blocked, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sink := engines.SinkFunc(func(outs []engines.Output) error {
		once.Do(func() { // the first write waits out the timeouts
			close(blocked)
			<-release
		})
		return collect.Write(outs)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx, src, sink) }()
	select {
	case <-blocked:
	case err := <-done:
		t.Fatalf("the run ended (%v) without writing", err)
	}
	for range 50 {
		time.Sleep(2 * time.Millisecond)
		clock.Advance(30 * time.Second)
	}
	close(release)
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return collect.Outputs()
		case <-time.After(20 * time.Millisecond):
			clock.Advance(30 * time.Second)
		}
	}
}
