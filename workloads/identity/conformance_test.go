package identity

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	oracle, _ := New(workloadtest.Config(3, 2, nil))
	quiet, _ := New(workloadtest.Config(1, 2, nil))
	workloadtest.Conformance(t, workloadtest.Suite{
		Oracle: oracle, Partitions: 2, Records: 500,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "64"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			if len(outs) != 1000 {
				t.Errorf("%d outputs for 1000 records", len(outs))
			}
		},
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	})
}
