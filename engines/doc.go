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
