package identity

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/mbpipe/mbpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestMicrobatchMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(3, 2, nil))
	mbpipetest.MatchesOracle(t, in, 2, 500, func(t *testing.T, outs []engines.Output) {
		if len(outs) != 1000 {
			t.Errorf("%d outputs for 1000 records", len(outs))
		}
	})
}

func TestMicrobatchRefuses(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	mbpipetest.Refuses(t, in)
}

func TestMicrobatchStopsOnCancel(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	mbpipetest.StopsOnCancel(t, in, 2)
}

func TestMicrobatchSinkFailure(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	mbpipetest.SinkFailure(t, in, 2, 20)
}
