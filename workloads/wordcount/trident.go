package wordcount

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// tridentPipeline is word count as a Trident user writes it, over the
// run's source exposed as a partitioned batch spout:
//
//	stream.Each(["value"], Split, ["word"])
//	      .GroupBy(["word"])
//	      .Aggregate(["record"], WordBatch, ["n", "oldest"])      // combined per spout task first
//	      .PartitionPersist(counts, CountUpdater, ["out"])
//	      .NewValuesStream()
//	      .PartitionPersist(sink, ["out"], WriteOutputs)            // one output per word per batch
//
// These are the two halves of persistentAggregate(Count) written out: the
// grouped combiner aggregate, partial on each spout task before the
// repartition by word, and the map state update with Count's Combine, in
// txid order at commit. Written out, the batch's oldest record of each word
// travels with its count, so each output can name it and the harness can
// time it.
//
// Exactly-once uses a transactional spout and state (trident.state
// transactional, the default) or an opaque spout and state (opaque). At-most-once
// uses a non-transactional spout and state: a failed batch is neither
// replayed nor undone.
func tridentPipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("wordcount", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("sentences", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(tuple.NewFields("value"), &SplitFunction{}, tuple.NewFields("word")).
			GroupBy(tuple.NewFields("word")).
			Aggregate(tuple.NewFields("record"), WordBatch{}, tuple.NewFields("batch")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, CountUpdater{}, trident.OutFields).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// SplitFunction is the Each function of word count: one "word" per word of
// the sentence, split by SplitWords. Each copies what a function emits, so
// one output slice serves every emit. Each task gets its own copy (Clone).
type SplitFunction struct {
	out   tuple.Values
	words []string
}

var (
	_ operation.Function = (*SplitFunction)(nil)
	_ operation.Cloner   = (*SplitFunction)(nil)
)

// Clone implements operation.Cloner.
func (f *SplitFunction) Clone() any { return &SplitFunction{out: make(tuple.Values, 1)} }

// Execute implements operation.Function.
func (f *SplitFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	if f.out == nil {
		f.out = make(tuple.Values, 1)
	}
	f.words = SplitWords(f.words[:0], t.GetString(0))
	for _, w := range f.words {
		f.out[0] = w
		c.Emit(f.out)
	}
}

// wordBatch is a word's count in a batch and the oldest record it came
// from.
type wordBatch struct {
	n      int64
	oldest *engines.Record
}

// WordBatch is a CombinerAggregator of a word's occurrences in a batch and
// its oldest record; its input is the "record" field (*engines.Record).
// It allocates nothing per occurrence: Init's value for one occurrence is
// the record itself, and Combine adds into its first argument, which is
// always a *wordBatch this aggregator made for the batch with Zero.
type WordBatch struct{}

var _ operation.CombinerAggregator = WordBatch{}

// Init counts one occurrence: the record it is in.
func (WordBatch) Init(t tuple.Tuple) any {
	r, _ := t.Get(0).(*engines.Record)
	return r
}

// Combine adds b, one occurrence (a record) or a partial count, into a.
func (WordBatch) Combine(a, b any) any {
	x := a.(*wordBatch)
	var n int64
	var oldest *engines.Record
	switch y := b.(type) {
	case *engines.Record:
		n, oldest = 1, y
	case *wordBatch:
		n, oldest = y.n, y.oldest
	}
	x.n += n
	if x.oldest == nil || (oldest != nil && oldest.Intended < x.oldest.Intended) {
		x.oldest = oldest
	}
	return x
}

// Zero is no occurrence.
func (WordBatch) Zero() any { return &wordBatch{} }

// CountUpdater adds each word's batch count to its count in a map state
// (the update persistentAggregate(Count) makes) and emits ["out"]: the
// word's count after the batch as an engines.Output naming the batch's
// oldest record of the word. Its input tuples are [word, batch], where
// batch is the *wordBatch from WordBatch.
type CountUpdater struct{}

var _ state.StateUpdater = CountUpdater{}

// UpdateState implements state.StateUpdater.
func (CountUpdater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(state.MapState)
	if !ok {
		return fmt.Errorf("word count needs a map state, got %T", s)
	}
	// One allocation each for the keys and the updaters of the batch, not
	// one per word.
	keys := make([][]any, len(tuples))
	words := make([]any, len(tuples))
	adds := make([]state.CombinerValueUpdater, len(tuples))
	ups := make([]state.ValueUpdater, len(tuples))
	for i, t := range tuples {
		words[i] = t.Get(0)
		keys[i] = words[i : i+1 : i+1]
		adds[i] = state.CombinerValueUpdater{Agg: builtin.Count{}, Arg: t.Get(1).(*wordBatch).n}
		ups[i] = &adds[i]
	}
	counts, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for i, t := range tuples {
		o := engines.Output{Key: t.GetString(0), Value: counts[i].(int64)}
		if r := t.Get(1).(*wordBatch).oldest; r != nil {
			o.Partition, o.Offset, o.Intended = r.Partition, r.Offset, r.Intended
		}
		c.Emit(tuple.Values{o})
	}
	return nil
}
