package logs

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(6, 2, map[string]string{"services": "8", "window": "50ms", "incident-rate": "0.3"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 50, func(t *testing.T, outs []engines.Output) {
		flagged := 0
		for _, o := range outs {
			if strings.HasPrefix(o.Key, AnomalyPrefix) && o.Value == 1 {
				flagged++
			}
		}
		if flagged == 0 {
			t.Error("no window flagged: the test should plant incidents it catches")
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
