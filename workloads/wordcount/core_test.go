package wordcount

import (
	"context"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

func TestCoreMetrics(t *testing.T) {
	in, _ := New(testConfig(3, 2))
	eng, err := in.Pipeline("core", engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce})
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
				eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: g})
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
