// Package tridentpipe is what every workload's Trident pipeline shares: the
// two ends of a Trident topology that a Trident user takes from a library
// rather than writes, the running count per (key, window) that several
// workloads persist, and the mapping of a delivery guarantee to Trident's
// spout and state types.
//
//   - NewJob maps a guarantee to the kinds of spout and state that give it:
//     exactly-once is a transactional spout feeding transactional state
//     (--state transactional, the default) or an opaque spout feeding
//     opaque state (--state opaque); at-most-once is a non-transactional
//     spout and state. At-least-once is refused with a pointer to Storm
//     core, as Trident offers no mode that replays without undoing.
//   - SinkState is the harness's sink as a Trident state, the way
//     storm-kafka's TridentKafkaState or a database state is the end of a
//     topology: a stream of "out" fields (engines.Output) is written with
//     partitionPersist, in the commit phase, so only committed batches
//     reach the sink, in txid order.
//   - WindowCount and WindowCountUpdater are persistentAggregate(Count)
//     over a (key, window) grouping written out in its two halves, so that
//     each update carries the latest intended time of its window's records,
//     the rule every windowed output follows (engines.Output).
//
// A pipeline over them reads like a Trident topology:
//
//	tridentpipe.NewJob("ads", opts, func(pl tridentpipe.Plan) (*trident.TridentTopology, error) {
//		topo := trident.NewTridentTopology()
//		topo.NewStream("ad-events", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
//			Each(spout.SourceFields, &ViewFunction{...}, tuple.NewFields("campaign", "window")).
//			GroupBy(tuple.NewFields("campaign", "window")).
//			Aggregate(tuple.NewFields("record"), tridentpipe.WindowCount{}, tuple.NewFields("partial")).
//			ParallelismHint(pl.Parallelism).
//			PartitionPersist(pl.MapState(), nil, tridentpipe.WindowCountUpdater{}, tridentpipe.OutFields).
//			NewValuesStream().
//			PartitionPersist(pl.Sink(), tridentpipe.OutFields, tridentpipe.WriteOutputs{}, nil)
//		return topo, nil
//	})
package tridentpipe
