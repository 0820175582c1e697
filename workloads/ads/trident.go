package ads

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// tridentPipeline is the Yahoo job as a Trident user writes it:
//
//	stream.Each(["value", "record"], View, ["campaign", "window"])  // parse, keep views, project, join
//	      .GroupBy(["campaign", "window"])
//	      .Aggregate(["record"], WindowCount, ["partial"])         // combined per spout task first
//	      .PartitionPersist(counts, WindowCountUpdater, ["out", "before"])
//	      .NewValuesStream()
//	      .PartitionPersist(sink, ["out"], WriteOutputs)
//
// Parsing, the filter on views, the projection and the join with the
// static campaign table need no grouping, so they are one Each on the
// spout's tasks, as the other engines fuse them. The count per (campaign,
// window) is persistentAggregate(Count) written out in its two halves (see
// wincount.Combiner), one update per window per batch, reaching the
// sink when the batch commits.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("ads", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("ad-events", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, ViewFunction{Campaign: in.Campaign, Window: in.Window}, tuple.NewFields("campaign", "window")).
			GroupBy(tuple.NewFields("campaign", "window")).
			Aggregate(tuple.NewFields("record"), wincount.Combiner{}, tuple.NewFields("partial")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// ViewFunction parses an ad event and, for a view of an ad of a campaign,
// appends the campaign and the event-time window; other events it drops.
// Its input is spout.SourceFields.
type ViewFunction struct {
	// Campaign looks an ad up in the static campaign table.
	Campaign func(adID string) (string, bool)
	// Window returns the start of the window holding a time in ms.
	Window func(timeMs int64) int64
}

var _ operation.Function = ViewFunction{}

// Execute implements operation.Function.
func (f ViewFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	e, ok := Parse(t.GetString(0))
	if !ok {
		r := t.Get(1).(*engines.Record)
		c.ReportError(fmt.Errorf("record %d/%d is not an ad event: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	if e.EventType != "view" {
		return
	}
	campaign, ok := f.Campaign(e.AdID)
	if !ok {
		return // an ad of no campaign: the original drops it too
	}
	c.Emit(tuple.Values{campaign, f.Window(e.TimeMs)})
}
