package logs

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreRefusesBadLines: a record that is not a log line ends the run
// with an error naming it.
func TestCoreRefusesBadLines(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("core") {
		eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: m.Guarantee})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503", "yesterday ERROR checkout")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not a log line") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
