package fraud

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(6, 2, map[string]string{"cards": "50", "amount-rate": "0.05", "velocity-rate": "0.02", "country-rate": "0.05"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 50, func(t *testing.T, outs []engines.Output) {
		for _, o := range outs {
			if !o.Event {
				t.Fatalf("output %+v is not an alert", o)
			}
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
