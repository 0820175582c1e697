// Package operation holds the user-facing operations of a Trident stream, with
// the names and contracts of Storm's org.apache.storm.trident.operation:
//
//   - Function (Each): reads its input fields and emits zero or more tuples of
//     output fields, which Trident appends to the input tuple; emitting
//     nothing drops the tuple, emitting twice duplicates it.
//   - Filter: keeps or drops a tuple.
//   - MapFunction, FlatMapFunction: one-to-one and one-to-many tuple maps
//     whose output replaces the tuple.
//   - Consumer (Peek): sees every tuple, changes nothing.
//   - The three aggregators: CombinerAggregator (Init, Combine, Zero: combined
//     partially on each partition before the repartition, like a combiner in
//     MapReduce), ReducerAggregator (Init, Reduce: all tuples of a group move
//     to one partition first) and the general Aggregator (Init, Aggregate,
//     Complete, emitting through a collector).
//
// The built-in operations (Count, Sum, MapGet, ...) live in package builtin.
// Every operation value is used by one partition at a time, as Storm gives
// each task its own deserialized copy; an operation that keeps fields must
// therefore implement Cloner, or be stateless.
package operation
