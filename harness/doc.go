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
// Engines are known from their own declarations (engines.Spec, registered by
// each engine package): the guarantees they offer and how each maps to their
// settings, and the settings they know in their own vocabulary. A run's
// RunConfig.Conf carries those settings; the CLI's --conf key=value, the
// engines' shorthand flags (EngineFlags: --batch-interval and the like) and
// a --config file all become one Conf, which the engine's configuration code
// checks before anything runs (CheckEngineConf).
//
// Faults are data: a RunConfig's Faults (ParseFault: "kill worker 1 at
// 10s", "hang agent random at 5s for 3s") are fired by an injector that
// starts with the run, on the harness's clock, and logs when each fault
// really fired. A cluster run's processes are hit by pid (SIGKILL; SIGSTOP
// then SIGCONT for a hang, resumed however the run ends), a local run's
// core workers through the engine's KillWorker (WorkerKiller). After the
// run, each firing's recovery is computed from the per-second timeline
// (downtime, recovery time to RecoveryOutputShare of the pre-fault median
// over RecoveryWindow seconds, peak backlog, latency while recovering) and
// stored in the result's Recovery; loss and duplicates stay the verifier's.
//
// Above single runs:
//
//   - a Suite (LoadSuite, ParseSuite; harness/suites holds the built-in
//     deck, quick and broker) lists cells: an engine, a workload and every setting of
//     their runs, including the engine's settings (engine_conf and its
//     spellings), checked when the suite is read, so a bad value is an error
//     naming the file, the line and the key;
//   - Search finds a cell's sustainable rate: probes at offered rates, each
//     judged (Judge) sustainable when the backlog does not grow, latency
//     stays within its bound and does not climb, and the driver kept up;
//     the rate then moves up by a factor or bisects between the best
//     sustainable and the lowest overloaded rate until within the precision;
//   - Bench runs a suite cell by cell and repetition by repetition, each
//     repetition a search then a latency-vs-load curve at fractions of the
//     sustainable rate, keeping a manifest (bench.json) it rewrites after
//     every run, so an interrupted bench resumes where it stopped.
//
// The result schema (result files, .hlog files, bench manifests and the
// histogram type) lives in harness/resultfile, a leaf package that reports
// and other tools import to read results without the engines and workloads.
package harness
