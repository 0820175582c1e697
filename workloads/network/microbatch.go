package network

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/engines/microbatch/rdd"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// microbatchPipeline is tower allocation as a Spark Streaming user writes
// it:
//
//	capacities = sc.parallelize(capacityTable).partitionBy(p).cache()
//	loads  = records.map(parse).map(c => ((c.tower, window), 1))
//	               .reduceByKey(_ + _).mapWithState(load, remembering the one before)
//	loads.foreachRDD(write)
//	loads.map(l => (l.tower, l)).transform(rdd => rdd.leftOuterJoin(capacities))
//	     .filter(crossed).map(allocate).foreachRDD(write)
//
// A batch adds many records to a (tower, window) at once, so the state
// remembers the load before the batch and Crosses judges the step: the
// allocate decision is taken once, by the batch whose step reaches the
// capacity. The capacity table is a static RDD joined every batch through
// transform; a tower missing from it fails the job naming the tower. Loads
// are per event-time window in mapWithState, since Spark's windows are of
// batch time (see wincount).
func microbatchPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	p := opts.Parallelism
	return microbatch.EngineFor(opts, func(ssc *microbatch.StreamingContext, records *microbatch.DStream[engines.Record], sink engines.Sink) error {
		table := make([]microbatch.Pair[string, int64], len(in.towers))
		for i, t := range in.towers {
			table[i] = microbatch.KV(t, in.capacities[i])
		}
		part, err := rdd.NewHashPartitioner[string](p)
		if err != nil {
			return err
		}
		capacities := rdd.PartitionBy(rdd.Parallelize(ssc.SparkContext(), table, p), part).Cache()

		perWindow := microbatch.Map(records, func(r engines.Record) microbatch.Pair[wincount.KeyWindow, wincount.Seen] {
			c, ok := Parse(r.Value)
			if !ok {
				// An exception in a Spark task fails the job with it.
				panic(fmt.Errorf("record %d/%d is not a CDR: %.60q", r.Partition, r.Offset, r.Value))
			}
			return microbatch.KV(wincount.KeyWindow{Key: c.Tower, Window: in.Window(r.EventTime)}, wincount.One(&r, 1))
		})
		perBatch := microbatch.ReduceByKey(perWindow, wincount.Fold, p)
		loads := microbatch.MapWithState(perBatch, microbatch.StateSpecFunction(load).NumPartitions(p)).DStream.Cache()
		if err := microbatch.WriteToSink(microbatch.Map(loads, func(l step) engines.Output { return l.Update }), sink); err != nil {
			return err
		}
		byTower := microbatch.Map(loads, func(l step) microbatch.Pair[string, step] { return microbatch.KV(l.Update.Key, l) })
		allocations := microbatch.Transform(byTower, func(batch *rdd.RDD[microbatch.Pair[string, step]], _ microbatch.Time) (*rdd.RDD[engines.Output], error) {
			joined := rdd.LeftOuterJoin(batch, capacities)
			return rdd.FlatMap(joined, func(kv microbatch.Pair[string, microbatch.Pair[step, microbatch.Option[int64]]]) []engines.Output {
				l, capacity := kv.Value.Key, kv.Value.Value
				if !capacity.Defined {
					panic(fmt.Errorf("record %d/%d: tower %q is not in the capacity table", l.Update.Partition, l.Update.Offset, kv.Key))
				}
				if !Crosses(capacity.Value, l.Before, l.Update.Value) {
					return nil
				}
				u := l.Update
				return []engines.Output{{Key: AllocatePrefix + kv.Key, Window: u.Window, Value: 1, Event: true,
					Partition: u.Partition, Offset: u.Offset, Intended: u.Intended}}
			}), nil
		})
		return microbatch.WriteToSink(allocations, sink)
	})
}

// step is one batch's change to a (tower, window) load: the update written
// and the load before it.
type step struct {
	Update engines.Output
	Before int64
}

// load is the mapWithState function of the loads: wincount.Update, also
// returning the load the batch started from.
func load(k wincount.KeyWindow, batch microbatch.Option[wincount.Seen], state *microbatch.State[wincount.Count]) step {
	before := state.Get().N
	return step{Update: wincount.Update(k, batch, state), Before: before}
}
