package ads

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreRefusesBadEvents: a record that is not an ad event ends the run
// with an error naming it; an ad of no campaign is dropped, as the
// original drops it.
func TestCoreRefusesBadEvents(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("core") {
		eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: m.Guarantee})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, `{"ad_id":"nobody","event_type":"view","event_time":"1000"}`, `{"ad_id":"x","event_type":"view"}`)
		src.CloseAll()
		sink := &enginetest.CollectSink{}
		err = eng.Run(t.Context(), src, sink)
		if err == nil || !strings.Contains(err.Error(), "record 0/1 is not an ad event") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
		if n := len(sink.Outputs()); n != 0 {
			t.Errorf("%s: %d outputs for an ad of no campaign", m, n)
		}
	}
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
