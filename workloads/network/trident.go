package network

import (
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/workloads/internal/wincount"
)

// tridentPipeline is tower allocation as a Trident user writes it:
//
//	capacities := topology.NewStaticState(capacity table)
//	stream.Each(["value", "record"], Parse, ["tower", "window"])
//	      .GroupBy(["tower", "window"])
//	      .Aggregate(["record"], WindowCount, ["partial"])       // combined per spout task first
//	      .PartitionPersist(loads, WindowCountUpdater, ["out", "before"])
//	      .NewValuesStream()
//	      .Each(["out"], Tower, ["tower"])
//	      .StateQuery(capacities, ["tower"], Get, ["capacity"])
//	      .Each(["out", "before", "capacity"], Allocate, ["write"])
//	      .PartitionPersist(sink, ["write"], WriteOutputs)
//
// The load per (tower, window) is persistentAggregate(Count) written out
// in its two halves (see wincount.Combiner), one update per window
// per batch. Each update carries the load before the batch, so Allocate
// decides once, in the batch whose records made the load reach the
// capacity, however many of them there were.
func tridentPipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	return trident.JobFor("network", opts, func(pl trident.Plan) (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		capacities := topo.NewStaticState(&trident.StaticState{Lookup: func(tower any) (any, bool) {
			c, ok := in.Capacity(tower.(string))
			return c, ok
		}})
		topo.NewStream("cdrs", pl.Spout).ParallelismHint(pl.SpoutParallelism()).
			Each(spout.SourceFields, ParseFunction{Window: in.Window}, tuple.NewFields("tower", "window")).
			GroupBy(tuple.NewFields("tower", "window")).
			Aggregate(tuple.NewFields("record"), wincount.Combiner{}, tuple.NewFields("partial")).
			ParallelismHint(pl.Parallelism).
			PartitionPersist(pl.MapState(), nil, wincount.Updater{}, wincount.UpdaterFields).
			NewValuesStream().
			Each(tuple.NewFields("out"), TowerFunction{}, tuple.NewFields("updated")).
			StateQuery(capacities, tuple.NewFields("updated"), trident.StaticLookup{}, tuple.NewFields("capacity")).
			Each(tuple.NewFields("out", "before", "capacity"), AllocateFunction{}, tuple.NewFields("write")).
			PartitionPersist(pl.SinkState(), tuple.NewFields("write"), trident.WriteOutputs{}, nil)
		return topo, nil
	})
}

// ParseFunction parses a CDR and appends its tower and event-time window.
// Its input is spout.SourceFields.
type ParseFunction struct {
	// Window returns the start of the event-time window holding a time.
	Window func(t int64) int64
}

var _ operation.Function = ParseFunction{}

// Execute implements operation.Function.
func (f ParseFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	r := t.Get(1).(*engines.Record)
	cdr, ok := Parse(t.GetString(0))
	if !ok {
		c.ReportError(fmt.Errorf("record %d/%d is not a CDR: %.60q", r.Partition, r.Offset, r.Value))
		return
	}
	c.Emit(tuple.Values{cdr.Tower, f.Window(r.EventTime)})
}

// TowerFunction appends the tower of a load update, to query its capacity.
type TowerFunction struct{}

var _ operation.Function = TowerFunction{}

// Execute implements operation.Function.
func (TowerFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{t.Get(0).(engines.Output).Key})
}

// AllocateFunction passes a load update on to be written and, when the
// batch made the load reach the tower's capacity, the allocate decision
// after it. Its input is ["out", "before", "capacity"].
type AllocateFunction struct{}

var _ operation.Function = AllocateFunction{}

// Execute implements operation.Function.
func (AllocateFunction) Execute(t tuple.Tuple, c operation.TridentCollector) {
	up := t.Get(0).(engines.Output)
	capacity, ok := t.Get(2).(int64)
	if !ok {
		c.ReportError(fmt.Errorf("record %d/%d: tower %q is not in the capacity table", up.Partition, up.Offset, up.Key))
		return
	}
	c.Emit(tuple.Values{up})
	if Crosses(capacity, t.GetLong(1), up.Value) {
		c.Emit(tuple.Values{engines.Output{Key: AllocatePrefix + up.Key, Window: up.Window, Value: 1, Event: true,
			Partition: up.Partition, Offset: up.Offset, Intended: up.Intended}})
	}
}
