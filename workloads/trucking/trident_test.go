package trucking

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(4, 2, map[string]string{"window": "200ms"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 100, func(t *testing.T, outs []engines.Output) {
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
