package wordcount

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

func TestTridentMatchesOracle(t *testing.T) {
	tests := []struct {
		guarantee engines.Guarantee
		state     string
		par       int
		batch     int
	}{
		{engines.ExactlyOnce, "", 1, 100},
		{engines.ExactlyOnce, "transactional", 2, 37},
		{engines.ExactlyOnce, "opaque", 3, 250},
		{engines.AtMostOnce, "", 2, 64},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v/%s/p=%d/batch=%d", tc.guarantee, tc.state, tc.par, tc.batch), func(t *testing.T) {
			in, _ := New(testConfig(13, 4))
			sink := runPipeline(t, in, "trident", workloads.Options{Parallelism: tc.par, Guarantee: tc.guarantee, State: tc.state, BatchSize: tc.batch}, 300)
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
			// One output per word per committed batch, naming a record of
			// the batch that holds the word.
			for _, o := range sink.Outputs() {
				r := engines.Record{Partition: o.Partition, Offset: o.Offset}
				in.Fill(&r)
				found := false
				for _, w := range SplitWords(nil, r.Value) {
					found = found || w == o.Key
				}
				if !found || o.Offset >= 300 {
					t.Fatalf("output %+v names record %q, which does not hold the word", o, r.Value)
				}
			}
			if outs := int64(len(sink.Outputs())); outs >= want.Total() {
				t.Errorf("%d outputs for %d occurrences: batches should fold them", outs, want.Total())
			}
		})
	}
}

func TestTridentRefuses(t *testing.T) {
	in, _ := New(testConfig(1, 2))
	for _, opts := range []workloads.Options{
		{Parallelism: 1, Guarantee: engines.AtLeastOnce},
		{Parallelism: 1, Guarantee: engines.ExactlyOnce, State: "snapshot"},
		{Parallelism: 1, Guarantee: engines.AtMostOnce, State: "opaque"},
		{Parallelism: 1, Guarantee: engines.ExactlyOnce, BatchSize: -5},
		{Parallelism: 1, Guarantee: engines.ExactlyOnce, ConfigFile: "/nonexistent/storm.yaml"},
	} {
		if _, err := in.Pipeline("trident", opts); err == nil {
			t.Errorf("Pipeline(trident, %+v) accepted", opts)
		}
	}
}

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
	run := func(b *testing.B, engine string, opts workloads.Options) {
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
		run(b, "baseline", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce})
	})
	for _, batch := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("trident/batch=%d", batch), func(b *testing.B) {
			run(b, "trident", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, BatchSize: batch})
		})
	}
	// Two batches in flight: the spout emits one while the other commits.
	b.Run("trident/batch=10000/pending=2", func(b *testing.B) {
		conf := filepath.Join(b.TempDir(), "storm.yaml")
		if err := os.WriteFile(conf, []byte("topology.max.spout.pending: 2\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		run(b, "trident", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, BatchSize: 10000, ConfigFile: conf})
	})
}
