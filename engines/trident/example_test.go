package trident_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Split is the Function of TridentWordCount: one "word" per word of the
// sentence.
type Split struct{}

func (Split) Execute(t tuple.Tuple, c operation.TridentCollector) {
	for _, w := range strings.Fields(t.GetString(0)) {
		c.Emit(tuple.Values{w})
	}
}

// Example is Storm's canonical TridentWordCount: sentences are counted
// into a map state, and a DRPC function sums the counts of the words it is
// given.
func Example() {
	sentences := spout.NewFixedBatchSpout(tuple.NewFields("sentence"), 3,
		tuple.Values{"the cow jumped over the moon"},
		tuple.Values{"the man went to the store and bought some candy"},
		tuple.Values{"four score and seven years ago"},
		tuple.Values{"how many apples can you eat"},
	)
	drpc := trident.NewLocalDRPC()
	topology := trident.NewTridentTopology()
	wordCounts := topology.NewStream("spout1", spout.NewBatchSpoutExecutor(sentences)).
		Each(tuple.NewFields("sentence"), Split{}, tuple.NewFields("word")).
		GroupBy(tuple.NewFields("word")).
		PersistentAggregate(state.NewMemoryMapStateFactory(state.Opaque), nil, builtin.Count{}, tuple.NewFields("count")).
		ParallelismHint(2)
	topology.NewDRPCStream("words", drpc).
		Each(tuple.NewFields("args"), Split{}, tuple.NewFields("word")).
		GroupBy(tuple.NewFields("word")).
		StateQuery(wordCounts, tuple.NewFields("word"), builtin.MapGet{}, tuple.NewFields("count")).
		Filter(tuple.NewFields("count"), builtin.FilterNull{}).
		Aggregate(tuple.NewFields("count"), builtin.Sum{}, tuple.NewFields("sum"))

	storm, conf, err := topology.BuildConfig(core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	cluster := core.NewLocalCluster()
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology("wordCounter", conf, storm); err != nil {
		fmt.Println(err)
		return
	}
	// The sentences hold "the" four times, "cat" and "dog" never; the
	// query is repeated until every batch is counted.
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := drpc.Execute("words", "cat the dog")
		if err != nil || res == "[[4]]" || time.Now().After(deadline) {
			fmt.Println(res, err)
			break
		}
	}
	// Output: [[4]] <nil>
}
