// Package wincount is the running count per (key, event-time window) that
// several workloads keep, written for each engine that has no operator
// giving it directly.
//
// Trident's windows (TumblingDurationWindow and the others) and Spark's
// window operators (window, reduceByKeyAndWindow) cut windows by processing
// or batch time, the time a record was received, not by the time it
// happened, so they cannot give the oracle's event-time windows. A user of
// either keys the count by (key, window start) instead, the window start a
// field computed from the record's event time, which every engine and the
// oracle cut alike.
//
// On Trident, a windowed count is persistentAggregate(Count) over a (key,
// window) grouping written out in its two halves, Combiner and Updater, so
// that each update carries the latest intended time of its window's
// records (the windowed-output rule of engines.Output):
//
//	GroupBy(["key", "window"]).
//		Aggregate(["record"], wincount.Combiner{}, ["partial"]).
//		PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields)
//
// On micro-batches it is reduceByKey then mapWithState, sharing one hash
// partitioner of p partitions so the state needs no second shuffle, and a
// window gets one update per batch instead of one per record:
//
//	pairs   = records.map(r => ((key, window(r.eventTime)), Seen.one(r)))
//	batch   = pairs.reduceByKey(Fold, p)
//	counts  = batch.mapWithState(StateSpec.function(Update).numPartitions(p))
package wincount
