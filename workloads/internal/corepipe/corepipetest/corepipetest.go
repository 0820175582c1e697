// Package corepipetest checks what every workload's core (Storm) pipeline
// owes: the oracle's answer at both guarantees Storm core offers and at
// parallelism 1 and 2, exactly-once and bad configuration files refused
// with the way out, a stop on cancel and on a failing sink that leaves no
// goroutine behind.
package corepipetest

import (
	"context"
	"fmt"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Guarantees are the delivery guarantees Storm core offers.
var Guarantees = []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce}

// MatchesOracle runs inst's core pipeline over the first n records of each
// of the given partitions at every guarantee core offers and at parallelism
// 1 and 2, and fails t unless each run gives the oracle's answer. check, if
// not nil, looks further at each run's outputs.
func MatchesOracle(t *testing.T, inst workloads.Instance, partitions int, n int64, check func(t *testing.T, outs []engines.Output)) {
	t.Helper()
	for _, g := range Guarantees {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(t *testing.T) {
				workloadtest.NoGoroutinesLeft(t)
				opts := workloads.Options{Parallelism: par, Guarantee: g}
				outs := workloadtest.RunPipeline(t, inst, "core", opts, partitions, n)
				if len(outs) == 0 {
					t.Fatal("no outputs")
				}
				if check != nil {
					check(t, outs)
				}
			})
		}
	}
}

// Refuses fails t unless inst's core pipeline refuses exactly-once with a
// pointer to Trident, refuses bad configuration files naming the problem,
// and takes a good file's settings.
func Refuses(t *testing.T, inst workloads.Instance) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		opts workloads.Options
		want string
	}{
		{"exactly-once", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce}, "use --engine trident"},
		{"unknown key in the config file", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, ConfigFile: write("typo.yaml", "topology.wokers: 2\n")}, `"topology.wokers"`},
		{"ill-typed key", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, ConfigFile: write("type.yaml", "topology.max.spout.pending: lots\n")}, "is not an integer"},
		{"no ackers at at-least-once", workloads.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, ConfigFile: write("noack.yaml", "topology.acker.executors: 0\n")}, "at-least-once needs ackers"},
		{"missing file", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, ConfigFile: filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"no parallelism", workloads.Options{Parallelism: 0, Guarantee: engines.AtLeastOnce}, "parallelism"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inst.Pipeline("core", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("settings", func(t *testing.T) {
		opts := workloads.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, ConfigFile: write("ok.yaml", "topology.max.spout.pending: 77\ntopology.workers: 2\n")}
		eng, err := inst.Pipeline("core", opts)
		if err != nil {
			t.Fatal(err)
		}
		s := eng.Settings()
		if s[core.TopologyMaxSpoutPending] != 77 || s[core.TopologyWorkers] != 2 {
			t.Fatalf("settings %v ignore the file", s)
		}
		eng, err = inst.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce})
		if err != nil {
			t.Fatal(err)
		}
		if s := eng.Settings(); s[core.TopologyAckerExecutors] != 0 {
			t.Fatalf("at-most-once runs %v ackers, want 0", s[core.TopologyAckerExecutors])
		}
	})
}

// StopsOnCancel runs inst's core pipeline at both guarantees and
// parallelism 1 and 2 over a source of the given partitions that never
// closes, waits until each partition's first records were read, cancels
// the run, and fails t unless Run returns context.Canceled and every
// goroutine the run started has stopped.
func StopsOnCancel(t *testing.T, inst workloads.Instance, partitions int) {
	t.Helper()
	for _, g := range Guarantees {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(t *testing.T) {
				workloadtest.StopsOnCancel(t, inst, "core", workloads.Options{Parallelism: par, Guarantee: g}, partitions, 50)
			})
		}
	}
}

// SinkFailure fails t unless a run of inst's core pipeline over the first
// n records of each partition, with a sink that refuses every write, ends
// with the sink's error and leaves no goroutine behind. n must be enough
// records for the pipeline to write something.
func SinkFailure(t *testing.T, inst workloads.Instance, partitions int, n int64) {
	t.Helper()
	for _, g := range Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			workloadtest.SinkFailure(t, inst, "core", workloads.Options{Parallelism: 2, Guarantee: g}, partitions, n)
		})
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

// Benchmark measures inst's core pipeline at both guarantees and at
// parallelism 1 and 2 over records records of the given partitions, filled
// once beforehand so that only the pipeline is timed, with a sink that
// keeps nothing, and reports records/s: the figure to set beside the
// workload's BenchmarkBaseline.
func Benchmark(b *testing.B, inst workloads.Instance, partitions int, records int64) {
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
	for _, g := range Guarantees {
		for _, par := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(b *testing.B) {
				b.ReportAllocs()
				var n int64
				for b.Loop() {
					eng, err := inst.Pipeline("core", workloads.Options{Parallelism: par, Guarantee: g})
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
