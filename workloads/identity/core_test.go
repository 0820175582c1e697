package identity

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/corepipe/corepipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestCoreMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(3, 2, nil))
	corepipetest.MatchesOracle(t, in, 2, 500, func(t *testing.T, outs []engines.Output) {
		if len(outs) != 1000 {
			t.Errorf("%d outputs for 1000 records", len(outs))
		}
	})
}

func TestCoreRefuses(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.Refuses(t, in)
}

func TestCoreStopsOnCancel(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.StopsOnCancel(t, in, 2)
}

func TestCoreSinkFailure(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.SinkFailure(t, in, 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, the
// cost of the engine alone.
func BenchmarkCore(b *testing.B) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.Benchmark(b, in, 2, 200000)
}
