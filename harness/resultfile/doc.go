// Package resultfile is the schema of streambench's results, and the code
// that reads and writes them: run results (JSON), their per-second latency
// histograms (.hlog, HdrHistogram's log format), and the manifest of a bench
// directory (bench.json).
//
// It is a leaf: it imports only the standard library, hdrhistogram-go and
// streambench's root engines package (for the delivery guarantee and the
// engine settings map), never an engine, a workload or the harness. So other
// tools can import it to read streambench results without compiling the
// engines; reports does.
//
// A result file is checked as it is read: a file that is not JSON, is
// truncated, lacks a required key or has another SchemaVersion is refused
// with an error wrapping ErrBadResult and naming the file. The same holds
// for manifests (ErrBadResult) and histogram logs (ErrBadHistogramLog).
// Writes are atomic (WriteFile): a reader sees the old file or the new one
// whole.
//
// Usage:
//
//	r, err := resultfile.ReadResult("results/run.json")
//	if err != nil {
//		return err
//	}
//	fmt.Printf("%s on %s: %.0f records/s, p99 %dµs\n", r.Engine, r.Workload,
//		r.Throughput.RecordsPerSecond, r.Latency.P99)
//	// The per-second latency histograms, warm-up marked.
//	ivs, err := resultfile.ReadHistogramLog(filepath.Join("results", r.HistogramLog), r)
//
// The harness writes results (harness.Run returns a Measurement whose Write
// calls WriteResult); bench directories are read whole with ReadManifest.
package resultfile
