package wordcount

import (
	"context"
	"fmt"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads"
)

// BenchmarkTridentWordCount runs word count with persistent counts at
// exactly-once (transactional state) over 200k records at several batch
// sizes; the baseline loop runs the same records for the ratio:
//
//	go test -run XXX -bench TridentWordCount ./workloads/wordcount
func BenchmarkTridentWordCount(b *testing.B) {
	const perPart, parts = 50000, 4
	in, _ := New(workloads.Config{Seed: 1, Partitions: parts, EventStart: 1e18, EventRate: 1e6})
	src := enginetest.NewMemSource(parts)
	for p := range parts {
		for o := range int64(perPart) {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			src.Append(p, r)
		}
	}
	src.CloseAll()
	run := func(b *testing.B, engine string, opts engines.Options) {
		b.ReportAllocs()
		for b.Loop() {
			eng, err := in.Pipeline(engine, opts)
			if err != nil {
				b.Fatal(err)
			}
			if err := eng.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return nil })); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(perPart*parts)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("baseline", func(b *testing.B) {
		run(b, "baseline", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce})
	})
	for _, batch := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("trident/batch=%d", batch), func(b *testing.B) {
			run(b, "trident", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentSpoutBatchSize: fmt.Sprint(batch)}})
		})
	}
	// Two batches in flight: the spout emits one while the other commits.
	b.Run("trident/batch=10000/pending=2", func(b *testing.B) {
		run(b, "trident", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce,
			Conf: engines.Conf{trident.TridentSpoutBatchSize: "10000", core.TopologyMaxSpoutPending: "2"}})
	})
}
