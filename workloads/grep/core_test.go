package grep

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/corepipe/corepipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestCoreMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "50ms", "match-rate": "0.05"})
	corepipetest.MatchesOracle(t, in, 2, 1000, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		windows := map[int64]bool{}
		for _, o := range outs {
			if o.Key == MatchesKey {
				windows[o.Window] = true
			}
		}
		if len(windows) < 10 {
			t.Errorf("matches counted in %d windows of 50ms over 1s of events", len(windows))
		}
	})
}

func TestCoreRefuses(t *testing.T) {
	corepipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestCoreStopsOnCancel(t *testing.T) {
	corepipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestCoreSinkFailure(t *testing.T) {
	corepipetest.SinkFailure(t, newTest(t, 1, 2, map[string]string{"match-rate": "0.5"}), 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	corepipetest.Benchmark(b, newTest(b, 1, 2, nil), 2, 200000)
}
