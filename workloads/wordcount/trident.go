package wordcount

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads"
)

// Trident's defaults for word count, where the configuration file leaves
// them unset.
const (
	defaultTridentBatchSize = 10000
	// Storm's 500 ms between batch starts would cap a 10k-record batch at
	// 20k records/s; word count starts the next batch as soon as there is
	// room for it.
	// The coordinator still starts a batch only when the source has new
	// records (spout.Readier), so an idle source does not cycle empty ones.
	defaultTridentEmitIntervalMillis = 0
)

// tridentPipeline is word count as a Trident user writes it, over the
// run's source exposed as a partitioned batch spout:
//
//	stream.Each(["value"], Split, ["word"])
//	      .GroupBy(["word"])
//	      .Aggregate(["record"], WordBatch, ["n", "oldest"])      // combined per spout task first
//	      .PartitionPersist(counts, CountUpdater, ["word", "count", "oldest"])
//	      .NewValuesStream()
//	      .PartitionAggregate(SinkWriter)                          // one output per word per batch
//
// These are the two halves of persistentAggregate(Count) written out: the
// grouped combiner aggregate, partial on each spout task before the
// repartition by word, and the map state update with Count's Combine, in
// txid order at commit. Written out, the batch's oldest record of each word
// travels with its count, so each output can name it and the harness can
// time it.
//
// Exactly-once uses a transactional spout and state (--state transactional,
// the default) or an opaque spout and state (--state opaque). At-most-once
// uses a non-transactional spout and state: a failed batch is neither
// replayed nor undone.
func tridentPipeline(_ *Instance, opts workloads.Options) (engines.Engine, error) {
	conf := core.Config{}
	if opts.ConfigFile != "" {
		c, err := trident.ReadConfigFile(opts.ConfigFile)
		if err != nil {
			return nil, err
		}
		conf = c
	}
	if _, ok := conf[trident.TopologyTridentBatchEmitIntervalMillis]; !ok {
		conf[trident.TopologyTridentBatchEmitIntervalMillis] = defaultTridentEmitIntervalMillis
	}
	batchSize := opts.BatchSize
	if batchSize == 0 {
		batchSize = defaultTridentBatchSize
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("trident batch size must be at least 1, got %d", batchSize)
	}
	var kind spout.Kind
	var st state.Type
	switch opts.Guarantee {
	case engines.ExactlyOnce:
		switch opts.State {
		case "", "transactional":
			kind, st = spout.Transactional, state.Transactional
		case "opaque":
			kind, st = spout.Opaque, state.Opaque
		default:
			return nil, fmt.Errorf("unknown trident state %q (known: transactional, opaque)", opts.State)
		}
	case engines.AtMostOnce:
		if opts.State != "" {
			return nil, fmt.Errorf("--state %s applies to exactly-once; at-most-once uses non-transactional state", opts.State)
		}
		kind, st = spout.NonTransactional, state.NonTransactional
	default:
		return nil, fmt.Errorf("trident offers exactly-once (transactional or opaque state) and at-most-once (non-transactional state), not %s; for at-least-once use --engine core", opts.Guarantee)
	}
	p := opts.Parallelism
	build := func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
		sp, err := spout.NewSourceSpout(src, kind, batchSize)
		if err != nil {
			return nil, err
		}
		counts := state.NewMemoryMapStateFactory(st)
		topo := trident.NewTridentTopology()
		topo.NewStream("sentences", sp).ParallelismHint(min(p, src.Partitions())).
			Each(tuple.NewFields("value"), &SplitFunction{}, tuple.NewFields("word")).
			GroupBy(tuple.NewFields("word")).
			Aggregate(tuple.NewFields("record"), WordBatch{}, tuple.NewFields("batch")).
			ParallelismHint(p).
			PartitionPersist(counts, nil, CountUpdater{}, tuple.NewFields("word", "count", "oldest")).
			NewValuesStream().
			PartitionAggregate(nil, &SinkWriter{Sink: sink}, nil)
		return topo, nil
	}
	return trident.NewJob("wordcount", conf, build)
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
// (the update persistentAggregate(Count) makes) and emits
// [word, count after the batch, oldest record]. Its input tuples are
// [word, batch], where batch is the *wordBatch from WordBatch.
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
		c.Emit(tuple.Values{t.Get(0), counts[i], t.Get(1).(*wordBatch).oldest})
	}
	return nil
}

// SinkWriter is an Aggregator that writes a partition's new counts of a
// batch to the sink in one Write when the batch completes; in the commit
// phase, so only committed counts are written. Each task gets its own
// copy (Clone).
type SinkWriter struct {
	Sink engines.Sink
	last int // outputs of the last batch, to size the next one's
}

var (
	_ operation.Aggregator = (*SinkWriter)(nil)
	_ operation.Cloner     = (*SinkWriter)(nil)
)

// Clone implements operation.Cloner.
func (w *SinkWriter) Clone() any { return &SinkWriter{Sink: w.Sink} }

// Init starts the batch's outputs.
func (w *SinkWriter) Init(any, operation.TridentCollector) any {
	outs := make([]engines.Output, 0, w.last)
	return &outs
}

// Aggregate adds one output.
func (w *SinkWriter) Aggregate(st any, t tuple.Tuple, _ operation.TridentCollector) any {
	outs := st.(*[]engines.Output)
	o := engines.Output{Key: t.GetString(0), Value: t.GetLong(1)}
	if r, ok := t.Get(2).(*engines.Record); ok && r != nil {
		o.Partition, o.Offset, o.Intended = r.Partition, r.Offset, r.Intended
	}
	*outs = append(*outs, o)
	return outs
}

// Complete writes the outputs. A sink that takes no more fails the batch.
func (w *SinkWriter) Complete(st any, _ operation.TridentCollector) {
	outs := *st.(*[]engines.Output)
	w.last = len(outs)
	if len(outs) > 0 {
		if err := w.Sink.Write(outs); err != nil {
			panic(fmt.Errorf("sink: %w", err))
		}
	}
}
