package ads

import (
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/mbpipe/mbpipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestMicrobatchMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "50ms"})
	mbpipetest.MatchesOracle(t, in, 2, 500, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		for _, o := range outs {
			if o.Intended < o.Window || o.Intended >= o.Window+int64(50*time.Millisecond) {
				t.Fatalf("%q window %d: intended %d outside its window", o.Key, o.Window, o.Intended)
			}
		}
	})
}

// TestMicrobatchRefusesBadEvents: a record that is not an ad event ends
// the run with an error naming it; an ad of no campaign is dropped, as the
// original drops it.
func TestMicrobatchRefusesBadEvents(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, g := range mbpipetest.Guarantees {
		eng, err := in.Pipeline("microbatch", workloads.Options{Parallelism: 1, Guarantee: g, BatchInterval: mbpipetest.BatchInterval})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, `{"ad_id":"nobody","event_type":"view","event_time":"1000"}`, `{"ad_id":"x","event_type":"view"}`)
		src.CloseAll()
		sink := &enginetest.CollectSink{}
		err = eng.Run(t.Context(), src, sink)
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not an ad event") {
			t.Errorf("%s: Run returned %v, want the bad record named", g, err)
		}
		if n := len(sink.Outputs()); n != 0 {
			t.Errorf("%s: %d outputs for an ad of no campaign", g, n)
		}
	}
}

func TestMicrobatchRefuses(t *testing.T) {
	mbpipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestMicrobatchStopsOnCancel(t *testing.T) {
	mbpipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestMicrobatchSinkFailure(t *testing.T) {
	mbpipetest.SinkFailure(t, newTest(t, 1, 2, nil), 2, 20)
}
