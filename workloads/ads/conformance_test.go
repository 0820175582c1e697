package ads

import (
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	quiet := newTest(t, 1, 2, nil)
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "50ms"}), Partitions: 2, Records: 500,
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			// A window's updates carry the latest intended time of its views.
			workloadtest.IntendedNeverGoesBack(t, outs)
			for _, o := range outs {
				if o.Intended < o.Window || o.Intended >= o.Window+int64(50*time.Millisecond) {
					t.Fatalf("%q window %d: intended %d outside its window", o.Key, o.Window, o.Intended)
				}
			}
		},
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 4, 2, map[string]string{"campaigns": "5", "window": "100ms"}), Partitions: 2, Records: 600,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "100"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			for _, o := range outs {
				if o.Event || o.Window == 0 || o.Intended < o.Window {
					t.Fatalf("output %+v is not a windowed count update", o)
				}
			}
		},
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
