// Package engines holds what every streambench engine shares: the record and
// output types, the Source a pipeline reads from, the Sink it writes to, the
// delivery guarantees, and the Engine seam that the harness drives.
//
// The engines themselves live in sub-packages, each a library that mirrors the
// API of the system it reproduces:
//
//	engines/baseline    the hand-written Go loop: what the machine can do
//	engines/core        Apache Storm's one-at-a-time model
//	engines/trident     Storm Trident's transactional micro-batches
//	engines/microbatch  Spark Streaming's discretized streams
//
// Each engine declares itself in one place, a Spec it registers when its
// package is imported (Register): the guarantees it offers and how each maps
// to its settings, the settings it knows in the original system's
// vocabulary (Conf, checked by the engine's own configuration code), and
// the shorthand flags of some of them. Each engine package also holds its
// adapter to the harness's Source and Sink, the pieces a user of the
// original takes from a library: core's SourceSpout and SinkWriter and
// JobFor, Trident's JobFor, Plan and SinkState, micro-batch's EngineFor and
// WriteToSink.
//
// An engine never imports the harness or the workloads. A workload writes its
// pipeline once per engine API and hands the harness an Engine; the harness
// owns time, the source and the sink:
//
//	eng, _ := pipeline(opts)              // built by a workload
//	err := eng.Run(ctx, source, sink)     // returns once the source is drained
//
// The flow of one record: the harness's driver publishes it to a Source at its
// intended emit time; the engine fetches it by (partition, offset), processes
// it, and writes Outputs that name the record that caused them; the harness's
// sink measures latency from the record's intended emit time, so a stalled
// engine shows up as latency instead of hiding behind a slower send rate.
package engines
