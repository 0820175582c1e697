package network

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(4, 2, map[string]string{"towers": "20", "window": "200ms"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 100, func(t *testing.T, outs []engines.Output) {
		allocations := 0
		for _, o := range outs {
			if o.Event {
				allocations++
			}
		}
		if allocations == 0 {
			t.Error("no tower reached its capacity: the test should make some allocate")
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
