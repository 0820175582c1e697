package ads

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(4, 2, map[string]string{"campaigns": "5", "window": "100ms"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 100, func(t *testing.T, outs []engines.Output) {
		for _, o := range outs {
			if o.Event || o.Window == 0 || o.Intended < o.Window {
				t.Fatalf("output %+v is not a windowed count update", o)
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
