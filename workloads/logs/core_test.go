package logs

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/corepipe/corepipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestCoreMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "20ms", "services": "8", "baseline-windows": "3", "incident-rate": "0.2"})
	corepipetest.MatchesOracle(t, in, 2, 2000, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		flags := 0
		for _, o := range outs {
			if strings.HasPrefix(o.Key, AnomalyPrefix) && o.Value == 1 {
				flags++
			}
		}
		if flags == 0 {
			t.Error("no window was flagged")
		}
	})
}

// TestCoreRefusesBadLines: a record that is not a log line ends the run
// with an error naming it.
func TestCoreRefusesBadLines(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, g := range corepipetest.Guarantees {
		eng, err := in.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: g})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "2027-01-15T08:00:00.123Z ERROR checkout upstream returned 503", "yesterday ERROR checkout")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not a log line") {
			t.Errorf("%s: Run returned %v, want the bad record named", g, err)
		}
	}
}

func TestCoreRefuses(t *testing.T) {
	corepipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestCoreStopsOnCancel(t *testing.T) {
	corepipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestCoreSinkFailure(t *testing.T) {
	corepipetest.SinkFailure(t, newTest(t, 1, 2, nil), 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	corepipetest.Benchmark(b, newTest(b, 1, 2, nil), 2, 200000)
}
