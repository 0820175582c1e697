// Package corepipe is what every workload's core (Storm) pipeline shares:
// the two ends of a topology that a Storm user takes from a library rather
// than writes, and the mapping of a delivery guarantee to Storm's settings.
//
//   - SourceSpout reads the harness's partitioned source the way
//     storm-kafka-client's KafkaSpout reads a topic: each spout task owns
//     some partitions, emits one tuple per record with the record as its
//     message id, and replays failed records in offset order, before new
//     ones, as the Kafka spout seeks back to the earliest failed offset.
//   - Writer is the batching end of a bolt that writes to an external store,
//     as Storm's store bolts (storm-hbase's HBaseBolt, storm-mongodb's
//     insert bolt) batch with their BatchHelper: outputs are buffered,
//     written when the executor flushes, and only then are the tuples that
//     caused them acked (failed, if the write fails), so at-least-once
//     never acks an unwritten output.
//   - NewJob maps a guarantee to Storm's acking settings: at-most-once runs
//     no ackers; at-least-once runs ackers with a bounded
//     topology.max.spout.pending; exactly-once is refused with a pointer to
//     Trident, since Storm core leaves it to the user.
//
// A pipeline over them reads like a Storm topology:
//
//	job, err := corepipe.NewJob("grep", opts, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
//		b := core.NewTopologyBuilder()
//		b.SetSpout("lines", &corepipe.SourceSpout{Source: src}, min(p, src.Partitions()))
//		b.SetBolt("grep", &GrepBolt{Writer: corepipe.Writer{Sink: sink}}, p).ShuffleGrouping("lines")
//		b.SetBolt("count", &CountBolt{Writer: corepipe.Writer{Sink: sink}}, p).FieldsGrouping("grep", core.NewFields("window"))
//		return b.CreateTopology(), nil
//	})
package corepipe
