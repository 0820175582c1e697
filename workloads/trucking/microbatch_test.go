package trucking

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/mbpipe/mbpipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestMicrobatchMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "100ms", "trucks": "20", "speeding-rate": "0.05"})
	mbpipetest.MatchesOracle(t, in, 2, 1500, func(t *testing.T, outs []engines.Output) {
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

// TestMicrobatchRefusesBadEvents: a record that is not a truck event ends
// the run with an error naming it.
func TestMicrobatchRefusesBadEvents(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, g := range mbpipetest.Guarantees {
		eng, err := in.Pipeline("microbatch", workloads.Options{Parallelism: 1, Guarantee: g, BatchInterval: mbpipetest.BatchInterval})
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

func TestMicrobatchRefuses(t *testing.T) {
	mbpipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestMicrobatchStopsOnCancel(t *testing.T) {
	mbpipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestMicrobatchSinkFailure(t *testing.T) {
	mbpipetest.SinkFailure(t, newTest(t, 1, 2, map[string]string{"speeding-rate": "0.5"}), 2, 20)
}
