package identity

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
)

// microbatchPipeline is identity as a Spark Streaming user writes it: the
// received stream mapped to outputs and written by foreachRDD,
//
//	records.map(output).foreachRDD(rdd => rdd.foreachPartition(write))
//
// with no shuffle at all: each block of received records is one task that
// writes its records out. What it measures is the engine's cost of cutting
// blocks, scheduling one job per batch interval and running its tasks.
func microbatchPipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		outs := microbatch.Map(records, func(r engines.Record) engines.Output { return Output(&r) })
		return microbatch.WriteToSink(outs, sink)
	})
}
