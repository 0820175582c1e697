package grep

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(5, 3, map[string]string{"match-rate": "0.3", "window": "100ms"}))
	tridentpipetest.MatchesOracle(t, in, 3, 400, 50, func(t *testing.T, outs []engines.Output) {
		updates := 0
		for _, o := range outs {
			if !o.Event {
				updates++
			}
		}
		// One count update per window per batch, not one per match.
		if events := len(outs) - updates; updates >= events {
			t.Errorf("%d count updates for %d matches: batches should fold them", updates, events)
		}
	})
}

func TestTridentRefuses(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	tridentpipetest.Refuses(t, in)
}

func TestTridentStopsOnCancel(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	tridentpipetest.StopsOnCancel(t, in, 2)
}
