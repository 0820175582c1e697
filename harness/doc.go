// Package harness runs a workload on an engine and measures it honestly.
//
// A run has four parts, wired by Run:
//
//   - the Driver publishes the workload's records to a Source on an open-loop
//     plan: record g is due at start + g/rate, whatever the engine is doing.
//     Every record carries that intended emit time. When the source is full
//     the driver falls behind and the lag is recorded as send delay, so a
//     stalled engine shows up as latency instead of slowing the offered load
//     (the coordinated-omission trap that wrk2 and HdrHistogram describe);
//   - the GeneratorSource is the in-process log the engine reads: records
//     are produced by the workload's generator from their address, so it can
//     replay any offset still within retention;
//   - the Recorder is the engine's Sink: it measures each output's latency
//     from the intended emit time of the record it reflects into per-second
//     HdrHistograms, and keeps the final value of every result;
//   - the verifier compares those final values with the workload's oracle and
//     counts lost, duplicated and wrong outputs against the run's guarantee.
//
// The harness owns time: engines never time themselves for a result. A
// result is written atomically as JSON beside an HdrHistogram log (.hlog) of
// the per-second latency histograms.
//
// The result schema (result files, .hlog files, bench manifests and the
// histogram type) lives in harness/resultfile, a leaf package that reports
// and other tools import to read results without the engines and workloads.
package harness
