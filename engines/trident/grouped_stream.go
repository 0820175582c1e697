package trident

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// GroupedStream is a stream grouped by some fields, waiting for an
// aggregation (Storm's GroupedStream). Aggregate aggregates each group of a
// batch; PersistentAggregate keeps each group's aggregate in a MapState
// across batches.
type GroupedStream struct {
	s      *Stream
	fields tuple.Fields
}

// GroupFields returns the fields the stream is grouped by.
func (g *GroupedStream) GroupFields() tuple.Fields { return g.fields }

// ToStream returns the stream without its grouping.
func (g *GroupedStream) ToStream() *Stream { return g.s }

// Aggregate aggregates each group of each batch; the output is the group
// fields followed by agg's outFields. A CombinerAggregator is combined per
// group on every partition before the tuples are repartitioned by group;
// other aggregators see every tuple of a group on one partition.
func (g *GroupedStream) Aggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	if g.fields == nil {
		return g.s.failed("Aggregate on a stream grouped by no declared field")
	}
	if c, ok := agg.(operation.CombinerAggregator); ok {
		partial := g.s.partitionAggregate("Aggregate", g.fields, inFields, c, tuple.NewFields("$partial"), false)
		return partial.PartitionBy(g.fields).partitionAggregate("Aggregate", g.fields, tuple.NewFields("$partial"), c, outFields, true)
	}
	return g.s.PartitionBy(g.fields).partitionAggregate("Aggregate", g.fields, inFields, agg, outFields, false)
}

// PartitionAggregate aggregates each group of each partition's batch,
// without repartitioning.
func (g *GroupedStream) PartitionAggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	if g.fields == nil {
		return g.s.failed("PartitionAggregate on a stream grouped by no declared field")
	}
	return g.s.partitionAggregate("PartitionAggregate", g.fields, inFields, agg, outFields, false)
}

// PersistentAggregate aggregates each group into a MapState made by
// factory, keyed by the group's values: the heart of Trident's
// exactly-once word count. With a CombinerAggregator each partition
// combines its batch's tuples per group first, and only the partials are
// repartitioned to the state's partitions; with a ReducerAggregator every
// tuple is. The state's new-values stream carries [group..., outField].
func (g *GroupedStream) PersistentAggregate(factory state.Factory, inFields tuple.Fields, agg any, outFields tuple.Fields) *TridentState {
	t := g.s.topo
	if g.fields == nil {
		t.errorf("PersistentAggregate on a stream grouped by no declared field")
		return &TridentState{s: g.s.failed("PersistentAggregate")}
	}
	if len(outFields) != 1 {
		t.errorf("PersistentAggregate after %s: want one output field for the aggregate, got %v", g.s.node.name, outFields)
		return &TridentState{s: g.s.failed("PersistentAggregate")}
	}
	nk := len(g.fields)
	keyIdx := make([]int, nk)
	for i := range keyIdx {
		keyIdx[i] = i
	}
	out := g.fields.Concat(outFields)
	switch a := agg.(type) {
	case operation.CombinerAggregator:
		partial := g.s.partitionAggregate("PersistentAggregate", g.fields, inFields, a, tuple.NewFields("$partial"), false)
		return partial.PartitionBy(g.fields).PartitionPersist(factory, nil,
			&state.MapCombinerAggStateUpdater{Agg: a, KeyIdx: keyIdx, ValueIdx: nk}, out)
	case operation.ReducerAggregator:
		in, idx, err := g.s.inputs("PersistentAggregate", inFields)
		if err != nil {
			t.errs = append(t.errs, err)
			return &TridentState{s: g.s.failed("PersistentAggregate")}
		}
		groupIdx, _ := g.s.node.schema.Indexes(g.fields)
		sel := append(append([]int(nil), groupIdx...), idx...)
		inIdx := make([]int, len(idx))
		for i := range inIdx {
			inIdx[i] = nk + i
		}
		projected := g.s.op("project", tuple.MustSchema(g.fields.Concat(in.Fields())), func() processor {
			return &projectProc{idx: sel, out: tuple.MustSchema(g.fields.Concat(in.Fields()))}
		})
		if dup := g.fields.Concat(in.Fields()).Duplicates(); len(dup) > 0 {
			t.errorf("PersistentAggregate after %s: input field %q is also a group field", g.s.node.name, dup[0])
			return &TridentState{s: g.s.failed("PersistentAggregate")}
		}
		return projected.PartitionBy(g.fields).PartitionPersist(factory, nil,
			&state.MapReducerAggStateUpdater{Agg: a, KeyIdx: keyIdx, InputIdx: inIdx, Input: in}, out)
	}
	t.errorf("PersistentAggregate after %s: %T is not a CombinerAggregator or ReducerAggregator", g.s.node.name, agg)
	return &TridentState{s: g.s.failed("PersistentAggregate")}
}

// PersistentAggregate aggregates the whole stream into the one value of a
// Snapshottable state (a MapState is viewed through its global key). The
// state's new-values stream carries [outField].
func (s *Stream) PersistentAggregate(factory state.Factory, inFields tuple.Fields, agg any, outFields tuple.Fields) *TridentState {
	if len(outFields) != 1 {
		s.topo.errorf("PersistentAggregate after %s: want one output field for the aggregate, got %v", s.node.name, outFields)
		return &TridentState{s: s.failed("PersistentAggregate")}
	}
	c, ok := agg.(operation.CombinerAggregator)
	if !ok {
		if r, isReducer := agg.(operation.ReducerAggregator); isReducer {
			in, idx, err := s.inputs("PersistentAggregate", inFields)
			if err != nil {
				s.topo.errs = append(s.topo.errs, err)
				return &TridentState{s: s.failed("PersistentAggregate")}
			}
			projected := s.op("project", in, func() processor { return &projectProc{idx: idx, out: in} })
			return projected.Global().PartitionPersist(snapshotFactory{factory}, nil, &reducerSnapshotUpdater{agg: r, in: in}, outFields)
		}
		s.topo.errorf("PersistentAggregate after %s: %T is not a CombinerAggregator or ReducerAggregator", s.node.name, agg)
		return &TridentState{s: s.failed("PersistentAggregate")}
	}
	partial := s.partitionAggregate("PersistentAggregate", nil, inFields, c, tuple.NewFields("$partial"), false)
	return partial.Global().PartitionPersist(snapshotFactory{factory}, nil, &state.CombinerAggStateUpdater{Agg: c, ValueIdx: 0}, outFields)
}

// snapshotFactory views the map states a factory makes as Snapshottable,
// through their global key, as Trident's persistentAggregate does for an
// ungrouped stream.
type snapshotFactory struct{ state.Factory }

func (f snapshotFactory) MakeState(conf map[string]any, partitionIndex, numPartitions int) (state.State, error) {
	s, err := f.Factory.MakeState(conf, partitionIndex, numPartitions)
	if err != nil {
		return nil, err
	}
	if ms, ok := s.(state.MapState); ok {
		if _, snap := s.(state.Snapshottable); !snap {
			return state.NewSnapshottableMap(ms, nil), nil
		}
	}
	return s, nil
}

func (f snapshotFactory) StateType() state.Type {
	if t, ok := f.Factory.(state.Typed); ok {
		return t.StateType()
	}
	return 0
}

// reducerSnapshotUpdater folds a batch's tuples into a Snapshottable with a
// ReducerAggregator.
type reducerSnapshotUpdater struct {
	agg operation.ReducerAggregator
	in  *tuple.Schema
}

func (u *reducerSnapshotUpdater) UpdateState(s state.State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ss, ok := s.(state.Snapshottable)
	if !ok {
		return errNotSnapshottable(s)
	}
	if len(tuples) == 0 {
		return nil
	}
	nv, err := ss.Update(state.ReducerValueUpdater{Agg: u.agg, Tuples: tuples})
	if err != nil {
		return err
	}
	c.Emit(tuple.Values{nv})
	return nil
}

// StateQuery repartitions the stream by its group fields, so every key is
// queried on the partition its state would own, and queries st there.
func (g *GroupedStream) StateQuery(st *TridentState, inFields tuple.Fields, fn state.QueryFunction, outFields tuple.Fields) *Stream {
	if g.fields == nil {
		return g.s.failed("StateQuery on a stream grouped by no declared field")
	}
	return g.s.PartitionBy(g.fields).StateQuery(st, inFields, fn, outFields)
}

// Each runs fn on every tuple of the grouped stream (grouping is kept for
// the next aggregation).
func (g *GroupedStream) Each(inFields tuple.Fields, fn operation.Function, outFields tuple.Fields) *GroupedStream {
	return &GroupedStream{s: g.s.Each(inFields, fn, outFields), fields: g.fields}
}
