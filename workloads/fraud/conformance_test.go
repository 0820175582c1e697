package fraud

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

var coreTestParams = map[string]string{"cards": "100", "amount-rate": "0.02", "velocity-rate": "0.01", "country-rate": "0.02"}

func TestConformance(t *testing.T) {
	oracle, quiet := newTest(t, 3, 2, coreTestParams), newTest(t, 1, 2, nil)
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core"},
		Oracle:  oracle, Partitions: 2, Records: 3000,
		Check: func(t *testing.T, engine string, outs []engines.Output) {
			if engine == "baseline" && len(outs) < 50 {
				t.Errorf("%d alerts in 6000 transactions", len(outs))
			}
		},
		Quiet: quiet,
		Busy:  newTest(t, 1, 2, map[string]string{"cards": "10", "amount-rate": "0.5", "min-history": "1"}), BusyRecords: 50,
	}, {
		Engines: []string{"microbatch"},
		Oracle:  oracle, Partitions: 2, Records: 3000,
		Quiet: quiet, Busy: newTest(t, 1, 2, coreTestParams), BusyRecords: 500,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 6, 2, map[string]string{"cards": "50", "amount-rate": "0.05", "velocity-rate": "0.02", "country-rate": "0.05"}), Partitions: 2, Records: 600,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "50"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			for _, o := range outs {
				if !o.Event {
					t.Fatalf("output %+v is not an alert", o)
				}
			}
		},
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
