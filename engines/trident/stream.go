package trident

import (
	"fmt"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// Stream is a Trident stream: a sequence of batches of tuples with named
// fields. Its operations come in the kinds Storm's Stream has:
// partition-local ones (Each, Filter, Map, FlatMap, Peek, Project,
// PartitionAggregate, StateQuery, PartitionPersist) run where the tuples
// are; repartitioning ones (Shuffle, PartitionBy, Global, BatchGlobal,
// Broadcast, Partition) move them; aggregations (Aggregate, GroupBy then
// Aggregate or PersistentAggregate, MinBy, MaxBy, Min, Max) combine a
// batch or keep state across batches; windows (Window and its shorthands)
// aggregate across batches. Streams are immutable: each operation returns
// a new one.
type Stream struct {
	topo *TridentTopology
	node *node
}

// grouping is how a repartition spreads tuples over the next bolt's tasks.
type grouping struct {
	kind   groupKind
	fields tuple.Fields
	custom core.CustomStreamGrouping
}

type groupKind int

const (
	groupShuffle groupKind = iota
	groupFields
	groupGlobal
	groupBatchGlobal
	groupBroadcast
	groupCustom
	groupLocalOrShuffle
)

// OutputFields returns the stream's fields.
func (s *Stream) OutputFields() tuple.Fields { return s.node.schema.Fields() }

// Name names the stream's operation, for metrics and error messages.
func (s *Stream) Name(name string) *Stream { s.node.name = name; return s }

// ParallelismHint sets how many tasks run the operations since the last
// repartition (Storm applies a hint to the whole stretch between
// repartitions, the bolt they compile into).
func (s *Stream) ParallelismHint(n int) *Stream {
	if n < 1 {
		s.topo.errorf("ParallelismHint(%d) on %s: must be at least 1", n, s.node.name)
		return s
	}
	s.node.parallelism = n
	return s
}

func (s *Stream) op(name string, schema *tuple.Schema, newProc func() processor) *Stream {
	n := s.topo.addNode(&node{kind: opNode, name: name, parents: []*node{s.node}, schema: schema, newProc: newProc})
	return &Stream{topo: s.topo, node: n}
}

// failed returns a stream that stands in after a build error, so chained
// calls go on and Build reports everything.
func (s *Stream) failed(format string, args ...any) *Stream {
	s.topo.errorf(format, args...)
	return s.op("invalid", s.node.schema, passThrough)
}

// inputs resolves an operation's input fields against the stream.
func (s *Stream) inputs(what string, in tuple.Fields) (*tuple.Schema, []int, error) {
	if in == nil {
		in = s.node.schema.Fields()
	}
	idx, err := s.node.schema.Indexes(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%s after %s: %w", what, s.node.name, err)
	}
	schema, err := tuple.NewSchema(in)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: input %w", what, err)
	}
	return schema, idx, nil
}

// Each applies fn to the inFields of every tuple and appends the outFields
// it emits; a tuple for which fn emits nothing is dropped, one for which it
// emits twice is duplicated.
func (s *Stream) Each(inFields tuple.Fields, fn operation.Function, outFields tuple.Fields) *Stream {
	in, idx, err := s.inputs("Each", inFields)
	if err != nil {
		return s.failed("%v", err)
	}
	if fn == nil {
		return s.failed("Each after %s: nil function", s.node.name)
	}
	schema, err := tuple.NewSchema(s.node.schema.Fields().Concat(outFields))
	if err != nil {
		return s.failed("Each after %s: output fields %v: %v", s.node.name, outFields, err)
	}
	return s.op("each", schema, func() processor {
		return &eachProc{fn: operation.Instance(fn), in: in, idx: idx, out: schema, nOut: len(outFields)}
	})
}

// Filter keeps the tuples for which f.IsKeep is true; f sees inFields (all
// fields when nil).
func (s *Stream) Filter(inFields tuple.Fields, f operation.Filter) *Stream {
	in, idx, err := s.inputs("Filter", inFields)
	if err != nil {
		return s.failed("%v", err)
	}
	if f == nil {
		return s.failed("Filter after %s: nil filter", s.node.name)
	}
	return s.op("filter", s.node.schema, func() processor {
		return &filterProc{f: operation.Instance(f), in: in, idx: idx}
	})
}

// Map replaces every tuple with fn's result, under outFields (the input's
// fields when nil).
func (s *Stream) Map(fn operation.MapFunction, outFields tuple.Fields) *Stream {
	if fn == nil {
		return s.failed("Map after %s: nil function", s.node.name)
	}
	schema, err := s.outSchema("Map", outFields)
	if err != nil {
		return s.failed("%v", err)
	}
	return s.op("map", schema, func() processor { return &mapProc{fn: operation.Instance(fn), out: schema} })
}

// FlatMap replaces every tuple with the tuples fn returns, under outFields
// (the input's fields when nil).
func (s *Stream) FlatMap(fn operation.FlatMapFunction, outFields tuple.Fields) *Stream {
	if fn == nil {
		return s.failed("FlatMap after %s: nil function", s.node.name)
	}
	schema, err := s.outSchema("FlatMap", outFields)
	if err != nil {
		return s.failed("%v", err)
	}
	return s.op("flatMap", schema, func() processor { return &flatMapProc{fn: operation.Instance(fn), out: schema} })
}

func (s *Stream) outSchema(what string, out tuple.Fields) (*tuple.Schema, error) {
	if out == nil {
		return s.node.schema, nil
	}
	schema, err := tuple.NewSchema(out)
	if err != nil {
		return nil, fmt.Errorf("%s after %s: %w", what, s.node.name, err)
	}
	return schema, nil
}

// Peek calls c with every tuple and passes the tuples on unchanged.
func (s *Stream) Peek(c operation.Consumer) *Stream {
	if c == nil {
		return s.failed("Peek after %s: nil consumer", s.node.name)
	}
	return s.op("peek", s.node.schema, func() processor { return &peekProc{c: operation.Instance(c)} })
}

// Project keeps only fields, in their order.
func (s *Stream) Project(fields tuple.Fields) *Stream {
	in, idx, err := s.inputs("Project", fields)
	if err != nil {
		return s.failed("%v", err)
	}
	return s.op("project", in, func() processor { return &projectProc{idx: idx, out: in} })
}

func (s *Stream) repartition(name string, g grouping) *Stream {
	n := s.topo.addNode(&node{kind: partitionNode, name: name, parents: []*node{s.node}, schema: s.node.schema, grouping: g})
	return &Stream{topo: s.topo, node: n}
}

// Shuffle spreads tuples evenly over the next operation's partitions.
func (s *Stream) Shuffle() *Stream { return s.repartition("shuffle", grouping{kind: groupShuffle}) }

// Broadcast sends every tuple to every partition.
func (s *Stream) Broadcast() *Stream {
	return s.repartition("broadcast", grouping{kind: groupBroadcast})
}

// PartitionBy sends tuples with equal values of fields to the same
// partition (hash of the values mod the partitions).
func (s *Stream) PartitionBy(fields tuple.Fields) *Stream {
	if len(fields) == 0 {
		return s.failed("PartitionBy after %s: no fields", s.node.name)
	}
	if miss := s.node.schema.Fields().Missing(fields); len(miss) > 0 {
		return s.failed("PartitionBy after %s: field %q is not declared (the stream has %v)", s.node.name, miss[0], s.node.schema.Fields())
	}
	return s.repartition("partitionBy", grouping{kind: groupFields, fields: fields})
}

// Global sends every tuple of every batch to one partition.
func (s *Stream) Global() *Stream { return s.repartition("global", grouping{kind: groupGlobal}) }

// BatchGlobal sends every tuple of a batch to one partition, a different
// one per batch, which spreads the load across batches.
func (s *Stream) BatchGlobal() *Stream {
	return s.repartition("batchGlobal", grouping{kind: groupBatchGlobal})
}

// Partition repartitions with a custom engines/core grouping. The grouping
// sees each tuple's values after a leading batch id.
func (s *Stream) Partition(g core.CustomStreamGrouping) *Stream {
	if g == nil {
		return s.failed("Partition after %s: nil grouping", s.node.name)
	}
	return s.repartition("partition", grouping{kind: groupCustom, custom: g})
}

// PartitionAggregate runs agg over each partition's tuples of a batch; its
// output tuples (of outFields) replace the input. agg is an
// operation.Aggregator, CombinerAggregator or ReducerAggregator.
func (s *Stream) PartitionAggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	return s.partitionAggregate("PartitionAggregate", nil, inFields, agg, outFields, false)
}

func (s *Stream) partitionAggregate(what string, groupFields, inFields tuple.Fields, agg any, outFields tuple.Fields, combinePhase bool) *Stream {
	in, idx, err := s.inputs(what, inFields)
	if err != nil {
		return s.failed("%v", err)
	}
	var keyIdx []int
	if groupFields != nil {
		if keyIdx, err = s.node.schema.Indexes(groupFields); err != nil {
			return s.failed("%s after %s: group %v", what, s.node.name, err)
		}
	}
	mk, err := batchAggFor(agg, combinePhase)
	if err != nil {
		return s.failed("%s after %s: %v", what, s.node.name, err)
	}
	if _, general := agg.(operation.Aggregator); !general && len(outFields) != 1 {
		return s.failed("%s after %s: a %T emits one value, so it takes one output field, not %v", what, s.node.name, agg, outFields)
	}
	schema, err := tuple.NewSchema(groupFields.Concat(outFields))
	if err != nil {
		return s.failed("%s after %s: output fields: %v", what, s.node.name, err)
	}
	return s.op(what, schema, func() processor {
		return &aggProc{agg: mk(), in: in, idx: idx, keyIdx: keyIdx, out: schema}
	})
}

// Aggregate aggregates each whole batch into the tuples agg emits. A
// CombinerAggregator is combined partially on every partition first, so
// only one value per partition crosses the network; the others see the
// whole batch on one partition.
func (s *Stream) Aggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *Stream {
	if c, ok := agg.(operation.CombinerAggregator); ok {
		partial := s.partitionAggregate("Aggregate", nil, inFields, c, tuple.NewFields("$partial"), false)
		return partial.Global().partitionAggregate("Aggregate", nil, tuple.NewFields("$partial"), c, outFields, true)
	}
	return s.Global().partitionAggregate("Aggregate", nil, inFields, agg, outFields, false)
}

// GroupBy groups the stream by fields for the next aggregation.
func (s *Stream) GroupBy(fields tuple.Fields) *GroupedStream {
	if len(fields) == 0 {
		s.topo.errorf("GroupBy after %s: no fields", s.node.name)
	} else if miss := s.node.schema.Fields().Missing(fields); len(miss) > 0 {
		s.topo.errorf("GroupBy after %s: field %q is not declared (the stream has %v)", s.node.name, miss[0], s.node.schema.Fields())
		fields = nil
	}
	return &GroupedStream{s: s, fields: fields}
}

// MinBy emits, per partition and batch, the tuple with the least value of
// field, as Storm's minBy: it is a partitionAggregate, so a stream spread
// over several partitions gives one tuple per partition (Global first for
// one per batch). Numbers compare by value and strings lexically. As in
// Storm's ComparisonAggregator, of tuples that tie the last one wins,
// tuples whose field is nil are passed over, and a partition with no
// tuples in a batch emits nothing. The output has the stream's fields.
func (s *Stream) MinBy(field string) *Stream { return s.MinByFunc(field, compareValues) }

// MaxBy is MinBy for the greatest value of field.
func (s *Stream) MaxBy(field string) *Stream { return s.MaxByFunc(field, compareValues) }

// MinByFunc is MinBy ordering the values of field by cmp (negative when a
// is less than b), as Storm's minBy(field, Comparator).
func (s *Stream) MinByFunc(field string, cmp func(a, b any) int) *Stream {
	return s.extremeBy("MinByFunc", field, cmp, -1)
}

// MaxByFunc is MaxBy ordering the values of field by cmp, as Storm's
// maxBy(field, Comparator).
func (s *Stream) MaxByFunc(field string, cmp func(a, b any) int) *Stream {
	return s.extremeBy("MaxByFunc", field, cmp, 1)
}

// Min emits, per partition and batch, the least tuple by cmp (negative
// when a is less than b), as Storm's min(Comparator); ties and empty
// partitions as in MinBy.
func (s *Stream) Min(cmp func(a, b tuple.Tuple) int) *Stream {
	if cmp == nil {
		return s.failed("Min after %s: nil comparator", s.node.name)
	}
	return s.extreme("Min", func(best, t tuple.Tuple) bool { return cmp(best, t) >= 0 }, nil)
}

// Max emits, per partition and batch, the greatest tuple by cmp, as
// Storm's max(Comparator); ties and empty partitions as in MinBy.
func (s *Stream) Max(cmp func(a, b tuple.Tuple) int) *Stream {
	if cmp == nil {
		return s.failed("Max after %s: nil comparator", s.node.name)
	}
	return s.extreme("Max", func(best, t tuple.Tuple) bool { return cmp(best, t) <= 0 }, nil)
}

func (s *Stream) extremeBy(what, field string, cmp func(a, b any) int, sign int) *Stream {
	i := s.node.schema.Index(field)
	if i < 0 {
		return s.failed("%s after %s: field %q is not declared (the stream has %v)", what, s.node.name, field, s.node.schema.Fields())
	}
	if cmp == nil {
		return s.failed("%s after %s: nil comparator", what, s.node.name)
	}
	// Storm keeps the best unless it is strictly better than the new tuple.
	return s.extreme(what,
		func(best, t tuple.Tuple) bool { return sign*cmp(best.Get(i), t.Get(i)) <= 0 },
		func(t tuple.Tuple) bool { return t.Get(i) == nil })
}

// extreme keeps, per partition, the tuple replace last chose; skip names
// the tuples passed over.
func (s *Stream) extreme(what string, replace func(best, t tuple.Tuple) bool, skip func(t tuple.Tuple) bool) *Stream {
	schema := s.node.schema
	return s.op(what, schema, func() processor { return &extremeProc{replace: replace, skip: skip, out: schema} })
}

// PartitionPersist applies updater to each partition's tuples of a batch,
// in the state its factory makes for the partition, at commit time and in
// txid order. What updater emits (outFields) is the state's new-values
// stream.
func (s *Stream) PartitionPersist(factory state.Factory, inFields tuple.Fields, updater state.StateUpdater, outFields tuple.Fields) *TridentState {
	in, idx, err := s.inputs("PartitionPersist", inFields)
	if err != nil {
		s.topo.errs = append(s.topo.errs, err)
		return &TridentState{s: s.failed("PartitionPersist")}
	}
	if factory == nil || updater == nil {
		s.topo.errorf("PartitionPersist after %s: nil state factory or updater", s.node.name)
		return &TridentState{s: s.failed("PartitionPersist")}
	}
	schema, err := tuple.NewSchema(outFields)
	if err != nil {
		s.topo.errorf("PartitionPersist after %s: output fields: %v", s.node.name, err)
		return &TridentState{s: s.failed("PartitionPersist")}
	}
	out := s.op("partitionPersist", schema, func() processor {
		return &persistProc{factory: factory, updater: updater, in: in, idx: idx, out: schema}
	})
	out.node.committer = true
	if typed, ok := factory.(state.Typed); ok {
		out.node.stateType = typed.StateType()
	}
	return &TridentState{s: out, factory: factory}
}

// StateQuery queries st for every tuple: fn.BatchRetrieve reads the results
// of a batch's tuples at once, and fn.Execute emits the outFields appended
// to each tuple.
func (s *Stream) StateQuery(st *TridentState, inFields tuple.Fields, fn state.QueryFunction, outFields tuple.Fields) *Stream {
	in, idx, err := s.inputs("StateQuery", inFields)
	if err != nil {
		return s.failed("%v", err)
	}
	if st == nil || st.factory == nil || fn == nil {
		return s.failed("StateQuery after %s: nil state or query function", s.node.name)
	}
	schema, err := tuple.NewSchema(s.node.schema.Fields().Concat(outFields))
	if err != nil {
		return s.failed("StateQuery after %s: output fields %v: %v", s.node.name, outFields, err)
	}
	return s.op("stateQuery", schema, func() processor {
		return &queryProc{factory: st.factory, fn: fn, in: in, idx: idx, out: schema, nOut: len(outFields)}
	})
}

// TridentState is a state a stream persists into: it can be queried with
// StateQuery, and its updates read as a stream.
type TridentState struct {
	s       *Stream
	factory state.Factory
}

// NewValuesStream returns the stream of what the state's updater emitted
// at each commit: for a persistentAggregate, [group..., new value]. A
// static state has none: nil.
func (st *TridentState) NewValuesStream() *Stream { return st.s }

// NewStaticState returns a state no stream of the topology writes, for
// StateQuery to read (Storm's newStaticState): a table loaded elsewhere.
func (t *TridentTopology) NewStaticState(factory state.Factory) *TridentState {
	if factory == nil {
		t.errorf("NewStaticState: nil state factory")
	}
	return &TridentState{factory: factory}
}

// ParallelismHint sets the parallelism of the persisting partitions.
func (st *TridentState) ParallelismHint(n int) *TridentState {
	if st.s != nil {
		st.s.ParallelismHint(n)
	}
	return st
}
