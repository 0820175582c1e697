package trucking

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is the trucking job as a Spark Streaming user writes
// it:
//
//	roads  = sc.broadcast(speedLimits, routes)
//	judged = records.map(parse).map(e => (e, roads.value.check(e))).cache()
//	judged.flatMap(alerts).foreachRDD(write)
//	judged.filter(violating).map(e => (("violations:" + driver, window), n))
//	      .reduceByKey(_ + _).mapWithState(runningCount).foreachRDD(write)
//
// The two tables are small and static, so each task reads them directly, as
// Spark's broadcast variables give every executor a copy: a map-side join
// that needs no shuffle of the events, where an RDD join per batch would
// shuffle every event by segment and again by route for two lookups
// Roads.Check makes in memory. Violations are counted per event-time
// window in mapWithState, since Spark's windows are of batch time (see
// wincount).
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	roads := in.Roads()
	return microbatch.EngineFor(opts, func(_ *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		judged := microbatch.Map(records, func(r engines.Record) checked {
			e, ok := Parse(r.Value)
			if !ok {
				// An exception in a Spark task fails the job with it.
				panic(fmt.Errorf("record %d/%d is not a truck event: %.60q", r.Partition, r.Offset, r.Value))
			}
			c := checked{event: e, rec: r}
			c.speeding, c.deviation = roads.Check(e)
			return c
		}).Cache()
		alerts := microbatch.FlatMap(judged, func(c checked) []engines.Output {
			if !c.speeding && !c.deviation {
				return nil
			}
			outs, _ := alerts(roads, nil, c.event, &c.rec)
			return outs
		})
		if err := microbatch.WriteToSink(alerts, sink); err != nil {
			return err
		}
		violating := judged.Filter(func(c checked) bool { return c.speeding || c.deviation })
		perWindow := microbatch.Map(violating, func(c checked) microbatch.Pair[wincount.KeyWindow, wincount.Seen] {
			n := int64(0)
			if c.speeding {
				n++
			}
			if c.deviation {
				n++
			}
			return microbatch.KV(wincount.KeyWindow{Key: ViolationsPrefix + c.event.Driver, Window: in.Window(c.event.TimeMs * 1e6)}, wincount.One(&c.rec, n))
		})
		return microbatch.WriteToSink(wincount.Counts(perWindow, opts.Parallelism).DStream, sink)
	})
}

// checked is an event judged against the road tables, with the record it
// came from.
type checked struct {
	event               Event
	rec                 engines.Record
	speeding, deviation bool
}
