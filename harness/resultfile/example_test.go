package resultfile_test

import (
	"fmt"
	"path/filepath"

	"github.com/streambench/streambench/harness/resultfile"
)

// Read one run of the reference bench (a probe of Storm's model at 345,000
// records/s) and its latency histograms, and print its figures.
func ExampleReadResult() {
	r, err := resultfile.ReadResult("testdata/wordcount.core-at-least-once.r1.05-probe-345000.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s on %s (%s): %.0f records/s per core, p99 %dµs\n", r.Engine, r.Workload, r.Guarantee,
		r.Throughput.RecordsPerSecondPerCore, r.Latency.P99)

	ivs, err := resultfile.ReadHistogramLog(filepath.Join("testdata", r.HistogramLog), r)
	if err != nil {
		fmt.Println(err)
		return
	}
	merged := resultfile.NewHistogram()
	for _, iv := range ivs {
		if !iv.Warmup {
			merged.Merge(iv.Hist)
		}
	}
	fmt.Printf("%d intervals; after the warm-up: p99.9 %dµs over %d outputs\n", len(ivs), merged.Quantile(99.9), merged.Summary().Count)
	// Output:
	// core on wordcount (at-least-once): 168525 records/s per core, p99 73335µs
	// 4 intervals; after the warm-up: p99.9 75563µs over 7019548 outputs
}
