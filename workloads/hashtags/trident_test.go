package hashtags

import (
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads/internal/tridentpipe/tridentpipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestTridentMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(4, 2, map[string]string{"hashtags": "200", "users": "500", "spam-users": "0.2", "window": "200ms"}))
	tridentpipetest.MatchesOracle(t, in, 2, 600, 100, func(t *testing.T, outs []engines.Output) {
		ranks := 0
		for _, o := range outs {
			if o.Event || o.Window == 0 {
				t.Fatalf("output %+v is not a windowed update", o)
			}
			if o.Key == RankKey(0) {
				ranks++
			}
		}
		if ranks == 0 {
			t.Error("no window ranked")
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
