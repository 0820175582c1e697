package logs

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// flagged fails t unless some window of outs was flagged as an anomaly.
func flagged(t *testing.T, outs []engines.Output) {
	t.Helper()
	flags := 0
	for _, o := range outs {
		if strings.HasPrefix(o.Key, AnomalyPrefix) && o.Value == 1 {
			flags++
		}
	}
	if flags == 0 {
		t.Error("no window was flagged: the test should plant incidents it catches")
	}
}

func TestConformance(t *testing.T) {
	quiet := newTest(t, 1, 2, nil)
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  newTest(t, 3, 2, map[string]string{"window": "20ms", "services": "8", "baseline-windows": "3", "incident-rate": "0.2"}), Partitions: 2, Records: 2000,
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			workloadtest.IntendedNeverGoesBack(t, outs)
			flagged(t, outs)
		},
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 6, 2, map[string]string{"services": "8", "window": "50ms", "incident-rate": "0.3"}), Partitions: 2, Records: 600,
		Conf:  map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "50"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) { flagged(t, outs) },
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
