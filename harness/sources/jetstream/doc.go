// Package jetstream makes NATS JetStream the run's durable, replayable log:
// the role Kafka plays in front of Storm and Spark in the reference deck. A
// run's driver publishes into a Log; engines read a Source, an
// engines.Source, in this process or in a worker process that reaches the
// same server.
//
// # Mapping
//
// Kafka's vocabulary maps onto JetStream's like this:
//
//	topic              a stream, one per run, named by the caller
//	partition p        the subject <prefix>.p (the stream lists one subject per partition)
//	record batch       one message: consecutive records of one partition
//	offset             the record's position within its partition, dense from 0
//	end of input       a closing marker message: a batch with the closed flag and no records
//
// Offsets are not stream sequences: the stream interleaves the
// partitions, and one message carries many records. Each message's header
// gives its partition and first offset; a Source keeps an index from first
// offsets to stream sequences, so any offset can be read again.
//
// Batching is what makes the broker fast enough: JetStream's cost is per
// message, tens of microseconds on two cores, so one record a message tops
// out near 60,000 records/s, while 256 records a message publish and read
// back millions (BenchmarkThroughput). The batch codec is compact (varint
// deltas) and decodes a message with one allocation for all its values.
//
// # Parts
//
//   - Server and Conn: StartEmbedded runs nats-server in this process,
//     listening on 127.0.0.1 with a file or memory store; Connect reaches
//     an external one (Debian's nats-server 2.9 is enough).
//   - Log: the producer, mirroring the harness's GeneratorSource: Publish(p,
//     end, intended), Flush, Close, Published.
//   - Source: the consumer, an engines.Source whose Fetch never blocks.
//   - Queue: the reliable class, durable consumers with explicit acks and
//     redelivery (a Storm spout's ack and fail).
//   - Feed: the unreliable class, plain subjects with no acks, whose
//     subscriber counts what arrived so the harness can count dropped sends.
package jetstream
