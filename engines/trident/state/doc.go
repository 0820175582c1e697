// Package state is Trident's state API, the part of Trident that makes
// exactly-once possible: Storm's org.apache.storm.trident.state and its map
// sub-package.
//
// A State is updated by batches, each with a transaction id (txid). Trident
// calls BeginCommit(txid), applies the batch's updates, then Commit(txid),
// one batch at a time and strictly in txid order; a batch that failed is
// replayed with the same txid. What a state stores beside each value decides
// what a replay does:
//
//   - NonTransactionalMap stores the bare value. A replayed batch is applied
//     again, so a count over-counts after a failure: at-most/at-least-once.
//   - TransactionalMap stores [value, txid]. When a replayed batch reaches a
//     key whose stored txid equals the batch's, the update was already
//     applied and is skipped. This is exact only when a replayed txid carries
//     exactly the same tuples: a transactional spout.
//   - OpaqueMap stores [value, prevValue, txid]. When the stored txid equals
//     the batch's, the update is applied again to prevValue (the value before
//     that txid), so a replay whose contents differ still lands exactly once:
//     exact with opaque and transactional spouts alike. For a stored
//     {value 4, prev 1, txid 2}, adding 2 at txid 3 gives {6, 4, 3}, while
//     adding 2 at txid 2 (a replay) gives {3, 1, 2}.
//
// The maps wrap an IBackingMap, the bare key/value store (a database in a
// real deployment): MemoryBackingMap in memory, BoltBackingMap on disk (a
// bbolt file that survives a process kill), and CachedMap, an LRU cache in
// front of any backing map. A MapState keyed by the group-by fields serves a
// grouped persistentAggregate; Snapshottable, one global value, an ungrouped
// one.
//
//	counts := state.NewTransactionalMap(state.NewMemoryBackingMap())
//	counts.BeginCommit(7)
//	counts.MultiUpdate([][]any{{"cat"}}, []state.ValueUpdater{
//		state.CombinerValueUpdater{Agg: builtin.Count{}, Arg: int64(3)},
//	})
//	counts.Commit(7)
package state
