package grep

import (
	"testing"

	"github.com/streambench/streambench/workloads/workloadtest"
)

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
