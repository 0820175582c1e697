package reports_test

import (
	"fmt"

	"github.com/streambench/streambench/reports"
)

// The ratio of two engines' sustainable rates, with its 95% interval over
// repetitions, as the report computes "is Spark Streaming 40x faster than
// Storm?".
func ExampleRatioOf() {
	microbatch := []float64{240_000, 251_000, 246_000} // records/s, three repetitions
	core := []float64{70_500, 71_800, 69_900}
	r := reports.RatioOf(microbatch, core)
	fmt.Printf("microbatch / core = %.2f, 95%% CI %.2f to %.2f, over %d repetitions\n", r.Mean, r.Lo, r.Hi, r.N)
	// Output: microbatch / core = 3.47, 95% CI 3.31 to 3.64, over 3 repetitions
}

// A sustainable rate over three repetitions: the geometric mean and its
// 95% interval.
func ExampleEstimateOf() {
	e := reports.EstimateOf([]float64{71_200, 70_100, 72_000})
	fmt.Printf("%.0f records/s, 95%% CI %.0f to %.0f\n", e.Mean, e.Lo, e.Hi)
	// Output: 71096 records/s, 95% CI 68762 to 73508
}
