package grep

import (
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// tridentPipeline is grep as a Trident user writes it:
//
//	matches := stream.Filter(["value"], Grep)
//	matches.Each(["record"], Event, ["out"])
//	       .PartitionPersist(sink, ["out"], WriteOutputs)
//	matches.Each(["record"], Window, ["key", "window"])
//	       .GroupBy(["key", "window"])
//	       .Aggregate(["record"], WindowCount, ["partial"])     // combined per spout task first
//	       .PartitionPersist(counts, WindowCountUpdater, ["out", "before"])
//	       .NewValuesStream()
//	       .PartitionPersist(sink, ["out"], WriteOutputs)
//
// Matching and the match events stay on the spout's tasks; the count per
// window is persistentAggregate(Count) on (key, window) written out in its
// two halves (see wincount.Combiner), one update per window per
// batch. Events and counts reach the sink when their batch commits.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("grep", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		matches := topo.NewStream("lines", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Filter(tuple.NewFields("value"), GrepFilter{Matcher: in.Matcher()})
		matches.Each(tuple.NewFields("record"), MatchEventFunction{}, trident.OutFields).
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		matches.Each(tuple.NewFields("record"), MatchWindowFunction{Window: in.Window}, tuple.NewFields("key", "window")).
			GroupBy(tuple.NewFields("key", "window")).
			Aggregate(tuple.NewFields("record"), wincount.Combiner{}, tuple.NewFields("partial")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// GrepFilter keeps the lines that hold the pattern.
type GrepFilter struct{ Matcher Matcher }

var _ operation.Filter = GrepFilter{}

// IsKeep implements operation.Filter.
func (f GrepFilter) IsKeep(t tuple.Tuple) bool { return f.Matcher.Match(t.GetString(0)) }

// MatchEventFunction makes a matching line its event.
type MatchEventFunction struct{}

var _ operation.Function = MatchEventFunction{}

// Execute implements operation.Function.
func (MatchEventFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{MatchEvent(t.Get(0).(*engines.Record))})
}

// MatchWindowFunction appends the match count's key and the line's
// event-time window.
type MatchWindowFunction struct {
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64
}

var _ operation.Function = MatchWindowFunction{}

// Execute implements operation.Function.
func (f MatchWindowFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{MatchesKey, f.Window(t.Get(0).(*engines.Record).EventTime)})
}
