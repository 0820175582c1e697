package wordcount

import (
	"fmt"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// oneUpdatePerOccurrence fails t unless outs hold one count update per
// occurrence of a word in the first n records of each partition of in, as
// a one-at-a-time pipeline writes them.
func oneUpdatePerOccurrence(t *testing.T, in *Instance, n int64, outs []engines.Output) {
	t.Helper()
	want := in.Expect(published(in, n))
	if got := int64(len(outs)); got != want.Total() {
		t.Errorf("%d updates, want one per occurrence: %d", got, want.Total())
	}
}

// batchesFold fails t unless each of outs names a record among the first n
// of its partition that holds the word, the oldest its merged update covers
// (every occurrence of the word before it in its partition was counted by an
// earlier update), and there are fewer outputs than occurrences: one output
// per word per batch.
func batchesFold(t *testing.T, in *Instance, n int64, outs []engines.Output) {
	t.Helper()
	prev := map[string]int64{}
	for _, o := range outs {
		var before int64
		for off := range o.Offset {
			r := engines.Record{Partition: o.Partition, Offset: off}
			in.Fill(&r)
			before += int64(Occurrences(o.Key, r.Value))
		}
		if before > prev[o.Key] {
			t.Fatalf("output %+v after a count of %d: %d occurrences before its record in its partition, so it does not name the oldest record it covers",
				o, prev[o.Key], before)
		}
		prev[o.Key] = max(prev[o.Key], o.Value)
		r := engines.Record{Partition: o.Partition, Offset: o.Offset}
		in.Fill(&r)
		found := false
		for _, w := range SplitWords(nil, r.Value) {
			found = found || w == o.Key
		}
		if !found || o.Offset >= n {
			t.Fatalf("output %+v names record %q, which does not hold the word", o, r.Value)
		}
	}
	if want := in.Expect(published(in, n)); int64(len(outs)) >= want.Total() {
		t.Errorf("%d outputs for %d occurrences: batches should fold them", len(outs), want.Total())
	}
}

// published says n records of each of in's partitions were published.
func published(in *Instance, n int64) []int64 {
	p := make([]int64, in.cfg.Partitions)
	for i := range p {
		p[i] = n
	}
	return p
}

func TestConformance(t *testing.T) {
	quiet, _ := New(testConfig(1, 4))
	oracle, _ := New(testConfig(11, 4))
	tridentOracle, _ := New(testConfig(13, 4))
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  oracle, Partitions: 4, Records: 300,
		Check: func(t *testing.T, engine string, outs []engines.Output) {
			switch engine {
			case "core":
				oneUpdatePerOccurrence(t, oracle, 300, outs)
			case "baseline":
				batchesFold(t, oracle, 300, outs)
			}
		},
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  tridentOracle, Partitions: 4, Records: 300,
		Conf:  map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "100"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) { batchesFold(t, tridentOracle, 300, outs) },
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}

// TestOtherShapes runs the pipelines at parallelisms and batch sizes the
// conformance suite does not: more executors than the suite's two, and
// Trident batches that do not divide the input.
func TestOtherShapes(t *testing.T) {
	for _, tc := range []struct {
		engine string
		opts   engines.Options
		seed   uint64
		check  func(*testing.T, *Instance, int64, []engines.Output)
	}{
		{"baseline", engines.Options{Parallelism: 4, Guarantee: engines.AtMostOnce}, 11, batchesFold},
		{"core", engines.Options{Parallelism: 3, Guarantee: engines.AtMostOnce}, 11, oneUpdatePerOccurrence},
		{"core", engines.Options{Parallelism: 3, Guarantee: engines.AtLeastOnce}, 11, oneUpdatePerOccurrence},
		{"trident", engines.Options{Parallelism: 2, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentStateKind: "transactional", trident.TridentSpoutBatchSize: "37"}}, 13, batchesFold},
		{"trident", engines.Options{Parallelism: 3, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentStateKind: "opaque", trident.TridentSpoutBatchSize: "250"}}, 13, batchesFold},
		{"trident", engines.Options{Parallelism: 2, Guarantee: engines.AtMostOnce, Conf: engines.Conf{trident.TridentSpoutBatchSize: "64"}}, 13, batchesFold},
	} {
		t.Run(fmt.Sprintf("%s/%s/parallelism=%d/%v", tc.engine, tc.opts.Guarantee, tc.opts.Parallelism, tc.opts.Conf), func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			in, _ := New(testConfig(tc.seed, 4))
			sink := runPipeline(t, in, tc.engine, tc.opts, 300)
			want := in.Expect(published(in, 300))
			got := sink.Final()
			if len(got) != len(want.Counts) {
				t.Fatalf("%d words counted, oracle has %d", len(got), len(want.Counts))
			}
			for k, v := range want.Counts {
				if got[k.Key] != v {
					t.Errorf("%q: counted %d, oracle %d", k.Key, got[k.Key], v)
				}
			}
			tc.check(t, in, 300, sink.Outputs())
		})
	}
}
