package trident

import (
	"fmt"

	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// batchAgg is the one shape the three aggregator kinds take inside a
// processor: Storm wraps CombinerAggregator and ReducerAggregator into
// Aggregators the same way (CombinerAggregatorCombineImpl and friends).
type batchAgg interface {
	init(batchID any, c operation.TridentCollector) any
	aggregate(st any, t tuple.Tuple, c operation.TridentCollector) any
	complete(st any, c operation.TridentCollector)
	// readsInput reports whether aggregate looks at the tuple at all.
	readsInput() bool
}

// batchAggFor returns a maker of batchAggs for agg. In the combine phase a
// CombinerAggregator's input is the partial value of the partial phase.
func batchAggFor(agg any, combinePhase bool) (func() batchAgg, error) {
	switch a := agg.(type) {
	case operation.CombinerAggregator:
		return func() batchAgg { return &combinerAgg{c: operation.Instance(a), combine: combinePhase} }, nil
	case operation.ReducerAggregator:
		return func() batchAgg { return &reducerAgg{r: operation.Instance(a)} }, nil
	case operation.Aggregator:
		return func() batchAgg { return &generalAgg{a: operation.Instance(a)} }, nil
	case nil:
		return nil, fmt.Errorf("nil aggregator")
	}
	return nil, fmt.Errorf("%T is not an Aggregator, CombinerAggregator or ReducerAggregator", agg)
}

type combinerAgg struct {
	c       operation.CombinerAggregator
	combine bool
	out     tuple.Values // complete's emit; the aggregator's collector copies it
}

func (a *combinerAgg) init(any, operation.TridentCollector) any { return a.c.Zero() }
func (a *combinerAgg) aggregate(st any, t tuple.Tuple, _ operation.TridentCollector) any {
	if a.combine {
		return a.c.Combine(st, t.Get(0))
	}
	return a.c.Combine(st, a.c.Init(t))
}
func (a *combinerAgg) complete(st any, c operation.TridentCollector) {
	if a.out == nil {
		a.out = make(tuple.Values, 1)
	}
	a.out[0] = st
	c.Emit(a.out)
}
func (a *combinerAgg) readsInput() bool {
	_, isCount := a.c.(builtin.Count)
	return a.combine || !isCount
}

type reducerAgg struct{ r operation.ReducerAggregator }

func (a *reducerAgg) init(any, operation.TridentCollector) any { return a.r.Init() }
func (a *reducerAgg) aggregate(st any, t tuple.Tuple, _ operation.TridentCollector) any {
	return a.r.Reduce(st, t)
}
func (a *reducerAgg) complete(st any, c operation.TridentCollector) { c.Emit(tuple.Values{st}) }

func (a *reducerAgg) readsInput() bool { return true }

type generalAgg struct{ a operation.Aggregator }

func (a *generalAgg) init(id any, c operation.TridentCollector) any { return a.a.Init(id, c) }
func (a *generalAgg) aggregate(st any, t tuple.Tuple, c operation.TridentCollector) any {
	return a.a.Aggregate(st, t, c)
}
func (a *generalAgg) complete(st any, c operation.TridentCollector) { a.a.Complete(st, c) }
func (a *generalAgg) readsInput() bool                              { return true }

// aggProc runs an aggregator over each batch of a partition, per group
// when keyIdx is set. Its output replaces the input: the group's values
// followed by what the aggregator emits.
type aggProc struct {
	baseProc
	agg    batchAgg
	in     *tuple.Schema
	idx    []int
	keyIdx []int
	out    *tuple.Schema

	// the collector's current batch and group
	curB   *batch
	curKey tuple.Values
	slab   slab
	// groups is the last batch's group count, to size the next batch's.
	groups int
	reads  bool // the aggregator looks at its input tuples
	sel    selection
}

// aggState is a batch's aggregation state: one entry per group, in the
// order groups were first seen, so output order is deterministic.
type aggState struct {
	index map[string]int
	keys  []tuple.Values
	vals  []any
}

func (p *aggProc) prepare(pc *procContext) error {
	p.pc = pc
	p.reads = p.agg.readsInput()
	switch a := p.agg.(type) {
	case *combinerAgg:
		return prepareOp(a.c, pc)
	case *reducerAgg:
		return prepareOp(a.r, pc)
	case *generalAgg:
		return prepareOp(a.a, pc)
	}
	return nil
}

func (p *aggProc) startBatch(b *batch) {
	st := &aggState{}
	p.curB = b
	if p.keyIdx == nil {
		p.curKey = nil
		st.vals = []any{p.agg.init(b.tx, p)}
		st.keys = []tuple.Values{nil}
	} else {
		st.index = make(map[string]int, p.groups)
		st.keys = make([]tuple.Values, 0, p.groups)
		st.vals = make([]any, 0, p.groups)
	}
	b.slots[p.pc.slot] = st
}

func (p *aggProc) execute(b *batch, _ int, t tuple.Tuple) {
	st := b.slots[p.pc.slot].(*aggState)
	p.curB = b
	i := 0
	if p.keyIdx != nil {
		var kv tuple.Values
		var ks string
		if len(p.keyIdx) == 1 {
			// The common case, grouping by one string field (a word):
			// the string is its own key and nothing is allocated.
			v := t.Get(p.keyIdx[0])
			if s, ok := v.(string); ok && (len(s) == 0 || s[0] != 0xff) {
				ks = s
			} else {
				kv = tuple.Values{v}
				ks = mustKey(kv)
			}
		} else {
			kv = t.Select(p.keyIdx)
			ks = mustKey(kv)
		}
		var ok bool
		if i, ok = st.index[ks]; !ok {
			if kv == nil {
				kv = p.slab.alloc(1)
				kv[0] = t.Get(p.keyIdx[0])
			}
			i = len(st.keys)
			st.index[ks] = i
			st.keys = append(st.keys, kv)
			p.curKey = kv
			st.vals = append(st.vals, p.agg.init(b.tx, p))
		}
		p.curKey = st.keys[i]
	}
	in := t
	if p.reads {
		in = p.sel.project(t, p.idx, p.in)
	}
	st.vals[i] = p.agg.aggregate(st.vals[i], in, p)
}

func (p *aggProc) finishBatch(b *batch) error {
	st := b.slots[p.pc.slot].(*aggState)
	p.curB = b
	if p.keyIdx != nil {
		p.groups = len(st.keys)
	}
	for i, v := range st.vals {
		p.curKey = st.keys[i]
		p.agg.complete(v, p)
	}
	return nil
}

// Emit implements operation.TridentCollector: the group's values, then
// the aggregator's. It copies vals, so an aggregator may reuse them.
func (p *aggProc) Emit(vals tuple.Values) {
	out := p.slab.alloc(len(p.curKey) + len(vals))
	n := copy(out, p.curKey)
	copy(out[n:], vals)
	p.pc.emit(p.curB, out)
}

// ReportError implements operation.TridentCollector.
func (p *aggProc) ReportError(err error) { p.pc.reportError(err) }

func mustKey(k tuple.Values) string {
	s, err := state.EncodeKey(k)
	if err != nil {
		panic(fmt.Errorf("group key: %w", err))
	}
	return s
}
