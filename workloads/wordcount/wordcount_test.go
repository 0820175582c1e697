package wordcount

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
)

func testConfig(seed uint64, partitions int) workloads.Config {
	return workloads.Config{Seed: seed, Partitions: partitions, EventStart: 1e18, EventRate: 1000,
		Params: map[string]string{"sentences": "512", "vocabulary": "200"}}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"the cat sat", []string{"the", "cat", "sat"}},
		{"  two  spaces ", []string{"two", "spaces"}},
	} {
		got := SplitWords(nil, tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("SplitWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if want := strings.Fields(tc.in); len(want) != len(got) {
			t.Errorf("SplitWords(%q) disagrees with strings.Fields: %q", tc.in, want)
		}
	}
}

// TestGeneratorDeterminism: the same seed gives the same records whatever
// order partitions and offsets are read in; another seed gives others.
func TestGeneratorDeterminism(t *testing.T) {
	a, err := New(testConfig(7, 3))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(testConfig(7, 3))
	c, _ := New(testConfig(8, 3))
	var forward []engines.Record
	for p := range 3 {
		for o := range int64(50) {
			r := engines.Record{Partition: int32(p), Offset: o}
			a.Fill(&r)
			forward = append(forward, r)
		}
	}
	differ := 0
	for i := len(forward) - 1; i >= 0; i-- { // read backwards on b
		r := engines.Record{Partition: forward[i].Partition, Offset: forward[i].Offset}
		b.Fill(&r)
		if r != forward[i] {
			t.Fatalf("record %d/%d: %+v, then %+v", r.Partition, r.Offset, forward[i], r)
		}
		c.Fill(&r)
		if r.Value != forward[i].Value {
			differ++
		}
	}
	if differ < len(forward)/2 {
		t.Errorf("seed 8 reproduced %d of %d records of seed 7", len(forward)-differ, len(forward))
	}
	// Event times follow the stream position: record g at EventStart + g/rate.
	r := engines.Record{Partition: 2, Offset: 4} // g = 4*3+2 = 14
	a.Fill(&r)
	if want := int64(1e18 + 14*1e6); r.EventTime != want {
		t.Errorf("event time %d, want %d", r.EventTime, want)
	}
}

// TestGeneratorDistribution: Zipf frequencies, short frequent words, sane
// sentence lengths.
func TestGeneratorDistribution(t *testing.T) {
	in, err := New(workloads.Config{Seed: 1, Partitions: 1, EventRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	exp := in.Expect([]int64{200000})
	top := exp.Counts[workloads.Key{Key: in.vocab[0]}]
	tenth := exp.Counts[workloads.Key{Key: in.vocab[9]}]
	// With s = 1.1, P(1)/P(10) = 10^1.1 = 12.6.
	if ratio := float64(top) / float64(tenth); ratio < 8 || ratio > 18 {
		t.Errorf("rank 1 / rank 10 frequency = %.1f, want about 12.6", ratio)
	}
	if mean := float64(exp.Total()) / 200000; mean < 8 || mean > 12 {
		t.Errorf("mean words per sentence %.2f, want about 10", mean)
	}
	if len(in.vocab[0]) > len(in.vocab[len(in.vocab)-1]) {
		t.Errorf("most frequent word %q is longer than the rarest %q", in.vocab[0], in.vocab[len(in.vocab)-1])
	}
	if in.RecordBytes() < 30 || in.RecordBytes() > 120 {
		t.Errorf("mean record size %.0f bytes", in.RecordBytes())
	}
}

// TestOracleHandMade checks the oracle against counts made by hand from the
// records themselves.
func TestOracleHandMade(t *testing.T) {
	in, _ := New(testConfig(3, 2))
	published := []int64{5, 4}
	want := map[workloads.Key]int64{}
	for p, n := range published {
		for o := range n {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			for _, w := range strings.Fields(r.Value) {
				want[workloads.Key{Key: w}]++
			}
		}
	}
	got := in.Expect(published)
	if len(got.Counts) != len(want) || len(got.Exact) != 0 {
		t.Fatalf("oracle has %d keys, hand count %d", len(got.Counts), len(want))
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%q: oracle %d, hand count %d", k.Key, got.Counts[k], v)
		}
	}
	if none := in.Expect([]int64{0, 0}); len(none.Counts) != 0 {
		t.Errorf("nothing published, oracle expects %d keys", len(none.Counts))
	}
}

func TestBadParams(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"zipf": "1"}, "zipf"},
		{map[string]string{"zipf": "x"}, "zipf"},
		{map[string]string{"vocabulary": "-5"}, "vocabulary"},
		{map[string]string{"colour": "red"}, `no parameter "colour"`},
		{map[string]string{"words-per-sentence": "0"}, "words-per-sentence"},
	} {
		_, err := New(workloads.Config{Seed: 1, Partitions: 1, EventRate: 1, Params: tc.params})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.want)
		}
	}
}

// runPipeline runs engine on the first n records of each partition and
// returns the sink's final counts.
func runPipeline(t *testing.T, in *Instance, engine string, opts engines.Options, n int64) *enginetest.CollectSink {
	t.Helper()
	eng, err := in.Pipeline(engine, opts)
	if err != nil {
		t.Fatal(err)
	}
	src := enginetest.NewMemSource(in.cfg.Partitions)
	for p := range in.cfg.Partitions {
		for o := range n {
			r := engines.Record{Partition: int32(p), Offset: o}
			in.Fill(&r)
			src.Append(p, r)
		}
	}
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	if err := eng.Run(context.Background(), src, sink); err != nil {
		t.Fatalf("%s: %v", engine, err)
	}
	return sink
}

func TestBaselineRefuses(t *testing.T) {
	in, _ := New(testConfig(1, 2))
	if _, err := in.Pipeline("nosuch", engines.Options{Parallelism: 1}); !errors.Is(err, workloads.ErrUnsupportedEngine) {
		t.Errorf("unknown engine: %v", err)
	}
	// More workers than partitions: one reader per partition, every worker
	// a counter.
	eng, _ := in.Pipeline("baseline", engines.Options{Parallelism: 3, Guarantee: engines.AtMostOnce})
	src := enginetest.NewMemSource(2)
	src.AppendValues(0, "a b a")
	src.AppendValues(1, "b")
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	if err := eng.Run(context.Background(), src, sink); err != nil {
		t.Fatalf("3 workers on 2 partitions: %v", err)
	}
	if got := sink.Final(); got["a"] != 2 || got["b"] != 2 {
		t.Errorf("3 workers on 2 partitions counted %v", got)
	}
}

func BenchmarkBaselineWordCount(b *testing.B) {
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprint("parallelism=", par), func(b *testing.B) {
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
				eng, _ := in.Pipeline("baseline", engines.Options{Parallelism: par, Guarantee: engines.AtMostOnce})
				if err := eng.Run(context.Background(), src, engines.SinkFunc(func([]engines.Output) error { return nil })); err != nil {
					b.Fatal(err)
				}
				records += n
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
