package trucking

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
	in := newTest(t, 3, 2, map[string]string{"window": "100ms", "trucks": "20", "speeding-rate": "0.05"})
	corepipetest.MatchesOracle(t, in, 2, 1500, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		kinds := map[string]int{}
		for _, o := range outs {
			kinds[o.Key[:strings.IndexByte(o.Key, ':')+1]]++
		}
		for _, k := range []string{SpeedingPrefix, DeviationPrefix, ViolationsPrefix} {
			if kinds[k] == 0 {
				t.Errorf("no %s outputs", k)
			}
		}
	})
}

// TestCoreRefusesBadEvents: a record that is not a truck event ends the
// run with an error naming it.
func TestCoreRefusesBadEvents(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, g := range corepipetest.Guarantees {
		eng, err := in.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: g})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "e1,T1,D1,R1,S1,fast,1000")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/0 is not a truck event") {
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
	corepipetest.SinkFailure(t, newTest(t, 1, 2, map[string]string{"speeding-rate": "0.5"}), 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	corepipetest.Benchmark(b, newTest(b, 1, 2, nil), 2, 200000)
}
