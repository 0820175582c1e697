package trident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// split is the Function of the canonical word count.
var split = operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
	for _, w := range strings.Fields(t.GetString(0)) {
		c.Emit(tuple.Values{w})
	}
})

func TestWordCountJob(t *testing.T) {
	src := enginetest.NewMemSource(3)
	oracle := map[string]int64{}
	for i := range 300 {
		s := []string{"the cat", "the dog sat", "a cat ran"}[i%3]
		src.AppendValues(i%3, s)
		for _, w := range strings.Fields(s) {
			oracle[w]++
		}
	}
	src.CloseAll()
	factory := state.NewMemoryMapStateFactory(state.Transactional)
	conf := core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0}
	job, err := trident.NewJob("wc", conf, func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
		sp, err := spout.NewSourceSpout(src, spout.Transactional, 50)
		if err != nil {
			return nil, err
		}
		topo := trident.NewTridentTopology()
		topo.NewStream("sentences", sp).ParallelismHint(2).
			Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
			GroupBy(tuple.NewFields("word")).
			PersistentAggregate(factory, nil, builtin.Count{}, tuple.NewFields("count")).ParallelismHint(2)
		return topo, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := job.Run(ctx, src, &enginetest.CollectSink{}); err != nil {
		t.Fatal(err)
	}
	st, _ := factory.MakeState(nil, 0, 1)
	for w, want := range oracle {
		got, err := st.(state.MapState).MultiGet([][]any{{w}})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != want {
			t.Errorf("count of %q = %v, want %d", w, got[0], want)
		}
	}
	t.Logf("metrics: %+v", job.Metrics().(trident.JobMetrics).BatchesCommitted)
}
