package wordcount

import (
	"iter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
)

// microbatchPipeline is word count as a Spark Streaming user writes it,
// StatefulNetworkWordCount over the run's source:
//
//	words  = records.flatMap(split).map(w => (w, 1))
//	counts = words.reduceByKey(_ + _).mapWithState(StateSpec.function(runningCount))
//	counts.foreachRDD(rdd => rdd.foreachPartition(writeToSink))
//
// The (w, 1) pairs also carry the record they came from, and the per-batch
// reduce keeps the oldest, so each output (one per word per batch, with the
// word's running count) names the oldest record it reflects and the harness
// times it from there. The reduce and the state share one partitioner, so
// mapWithState needs no second shuffle.
//
// The guarantee picks the input: an unreliable receiver (at-most-once), a
// reliable receiver with the write-ahead log (at-least-once), or a direct
// stream read by offset ranges with checkpointed state (exactly-once; the
// output is idempotent, a word's running count after a batch).
func microbatchPipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return microbatch.EngineFor(opts, func(ssc *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		words := microbatch.MapPartitions(records, splitRecords)
		perBatch := microbatch.ReduceByKey(words, older, p)
		spec := microbatch.StateSpecFunction(runningCount).NumPartitions(p)
		return microbatch.WriteToSink(microbatch.MapWithState(perBatch, spec).DStream, sink)
	})
}

// seen is a word's occurrences in a batch and the oldest record among them.
type seen struct {
	n                int64
	partition        int32
	offset, intended int64
}

// splitRecords is flatMap(split).map(w => (w, 1)) over one partition, with
// one reused word slice per partition instead of one per record.
func splitRecords(recs iter.Seq[engines.Record]) iter.Seq[microbatch.Pair[string, seen]] {
	return func(yield func(microbatch.Pair[string, seen]) bool) {
		words := make([]string, 0, 64)
		for r := range recs {
			words = SplitWords(words[:0], r.Value)
			for _, w := range words {
				if !yield(microbatch.KV(w, seen{1, r.Partition, r.Offset, r.Intended})) {
					return
				}
			}
		}
	}
}

// older adds two counts and keeps the older record.
func older(a, b seen) seen {
	n := a.n + b.n
	if b.intended < a.intended || (b.intended == a.intended && b.offset < a.offset) {
		a = b
	}
	a.n = n
	return a
}

// runningCount adds a batch's occurrences to the word's state and emits the
// new running count.
func runningCount(word string, batch microbatch.Option[seen], state *microbatch.State[int64]) engines.Output {
	s := batch.Value
	total := state.Get() + s.n
	state.Update(total)
	return engines.Output{Key: word, Value: total, Partition: s.partition, Offset: s.offset, Intended: s.intended}
}
