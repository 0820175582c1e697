// Package reports turns a directory of streambench results into one
// self-contained HTML page: the tables and the plots (inline SVG drawn with
// gonum/plot) that answer the reference deck's questions with measured
// figures. It reads only result files, so a report can always be rebuilt
// from a results directory without running anything again.
//
// A directory written by `streambench bench` holds a manifest (bench.json:
// the suite, every cell's status and search) and one result file per run,
// each with its HdrHistogram log. The report shows:
//
//   - the deck's Performance table (Storm 10k, Spark Streaming 400k, S4 7k,
//     commercial 100k records/s/node) beside the sustainable records/s per
//     node and per core measured for the engine of each system's model, and
//     each engine's ratio to the hand-written baseline with a 95% interval
//     over repetitions;
//   - the deck's questions (is Storm capped at 10k records/s per node? is
//     Spark Streaming 40x faster than Storm?), answered with the measured
//     figures and their intervals;
//   - a bar chart of sustainable throughput, a panel per workload on its
//     own scale so every bar is legible, each bar labelled with its
//     figure, the baseline as the ceiling;
//   - when cells read through JetStream, "Through the broker": each beside
//     the same cell on the generator (BrokerPairs), their ratio, and a bar
//     chart with the broker's ceiling, the baseline through JetStream, as a
//     dashed line, its figure in the legend (BrokerPlot); every other
//     figure of a JetStream cell is labelled as including the broker;
//   - latency against offered load, and latency percentile spectra;
//   - every probe of every search, so the sustainable rates can be audited;
//   - the delivery table (lost, duplicated, wrong against the guarantee),
//     the per-second timeline of every run and the environment of each;
//   - when some run had faults injected (`streambench run --fault`),
//     "Recovery": the guarantee matrix, a row per engine and guarantee and
//     a column per kind of fault ("kill worker", "kill agent", "kill
//     master", "hang worker"), each cell whether the guarantee's claim
//     held over the runs that injected it (ClaimOf: at-least-once loses
//     nothing, exactly-once loses and duplicates nothing, at-most-once
//     duplicates nothing and its loss is counted; no guarantee allows a
//     wrong result), with what they lost and duplicated and a link to the
//     verifier's examples of a failed claim; the recovery figures of every
//     fault (resultfile.RecoveryFigures) beside the shell-quoted command
//     that reproduces its run; and each run's timeline with its faults
//     marked (RecoveryPlot).
//
// Every plot keeps its legend outside the data, in a band under it, and
// breaks a title too long for its width into lines. Every figure carries
// the command that reproduces it. A result file, log
// or manifest that is corrupt, truncated or not streambench's makes Load
// fail with an error naming the file; cells a bench did not measure are
// listed with why.
//
// Usage:
//
//	d, err := reports.Load("results/20261125T030000Z")
//	if err != nil {
//		return err
//	}
//	f, _ := os.Create("report.html")
//	defer f.Close()
//	return reports.Write(f, d)
package reports
