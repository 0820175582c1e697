package trident_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// BenchmarkPersistentAggregate is the canonical Trident word count,
// Each(Split).GroupBy(word).PersistentAggregate(Count) into transactional
// state (exactly-once), over 200k seeded sentences of 10 words in 4
// partitions, at batch sizes of 1k, 10k and 100k records:
//
//	go test -run XXX -bench PersistentAggregate ./engines/trident
func BenchmarkPersistentAggregate(b *testing.B) {
	const records, parts = 200000, 4
	rng := rand.New(rand.NewPCG(1, 1))
	vocab := make([]string, 1000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	src := enginetest.NewMemSource(parts)
	words := make([]string, 10)
	for i := range records {
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
		}
		src.AppendValues(i%parts, strings.Join(words, " "))
	}
	src.CloseAll()
	for _, batch := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				job, err := trident.NewJob("wc", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, core.TopologyMaxSpoutPending: 2},
					func(src engines.Source, _ engines.Sink) (*trident.TridentTopology, error) {
						sp, err := spout.NewSourceSpout(src, spout.Transactional, batch)
						if err != nil {
							return nil, err
						}
						topo := trident.NewTridentTopology()
						topo.NewStream("sentences", sp).
							Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
							GroupBy(tuple.NewFields("word")).
							PersistentAggregate(state.NewMemoryMapStateFactory(state.Transactional), nil, builtin.Count{}, tuple.NewFields("count"))
						return topo, nil
					})
				if err != nil {
					b.Fatal(err)
				}
				if err := job.Run(context.Background(), src, &enginetest.CollectSink{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
