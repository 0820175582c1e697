package trucking

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// tridentPipeline is the trucking job as a Trident user writes it:
//
//	violations := stream.Each(["value", "record"], Judge, ["alert", "driver", "window"])
//	violations.PartitionPersist(sink, ["alert"], WriteOutputs)
//	violations.GroupBy(["driver", "window"])
//	          .Aggregate(["record"], WindowCount, ["partial"])   // combined per spout task first
//	          .PartitionPersist(counts, WindowCountUpdater, ["out", "before"])
//	          .NewValuesStream()
//	          .PartitionPersist(sink, ["out"], WriteOutputs)
//
// Judge parses an event and checks it against the road tables with
// Roads.Check, the rule every engine applies; the tables are static and
// small, so the function holds them, as a Trident function loads a lookup
// table in prepare, rather than querying a state per event. It emits one
// tuple per violation: its alert, and the driver and window it counts
// under. The count per (driver, window) is persistentAggregate(Count)
// written out in its two halves (see wincount.Combiner).
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("trucking", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		violations := topo.NewStream("positions", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, &JudgeFunction{Roads: in.Roads(), Window: in.Window}, tuple.NewFields("alert", "driver", "window"))
		violations.PartitionPersist(pl.SinkState(), tuple.NewFields("alert"), trident.WriteOutputs{}, nil)
		violations.GroupBy(tuple.NewFields("driver", "window")).
			Aggregate(tuple.NewFields("record"), wincount.Combiner{}, tuple.NewFields("partial")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields).
			NewValuesStream().
			PartitionPersist(pl.SinkState(), trident.OutFields, trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// JudgeFunction parses a truck event, checks it against the road tables,
// and emits [alert, violations key of the driver, event-time window] for
// each violation. Its input is spout.SourceFields. Each task gets its own
// copy (Clone), with its own cache of drivers' keys.
type JudgeFunction struct {
	Roads *Roads
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64

	outs []engines.Output
	keys map[string]string
}

var (
	_ operation.Function = (*JudgeFunction)(nil)
	_ operation.Cloner   = (*JudgeFunction)(nil)
)

// Clone implements operation.Cloner.
func (f *JudgeFunction) Clone() any {
	return &JudgeFunction{Roads: f.Roads, Window: f.Window, keys: map[string]string{}}
}

// Execute implements operation.Function.
func (f *JudgeFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	r := t.Get(1).(*engines.Record)
	e, ok := Parse(t.GetString(0))
	if !ok {
		c.ReportError(fmt.Errorf("record %d/%d is not a truck event: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	if f.keys == nil {
		f.keys = map[string]string{}
	}
	outs, n := alerts(f.Roads, f.outs[:0], e, r)
	f.outs = outs
	if n == 0 {
		return
	}
	key, window := violationsKey(f.keys, e.Driver), f.Window(e.TimeMs*1e6)
	for _, o := range outs {
		c.Emit(tuple.Values{o, key, window})
	}
}
