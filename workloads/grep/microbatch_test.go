package grep

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/mbpipe/mbpipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestMicrobatchMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "50ms", "match-rate": "0.05"})
	mbpipetest.MatchesOracle(t, in, 2, 1000, func(t *testing.T, outs []engines.Output) {
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

func TestMicrobatchRefuses(t *testing.T) {
	mbpipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestMicrobatchStopsOnCancel(t *testing.T) {
	mbpipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestMicrobatchSinkFailure(t *testing.T) {
	mbpipetest.SinkFailure(t, newTest(t, 1, 2, map[string]string{"match-rate": "0.5"}), 2, 20)
}
