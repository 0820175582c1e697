package hashtags

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	quiet := newTest(t, 1, 2, nil)
	intended := func(t *testing.T, _ string, outs []engines.Output) { workloadtest.IntendedNeverGoesBack(t, outs) }
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "100ms", "hashtags": "300", "users": "500", "spam-users": "0.2"}), Partitions: 2, Records: 1000,
		Check: intended,
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"microbatch"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "200ms"}), Partitions: 2, Records: 600,
		Check: intended,
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 4, 2, map[string]string{"hashtags": "200", "users": "500", "spam-users": "0.2", "window": "200ms"}), Partitions: 2, Records: 600,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "100"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			ranks := 0
			for _, o := range outs {
				if o.Event || o.Window == 0 {
					t.Fatalf("output %+v is not a windowed update", o)
				}
				if o.Key == RankKey(0) {
					ranks++
				}
			}
			if ranks == 0 {
				t.Error("no window ranked")
			}
		},
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
