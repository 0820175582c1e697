package wordcount

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

// noGoroutinesLeft fails the test if goroutines started during it are
// still running at its end.
func noGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines left behind", runtime.NumGoroutine()-before)
			}
		}
	})
}

func TestCoreMatchesOracle(t *testing.T) {
	noGoroutinesLeft(t)
	for _, g := range []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce} {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(t *testing.T) {
				in, _ := New(testConfig(11, 4))
				opts := workloads.Options{Parallelism: par, Guarantee: g}
				eng, err := in.Pipeline("core", opts)
				if err != nil {
					t.Fatal(err)
				}
				sink := runPipeline(t, in, "core", opts, 300)
				want := in.Expect([]int64{300, 300, 300, 300})
				got := sink.Final()
				if len(got) != len(want.Counts) {
					t.Fatalf("%d words counted, oracle has %d", len(got), len(want.Counts))
				}
				for k, v := range want.Counts {
					if got[k.Key] != v {
						t.Errorf("%q: counted %d, oracle %d", k.Key, got[k.Key], v)
					}
				}
				if outs := int64(len(sink.Outputs())); outs != want.Total() {
					t.Errorf("%d updates, want one per occurrence: %d", outs, want.Total())
				}
				// The engine's settings use Storm's names.
				s := eng.Settings()
				if _, ok := s[core.TopologyAckerExecutors]; !ok {
					t.Errorf("settings %v lack %s", s, core.TopologyAckerExecutors)
				}
			})
		}
	}
}

func TestCoreMetrics(t *testing.T) {
	in, _ := New(testConfig(3, 2))
	eng, err := in.Pipeline("core", workloads.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce})
	if err != nil {
		t.Fatal(err)
	}
	src := enginetest.NewMemSource(2)
	for p := range 2 {
		for o := range int64(100) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			src.Append(p, r)
		}
	}
	src.CloseAll()
	if err := eng.Run(context.Background(), src, &enginetest.CollectSink{}); err != nil {
		t.Fatal(err)
	}
	m, ok := eng.(engines.MetricsReporter).Metrics().(core.TopologyMetrics)
	if !ok {
		t.Fatalf("metrics %T", eng.(engines.MetricsReporter).Metrics())
	}
	for _, c := range m.Components {
		if c.Component == "sentences" && c.Acked != 200 {
			t.Errorf("spout acked %d trees, want 200", c.Acked)
		}
	}
}

func TestCoreRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	in, _ := New(testConfig(1, 2))
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := in.Pipeline("core", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// A valid file is taken, below the pipeline's own choices.
	opts := workloads.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, ConfigFile: write("ok.yaml", "topology.max.spout.pending: 77\ntopology.workers: 2\n")}
	eng, err := in.Pipeline("core", opts)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.Settings()
	if s[core.TopologyMaxSpoutPending] != 77 || s[core.TopologyWorkers] != 2 {
		t.Fatalf("settings %v ignore the file", s)
	}
}

// TestCoreStopsOnCancel: a run over a source that never closes ends with
// ctx.Err() when cancelled.
func TestCoreStopsOnCancel(t *testing.T) {
	noGoroutinesLeft(t)
	in, _ := New(testConfig(1, 2))
	eng, _ := in.Pipeline("core", workloads.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce})
	src := enginetest.NewMemSource(2)
	src.AppendValues(0, "a b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx, src, &enginetest.CollectSink{}) }()
	for deadline := time.Now().Add(10 * time.Second); src.Read(0) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("records never read")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

// TestCoreSinkFailure: a sink that refuses writes ends the run with its
// error, reported by the count bolt.
func TestCoreSinkFailure(t *testing.T) {
	noGoroutinesLeft(t)
	in, _ := New(testConfig(1, 2))
	eng, _ := in.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce})
	src := enginetest.NewMemSource(2)
	src.AppendValues(0, "a b", "c")
	src.CloseAll()
	boom := errors.New("sink closed")
	err := eng.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return boom }))
	if !errors.Is(err, boom) {
		t.Fatalf("Run returned %v, want the sink's error", err)
	}
}

// BenchmarkCoreWordCount runs the core topology over 200,000 records in
// memory with a sink that keeps nothing, at both guarantees, beside
// BenchmarkBaselineWordCount's loop: the engine's cost without the
// harness's driver and sink.
func BenchmarkCoreWordCount(b *testing.B) {
	for _, g := range []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce} {
		b.Run(g.String(), func(b *testing.B) {
			in, _ := New(workloads.Config{Seed: 1, Partitions: 2, EventRate: 1})
			const n = 200000
			recs := make([][]engines.Record, 2)
			for p := range recs {
				for o := range int64(n / 2) {
					r := engines.Record{Partition: int32(p), Offset: o}
					in.Fill(&r)
					recs[p] = append(recs[p], r)
				}
			}
			b.ReportAllocs()
			var records int64
			for b.Loop() {
				src := enginetest.NewMemSource(2)
				for p := range recs {
					src.Append(p, recs[p]...)
				}
				src.CloseAll()
				eng, err := in.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: g})
				if err != nil {
					b.Fatal(err)
				}
				if err := eng.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return nil })); err != nil {
					b.Fatal(err)
				}
				records += n
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
