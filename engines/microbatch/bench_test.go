package microbatch

import (
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// benchLines returns n sentences of ten words over a 1000-word vocabulary.
func benchLines(n int) []string {
	lines := make([]string, n)
	var b strings.Builder
	for i := range lines {
		b.Reset()
		for j := range 10 {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "w%d", (i*7+j*13)%1000)
		}
		lines[i] = b.String()
	}
	return lines
}

func blocksOf(lines []string, blocks int) [][]string {
	parts := make([][]string, blocks)
	for i, l := range lines {
		parts[i%blocks] = append(parts[i%blocks], l)
	}
	return parts
}

// BenchmarkMapFilterBatch measures one batch of fused narrow
// transformations: map, filter, flatMap and a count, over 5 blocks.
func BenchmarkMapFilterBatch(b *testing.B) {
	sc, _ := rdd.NewContext("local[2]")
	parts := blocksOf(benchLines(100_000), 5)
	b.ReportAllocs()
	for b.Loop() {
		r := rdd.FromPartitions(sc, "BlockRDD", parts, nil)
		upper := rdd.Map(r, strings.ToUpper)
		long := upper.Filter(func(s string) bool { return len(s) > 20 })
		words := rdd.FlatMap(long, strings.Fields)
		if _, err := words.Count(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReduceByKeyBatch measures one word-count batch: split, pair,
// reduceByKey with map-side combine and a hash shuffle into 2 partitions.
func BenchmarkReduceByKeyBatch(b *testing.B) {
	sc, _ := rdd.NewContext("local[2]")
	parts := blocksOf(benchLines(100_000), 5)
	b.ReportAllocs()
	for b.Loop() {
		r := rdd.FromPartitions(sc, "BlockRDD", parts, nil)
		pairs := rdd.MapPartitions(r, func(lines iter.Seq[string]) iter.Seq[Pair[string, int]] {
			return func(yield func(Pair[string, int]) bool) {
				for l := range lines {
					for _, w := range strings.Fields(l) {
						if !yield(KV(w, 1)) {
							return
						}
					}
				}
			}
		})
		counts := rdd.ReduceByKey(pairs, func(a, c int) int { return a + c }, 2)
		if err := counts.ForeachPartition(func(int, iter.Seq[Pair[string, int]]) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStreamingWordCount runs the stateful word count through a whole
// StreamingContext: a receiver, blocks, batches, mapWithState, an output.
// Batches are driven by a manual clock, so the figure is processing speed.
func BenchmarkStreamingWordCount(b *testing.B) {
	lines := benchLines(50_000)
	h := newHarness(b, time.Second, NewConf().Set(ConfBlockInterval, "200ms"))
	if err := h.ssc.Checkpoint(b.TempDir()); err != nil {
		b.Fatal(err)
	}
	recv := &counterReceiver{}
	in := ReceiverStream[int](h.ssc, recv)
	words := MapPartitions(in, func(ids iter.Seq[int]) iter.Seq[Pair[string, int64]] {
		return func(yield func(Pair[string, int64]) bool) {
			for i := range ids {
				for _, w := range strings.Fields(lines[i]) {
					if !yield(KV(w, int64(1))) {
						return
					}
				}
			}
		}
	})
	counts := MapWithState(ReduceByKey(words, func(a, c int64) int64 { return a + c }, 2),
		StateSpecFunction(func(w string, n Option[int64], s *State[int64]) int64 { s.Update(s.Get() + n.Value); return s.Get() }).NumPartitions(2))
	counts.ForeachRDD(func(r *rdd.RDD[int64], _ Time) error {
		return r.ForeachPartition(func(int, iter.Seq[int64]) error { return nil })
	})
	h.start()
	ids := make([]int, len(lines))
	for i := range ids {
		ids[i] = i
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(ids); i += 10_000 {
			if err := recv.StoreMany(ids[i:i+10_000], nil); err != nil {
				b.Fatal(err)
			}
		}
		h.runBatches(1)
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "records/s")
}
