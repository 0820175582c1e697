// Package core reproduces Apache Storm's one-at-a-time stream processing
// model in local mode: topologies of spouts and bolts wired by stream
// groupings, run by executors on workers, with Storm's XOR acker for
// guaranteed message processing. Names and API follow Storm's Java API, so
// that a Storm user recognises the code and a reader can learn Storm from
// it.
//
// # Topologies, streams and components
//
// A topology is a graph of components. A spout is a source of streams: its
// NextTuple emits tuples, lists of values named by the stream's fields. A
// bolt consumes streams and may emit new ones. Each component declares the
// streams it emits in DeclareOutputFields ("default" unless named); each
// bolt subscribes to streams of other components with a grouping that says
// which of its tasks gets each tuple:
//
//	shuffle         each task gets an equal share (round-robin)
//	fields          equal values of the named fields go to the same task
//	partialKey      a key goes to the less loaded of two candidate tasks
//	all             every task gets every tuple
//	global          the task with the lowest id gets everything
//	none            like shuffle
//	direct          the emitter picks the task (EmitDirect, direct streams)
//	localOrShuffle  tasks in the emitter's worker first
//	custom          a CustomStreamGrouping picks
//
// A topology is validated when it is submitted: unknown components or
// streams, undeclared fields, direct groupings on non-direct streams,
// cycles, and more executors than tasks are refused with the reason.
//
// # Workers, executors, tasks
//
// Storm runs a topology on topology.workers worker processes; each runs
// executors, threads; each executor runs one or more tasks, instances of one
// component. The number of tasks of a component is fixed for the topology's
// life (SetNumTasks; by default its parallelism hint); the number of
// executors can change while it runs (Rebalance). Here a worker is a group of
// goroutines that can be stopped together and an executor is a goroutine
// with a bounded receive queue. Executors hand batches of tuples to each
// other through the engines.Transport seam, addressed by task id, so the
// same code can later run with workers in separate processes. A full queue
// slows its producers (backpressure): a bolt waits for room, a spout stops
// being asked for tuples; nothing is dropped. Batch memory is reused rather
// than left to the garbage collector where that is safe: after a BasicBolt's
// Execute, and, for a Bolt that promises not to touch settled tuples
// (TupleReuser), once every tuple of a batch is acked or failed.
//
// # Guaranteed message processing
//
// A spout that emits a tuple with a message id asks Storm to track it. Every
// tuple a bolt emits anchored on an input joins the input's tuple tree; when
// every tuple of the tree has been acked, the spout's Ack is called with the
// message id; when any is failed, or the tree does not complete within
// topology.message.timeout.secs, its Fail is. A spout that emits the tuple
// again on Fail gives at-least-once delivery; with topology.acker.executors
// set to 0 nothing is tracked, Ack is called right after the emit, and
// delivery is at-most-once. Storm tracks a tree of any size in a few words
// with the XOR of random 64-bit edge ids (see acker.go);
// topology.max.spout.pending bounds the trees a spout task has in flight.
// A bolt that holds a tuple longer than the timeout on purpose can restart
// its tree's timeout with ResetTimeout (Storm 2's answer to STORM-1549).
//
// # Faults
//
// KillWorker kills a worker as a kill -9 kills a Storm worker process: its
// executors stop, the tuples they held are lost, its tasks lose their
// state, and its supervisor restarts it with fresh tasks. Reliable spouts
// replay what was lost; with no ackers the loss stands. A panic in a spout
// or bolt is reported as the task's error (Storm's reportError), fails the
// tuple being processed, and the topology runs on. A task that stays in one
// Execute or NextTuple call longer than topology.executor.stuck.report.secs
// (60) is reported as stuck, its error, where Storm stays silent
// (STORM-956).
//
// # Metrics
//
// Metrics (LocalCluster.Metrics, Job.Metrics) gives per component and task
// the counts and latencies of Storm's built-in metrics, also under Storm's
// names in Builtin: __ack-count, __fail-count, __emit-count,
// __transfer-count, __execute-count, __complete-latency,
// __execute-latency, __process-latency, __skipped-max-spout-ms,
// __skipped-backpressure-ms, the receive queue's __receive.population,
// __receive.capacity and __receive.pct_full, and capacity (executed x
// execute latency over the window).
//
// # Time
//
// Tick tuples arrive at bolts every topology.tick.tuple.freq.secs (per
// topology, or per component with AddConfiguration); IsTick tells them
// apart. Windowed bolts (WindowedBolt, BaseWindowedBolt) see tumbling or
// sliding windows by count or duration, on processing time or on event time
// with watermarks and a late-tuple stream (on event time, length and slide
// are both counts or both durations). The clock is injectable
// (WithClock, ManualClock), so timeouts and windows are tested without
// waiting.
//
// # Between processes
//
// Workers in separate processes exchange batches of tuples over
// cluster/transport with a TupleCodec (NewTupleCodec), as Storm's workers
// send tuples serialized with Kryo: the stream travels as an index into
// the topology's stream table, whose hash is in the codec's name, so
// workers of different topologies refuse each other. Values of Go's basic
// types, time.Time, time.Duration, Values, []any, []string,
// map[string]any, engines.Record (and its pointer), engines.Output and late
// tuples are built in; other types need RegisterSerialization (Storm's
// topology.kryo.register), or gob.Register and
// topology.fall.back.on.java.serialization. A value of a type with neither
// fails the send with a *SerializationError naming it.
//
// # Configuration
//
// Config uses Storm's key names. Built-in defaults are overridden by a
// storm.yaml-style file (ReadConfigFile, WithConfig), then by the Config
// given to SubmitTopology, then by a component's own configuration. As in
// Storm, every component's Prepare or Open sees the whole configuration,
// keys of the user's own included, and Storm's keys for what this package
// does not have (JVM options, ZooKeeper, the resource-aware scheduler) are
// accepted with no effect and listed as such. Unlike Storm, a key this
// package implements with a value of the wrong type, and a key one or two
// edits from a known one ("topology.worker"), are errors naming the key.
//
// # Example
//
// Storm's word count, as in its starter topologies:
//
//	builder := core.NewTopologyBuilder()
//	builder.SetSpout("spout", &SentenceSpout{}, 1)
//	builder.SetBolt("split", &SplitSentence{}, 2).ShuffleGrouping("spout")
//	builder.SetBolt("count", &WordCount{}, 3).FieldsGrouping("split", core.NewFields("word"))
//
//	conf := core.Config{}
//	conf.SetNumWorkers(2)
//	cluster := core.NewLocalCluster()
//	defer cluster.Shutdown()
//	if err := cluster.SubmitTopology("word-count", conf, builder.CreateTopology()); err != nil {
//		log.Fatal(err)
//	}
//	...
//	cluster.KillTopology("word-count")
//
// where SplitSentence is a BasicBolt (its emits are anchored and its input
// acked for it):
//
//	func (SplitSentence) Execute(t *core.Tuple, c *core.BasicOutputCollector) error {
//		for _, w := range strings.Fields(t.GetString(0)) {
//			c.Emit(core.Values{w})
//		}
//		return nil
//	}
//
// The runnable versions are the package's examples (ExclamationTopology and
// WordCountTopology). A Job runs a topology as an engines.Engine for the
// streambench harness.
//
// # Differences from Storm
//
// Task objects are created once at submission and survive a rebalance (in
// Storm, workers are restarted and tasks re-created from the serialized
// component), so a rebalance loses no in-memory state. Kill and rebalance
// end their wait early once nothing is in flight. A topology with a cycle is
// refused rather than left to deadlock under backpressure. Executors flush
// partial output batches as soon as their input runs dry, so
// topology.producer.batch.size defaults to 100 instead of 1. Collectors are,
// as in Storm 2, for the executor's goroutine only.
package core
