package identity

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(3, 2, nil))
	tridentpipetest.MatchesOracle(t, in, 2, 500, 64, func(t *testing.T, outs []engines.Output) {
		if len(outs) != 1000 {
			t.Errorf("%d outputs for 1000 records", len(outs))
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
