// Package microbatch is streambench's reference engine for Spark Streaming's
// discretized streams (D-Streams), in local mode: a library a Spark user
// recognises at a glance and a reader can learn the model from.
//
// # The D-Streams model
//
// A streaming computation is a series of small, deterministic batch jobs.
// A StreamingContext has a batch interval; every interval, the data that
// arrived during it becomes an RDD (package rdd: an immutable, partitioned
// dataset with a lineage) and the same graph of transformations runs on it as
// one job. A DStream is the sequence of those RDDs, one per batch time:
//
//	input DStream    ──batch t0──▶ RDD@t0 ──batch t1──▶ RDD@t1 ── ...
//	   │ flatMap, map, reduceByKey           (the same lineage, per batch)
//	output (print)   job@t0                   job@t1
//
// Receivers (SocketTextStream, custom Receivers, SourceStream) run
// continuously, store records into a BlockGenerator that cuts a block every
// spark.streaming.blockInterval (200 ms), and report the blocks to the
// ReceiverTracker; at batch time t the JobGenerator allocates every
// unallocated block to batch t, and the batch's RDD has one partition per
// block. A receiver holds one core of local[N] for as long as it runs, as
// in Spark, and the batches' tasks share the cores left: give an
// application more cores than receivers (local[2] for one), or it receives
// and never processes, with a warning in its log. Inputs without receivers
// (TextFileStream, QueueStream,
// DirectStream) compute their batch when it is generated.
//
// Transformations are lazy; output operations (Print, SaveAsTextFiles,
// ForeachRDD) make the graph run, in the order they were defined, one batch
// at a time (spark.streaming.concurrentJobs = 1). A batch that takes longer
// than the interval delays the next one: a StreamingListener sees every
// batch's input size, scheduling delay, processing delay and total delay,
// and with spark.streaming.backpressure.enabled Spark's PID rate estimator
// turns them into a rate limit for the inputs so the queue stays bounded.
//
// Inside a batch, narrow transformations (Map, FlatMap, Filter,
// MapPartitions) are fused into one task per partition, and the *ByKey
// operations and joins shuffle by a hash of the key into numPartitions
// partitions (default: the N of local[N]). Windows (Window, ReduceByWindow,
// ReduceByKeyAndWindow, CountByWindow, CountByValueAndWindow) combine the
// RDDs of several batches; their length and slide must be multiples of the
// batch interval. State lives across batches with UpdateStateByKey, which
// calls the update function for every key every batch, and MapWithState,
// which touches only the keys with new data and can time keys out.
//
// # Fault tolerance
//
// With Checkpoint(dir), a metadata checkpoint is written atomically after
// every batch is generated and again when it completes, as Spark's
// JobGenerator does: a fingerprint of the DStream graph, the last state
// checkpoint (the state of every stateful DStream, written every
// DStream.Checkpoint interval, and where each input stood then), the
// batches completed since, with where each input stood after them, and
// the batches still pending; the last ten files are kept.
// GetOrCreate(dir, create) recovers an application after a crash: it
// rebuilds the graph with create (Go cannot serialise functions, Spark's
// way), refuses a checkpoint written by a
// different graph with ErrIncompatibleCheckpoint, restores the state and
// generates the batches completed since the state checkpoint again from
// the same input, without running their outputs, so that only the batches
// pending at the crash run again (Recovery says what was done). With
// spark.streaming.receiver.writeAheadLog.enable, received blocks are written
// to a log under the checkpoint directory before they count as stored, and
// unprocessed blocks are replayed on recovery; a reliable receiver (one that
// acknowledges its source only once a block is stored) then loses nothing.
// The guarantees, as the Engine adapter offers them to the harness:
//
//	at-most-once   unreliable receiver, no write-ahead log
//	at-least-once  reliable receiver + write-ahead log
//	exactly-once   DirectStream read by offset ranges + checkpointed state
//	               + idempotent output
//
// Over the text sources (Engine.RunInput), a socket per partition is read
// by SocketRecordStream, one unreliable receiver per address unioned, as an
// application calls socketTextStream per port: at-most-once, whatever the
// write-ahead log does, since a socket keeps nothing to replay and what it
// sends while a receiver restarts is gone. A directory is read by
// FileRecordStream, textFileStream's input: each file once, the processed
// files recorded in the checkpoint, so that with checkpointed state and an
// idempotent output the whole is exactly-once. Both parse engines' line
// format.
//
// # Example
//
// NetworkWordCount, Spark's first streaming program:
//
//	conf := microbatch.NewConf().SetMaster("local[2]").SetAppName("NetworkWordCount")
//	ssc, err := microbatch.NewStreamingContext(conf, time.Second)
//	if err != nil { ... }
//	lines := ssc.SocketTextStream("localhost", 9999)
//	words := microbatch.FlatMap(lines, strings.Fields)
//	pairs := microbatch.Map(words, func(w string) microbatch.Pair[string, int] { return microbatch.KV(w, 1) })
//	wordCounts := microbatch.ReduceByKey(pairs, func(a, b int) int { return a + b })
//	wordCounts.Print()
//	ssc.Start()
//	ssc.AwaitTermination()
//
// Go methods cannot take type parameters, so operations that change the
// element type are functions (Map(d, f)) and those that keep it are methods
// (d.Filter(f), d.Window(w, s)). A definition mistake does not panic: the
// DStream keeps it (Err), and Start and the output operations return it;
// a window or slide that is not a multiple of the batch interval is an error
// returned by the window operation itself, worded alike by all of them
// ("ReduceByKeyAndWindow: window 1.5s is not a multiple of the batch
// interval 1s"). Every window operation takes the window length, then the
// slide (0 for the parent's slide, the batch interval of a plain stream).
//
// Tests and examples drive batches with a ManualClock (Spark's own tests do
// the same through spark.streaming.clock), so they never wait real batch
// intervals.
package microbatch
