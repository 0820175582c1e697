package grep

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "50ms", "match-rate": "0.05"}), Partitions: 2, Records: 1000,
		Check: func(t *testing.T, engine string, outs []engines.Output) {
			workloadtest.IntendedNeverGoesBack(t, outs)
			if engine == "baseline" {
				if len(outs) < 100 {
					t.Errorf("%d outputs for 2000 records at 5%% matches", len(outs))
				}
				return
			}
			windows := map[int64]bool{}
			for _, o := range outs {
				if o.Key == MatchesKey {
					windows[o.Window] = true
				}
			}
			if len(windows) < 10 {
				t.Errorf("matches counted in %d windows of 50ms over 1s of events", len(windows))
			}
		},
		Quiet: newTest(t, 1, 2, nil),
		Busy:  newTest(t, 1, 2, map[string]string{"match-rate": "0.5"}), BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 5, 3, map[string]string{"match-rate": "0.3", "window": "100ms"}), Partitions: 3, Records: 400,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "50"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
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
		},
		Quiet: newTest(t, 1, 3, nil),
	}} {
		workloadtest.Conformance(t, s)
	}
}
