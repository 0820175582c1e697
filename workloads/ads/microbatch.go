package ads

import (
	"fmt"
	"iter"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is the Yahoo Streaming Benchmark's Spark job as its
// authors wrote it, over the run's source:
//
//	views  = records.map(parse).filter(_.eventType == "view")
//	counts = views.mapPartitions(joinCampaigns)          // ad -> campaign
//	              .map(v => ((campaign, window(v.eventTime)), 1))
//	              .reduceByKey(_ + _).mapWithState(runningCount)
//	counts.foreachRDD(write)
//
// The original looks each ad up in Redis from mapPartitions; here the
// static campaign map plays Redis, read by every task, as a broadcast
// variable would be. The per-batch reduce turns a batch's views of a
// (campaign, window) into one update, the way the original's Spark job
// writes each batch's counts to Redis; counts are per event-time window in
// mapWithState, since Spark's windows are of batch time (see wincount).
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		views := microbatch.MapPartitions(records, func(recs iter.Seq[engines.Record]) iter.Seq[microbatch.Pair[wincount.KeyWindow, wincount.Seen]] {
			return func(yield func(microbatch.Pair[wincount.KeyWindow, wincount.Seen]) bool) {
				for r := range recs {
					e, ok := Parse(r.Value)
					if !ok {
						// An exception in a Spark task fails the job with it.
						panic(fmt.Errorf("record %d/%d is not an ad event: %.60q", r.Partition, r.Offset, r.Value))
					}
					if e.EventType != "view" {
						continue
					}
					campaign, ok := in.Campaign(e.AdID)
					if !ok {
						continue // an ad of no campaign: the original drops it too
					}
					if !yield(microbatch.KV(wincount.KeyWindow{Key: campaign, Window: in.Window(e.TimeMs)}, wincount.One(&r, 1))) {
						return
					}
				}
			}
		})
		return microbatch.WriteToSink(wincount.Counts(views, opts.Parallelism).DStream, sink)
	})
}
