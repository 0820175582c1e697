package trucking

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	quiet := newTest(t, 1, 2, nil)
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "100ms", "trucks": "20", "speeding-rate": "0.05"}), Partitions: 2, Records: 1500,
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			workloadtest.IntendedNeverGoesBack(t, outs)
			kinds := map[string]int{}
			for _, o := range outs {
				kinds[o.Key[:strings.IndexByte(o.Key, ':')+1]]++
			}
			for _, k := range []string{SpeedingPrefix, DeviationPrefix, ViolationsPrefix} {
				if kinds[k] == 0 {
					t.Errorf("no %s outputs", k)
				}
			}
		},
		Quiet: quiet,
		Busy:  newTest(t, 1, 2, map[string]string{"speeding-rate": "0.5"}), BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 4, 2, map[string]string{"window": "200ms"}), Partitions: 2, Records: 600,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "100"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			alerts, counts := 0, 0
			for _, o := range outs {
				if o.Event {
					alerts++
				} else {
					counts++
				}
			}
			if alerts == 0 || counts == 0 {
				t.Errorf("%d alerts and %d violation counts: the test should have both", alerts, counts)
			}
		},
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
