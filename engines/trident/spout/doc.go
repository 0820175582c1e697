// Package spout holds Trident's batch spouts, the three kinds Storm defines,
// and the executors that turn each into the one emitter Trident's batch
// coordinator drives:
//
//   - BatchSpout (Storm's IBatchSpout): non-transactional. It is asked for a
//     batch per txid and may emit anything; a replay is not guaranteed to
//     repeat it. No state can make it exactly-once.
//   - PartitionedSpout (IPartitionedTridentSpout): transactional. The
//     executor records a partition's batch metadata (its offsets) in the
//     topology's TransactionalState before the batch leaves the spout, so a
//     replayed txid, even after a crash, re-emits exactly the same tuples: a
//     txid's tuples never change, never overlap another txid's and nothing is
//     skipped. A TransactionalMap is exact with it.
//   - OpaquePartitionedSpout (IOpaquePartitionedTridentSpout): opaque
//     transactional. A batch starts where the previous txid's batch ended,
//     and the metadata is recorded at commit, so a replay may carry
//     different tuples (more had arrived, a broker was down); every tuple
//     still succeeds in exactly one batch. Only an OpaqueMap is exact with it.
//
// NewSourceSpout exposes an engines.Source (a replayable partitioned log, the
// Kafka role) as any of the three kinds, as storm-kafka's Trident spouts do.
package spout
