// Package mbpipe holds what every workload's microbatch (Spark Streaming)
// pipeline shares: the engine built from the run's options, the output
// operation that writes each partition of a batch to the harness's sink
// (foreachRDD(rdd => rdd.foreachPartition(write))), and the running count
// per (key, event-time window) kept with mapWithState.
//
// Spark's window operators (window, reduceByKeyAndWindow) cut windows by
// batch time, the time a record was received, not by the time it happened,
// so they cannot give the oracle's event-time windows. A Spark user then
// keys the state by (key, window start) and keeps running counts in
// mapWithState, which is what WindowCount is:
//
//	pairs   = records.map(r => ((key, window(r.eventTime)), Seen.one(r)))
//	batch   = pairs.reduceByKey(Fold, p)
//	counts  = batch.mapWithState(StateSpec.function(WindowCount).numPartitions(p))
//	counts.foreachRDD(write)
//
// reduceByKey and mapWithState share one hash partitioner of p partitions,
// so the state needs no second shuffle, and a window gets one update per
// batch instead of one per record: its running count, timed by the latest
// intended time of its records so far (the windowed-output rule of
// engines.Output).
package mbpipe
