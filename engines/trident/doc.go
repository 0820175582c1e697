// Package trident is Storm Trident: exactly-once stateful stream processing
// in small batches, compiled onto engines/core (Storm's one-at-a-time
// engine) the way the original compiles onto Storm's spouts and bolts.
//
// # The model
//
// A Trident stream is processed as a sequence of batches. Each batch has a
// transaction id (txid); a batch that fails or times out is replayed with
// the same txid. State is updated batch by batch, strictly in txid order,
// and stores the txid of the batch that last changed each value, which is
// what turns replays into exactly-once effects (see package state):
//
//	topology := trident.NewTridentTopology()
//	wordCounts := topology.NewStream("spout1", sentences).
//		Each(tuple.NewFields("sentence"), Split{}, tuple.NewFields("word")).
//		GroupBy(tuple.NewFields("word")).
//		PersistentAggregate(state.NewMemoryMapStateFactory(state.Opaque), nil, builtin.Count{}, tuple.NewFields("count"))
//	topology.NewDRPCStream("words", drpc).
//		Each(tuple.NewFields("args"), Split{}, tuple.NewFields("word")).
//		GroupBy(tuple.NewFields("word")).
//		StateQuery(wordCounts, tuple.NewFields("word"), builtin.MapGet{}, tuple.NewFields("count")).
//		Filter(tuple.NewFields("count"), builtin.FilterNull{}).
//		Aggregate(tuple.NewFields("count"), builtin.Sum{}, tuple.NewFields("sum"))
//	storm, conf, err := topology.BuildConfig(core.Config{})
//	cluster.SubmitTopology("wordCounter", conf, storm)
//	drpc.Execute("words", "cat the dog") // "[[4]]": the sum of the counts
//
// # What Build compiles
//
// Operations between two repartitions (Each, Filter, Map, PartitionAggregate,
// PartitionPersist, ...) run together in one bolt, with the parallelism of
// the largest hint among them; a repartition (Shuffle, PartitionBy, GroupBy
// before an aggregation, Global, BatchGlobal, Broadcast) is a stream
// grouping between two bolts. A spout's emitter runs at the head of a bolt
// of its own. Each connected part of the graph (a batch group) gets one
// master batch coordinator spout, $mastercoord-bg<N>, which drives
// everything with three streams:
//
//   - $batch [tx]: a batch starts. The spout bolts emit their part of it;
//     every tuple is anchored to the $batch tuple, so Storm's acker reports
//     its tree complete only once every bolt has processed the batch.
//   - $commit [tx]: the lowest processed batch commits, once the batch
//     before it committed. Only committers (bolts with PartitionPersist,
//     opaque spouts) take part; they apply their batch to state now, in
//     txid order.
//   - $success [tx]: the batch committed; the txid is recorded in the
//     topology's txstate.TransactionalState, so a restarted topology
//     resumes after it.
//
// A bolt knows that it has all of a batch from coordination tuples: each
// upstream task ends its part with [tx, count] on the direct stream
// $coord-bg<N>, naming how many tuples it sent to that task.
//
// Up to topology.max.spout.pending batches are in flight (1 by default, as
// in Storm); a new batch starts at most every
// topology.trident.batch.emit.interval.millis (500 ms by default), and only
// once a spout says it has something new (spout.Readier, Storm's isReady),
// so an idle source does not cycle empty batches. When a
// batch fails, it and every later batch in flight are replayed with new
// attempt numbers, so commits stay in order.
//
// # Exactly-once
//
// Which spout feeds which state decides the guarantee (see packages spout
// and state): a transactional spout replays a txid with exactly the same
// tuples, which a TransactionalMap needs; an opaque spout may replay it
// with other tuples, which only an OpaqueMap handles. Build refuses a
// transactional state fed by an opaque spout. A non-transactional spout or
// state gives no guarantee beyond at-most-once.
//
// Over a bounded input, each batch's emission is followed by $drain [tx],
// which every emitter task acks once its part of batch tx reached the end
// of its closed partitions and fails otherwise: the acker reports the tree
// complete only when all of them said so, and then the coordinator starts
// no new batch, and is exhausted once the batches started have committed.
//
// # Joins, Min and Max
//
// Join and MultiJoin join streams within each batch, as Storm's
// TridentTopology.join: each stream is repartitioned on its join fields,
// and the tuples of a batch with equal join values are combined into the
// join values, then each stream's other fields. A JoinType per stream
// (Storm's JoinType.mixed) says whether its side may be missing; an Outer
// side with no tuple for a value takes part as nils:
//
//	topology.Join(orders, tuple.NewFields("id"), payments, tuple.NewFields("id"),
//		tuple.NewFields("id", "item", "amount"), trident.Mixed(trident.Inner, trident.Outer)) // left outer
//
// MinBy, MaxBy (by a field's value, or by a comparator with MinByFunc and
// MaxByFunc), Min and Max (by a comparator of tuples) keep one tuple per
// partition and batch, as Storm's, which are partitionAggregates: put
// Global before them for one per batch. Of tuples that tie, the last
// wins; MinBy and MaxBy pass over tuples whose field is nil; a partition
// without tuples in a batch emits nothing.
//
// # Windows
//
// Window (and TumblingWindow, SlidingWindow, TumblingDurationWindow,
// SlidingDurationWindow) aggregates windows of a stream across batches,
// per partition, as Storm's Stream.window: by tuple count or by duration,
// tumbling or sliding (WindowConfig, TumblingCountWindow, ...). A window
// fires in the batch in which it completes; a replayed batch adds nothing
// again and emits what it fired the first time.
//
// The window's tuples and triggers live in a windowing.WindowsStore, one
// per task, made by the WindowsStoreFactory given to Window: a record per
// batch of the tuples it added, what it fired and where the triggers
// stood, as Storm's WindowTridentProcessor keeps tuples and triggers in its
// store by window, task and txid. A task prepared over records takes them
// back, so a topology stopped in the middle of a window and started again
// over a durable store (a bbolt bucket, or the coordination store the
// workers of a distributed run share) emits the windows an uninterrupted
// run emits, and its uncommitted batches replay with what they fired. With
// no factory the window lives in memory only.
//
// Trident's windows are processing-time windows, timed by the topology's
// clock as a tuple reaches the window. Storm offers event time only in its
// core windowed bolts (withTimestampField, withLag); here a duration
// window takes them too (WindowConfig.WithTimestampField, WithLag): a
// tuple's time is its timestamp field, each partition's watermark is the
// greatest time it has seen minus the lag, a window fires in the batch
// whose watermark reaches its end, and a tuple older than the watermark
// is dropped as late:
//
//	stream.Window(trident.SlidingDurationWindow(time.Minute, 10*time.Second).
//		WithTimestampField("ts").WithLag(5*time.Second),
//		windowing.NewBoltWindowsStoreFactory(db.DB(), "windows"),
//		tuple.NewFields("amount"), builtin.Sum{}, tuple.NewFields("total"))
//
// # Running
//
// BuildConfig returns the engines/core topology and configuration to
// submit to a core.LocalCluster, as a Storm user does. Job runs a topology
// over a harness engines.Source and engines.Sink as an engines.Engine, and
// returns once the batch that drained the source has committed.
//
// The same topology runs as several worker processes, as engines/core's
// do (core.Placement): Job.Layout lists the executors, each process runs
// its share with Job.RunWorkerInput, the transaction metadata in the run's
// coordination store, and the cluster ends a bounded run when
// Job.WorkerStatus, summed over the workers, passes the four-counter check
// (core.WorkerStatus). Trident's coordination crosses the workers as in
// Storm: on the coordinator's streams, in tuple trees and in the store,
// never in shared memory.
package trident
