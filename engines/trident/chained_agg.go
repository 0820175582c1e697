package trident

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// ChainedAggregatorDeclarer runs several aggregators over the same batch
// (or the same groups) in one pass, as Storm's chainedAgg()...chainEnd():
// the output tuple is the group's values followed by each aggregator's
// output fields, in order (the cross product when an aggregator emits
// several tuples).
type ChainedAggregatorDeclarer struct {
	s      *Stream
	group  tuple.Fields
	global bool
	aggs   []chainedStep
}

type chainedStep struct {
	in  tuple.Fields
	agg any
	out tuple.Fields
}

// ChainedAgg starts a chain of aggregations over each batch.
func (s *Stream) ChainedAgg() *ChainedAggregatorDeclarer { return &ChainedAggregatorDeclarer{s: s} }

// ChainedAgg starts a chain of aggregations over each group of each batch.
func (g *GroupedStream) ChainedAgg() *ChainedAggregatorDeclarer {
	return &ChainedAggregatorDeclarer{s: g.s, group: g.fields}
}

// PartitionAggregate adds an aggregation over each partition's part.
func (d *ChainedAggregatorDeclarer) PartitionAggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *ChainedAggregatorDeclarer {
	d.aggs = append(d.aggs, chainedStep{inFields, agg, outFields})
	return d
}

// Aggregate adds an aggregation over the whole batch (or group); the chain
// then runs after a repartition that brings a batch (group) together.
func (d *ChainedAggregatorDeclarer) Aggregate(inFields tuple.Fields, agg any, outFields tuple.Fields) *ChainedAggregatorDeclarer {
	d.global = true
	return d.PartitionAggregate(inFields, agg, outFields)
}

// ChainEnd returns the stream of the chain's output tuples.
func (d *ChainedAggregatorDeclarer) ChainEnd() *Stream {
	s := d.s
	if len(d.aggs) == 0 {
		return s.failed("ChainedAgg after %s: no aggregations before ChainEnd", s.node.name)
	}
	if d.global {
		if d.group != nil {
			s = s.PartitionBy(d.group)
		} else {
			s = s.Global()
		}
	}
	var keyIdx []int
	if d.group != nil {
		idx, err := s.node.schema.Indexes(d.group)
		if err != nil {
			return s.failed("ChainedAgg after %s: group %v", s.node.name, err)
		}
		keyIdx = idx
	}
	out := d.group
	type stepSpec struct {
		mk  func() batchAgg
		in  *tuple.Schema
		idx []int
	}
	var specs []stepSpec
	for _, a := range d.aggs {
		in, idx, err := s.inputs("ChainedAgg", a.in)
		if err != nil {
			return s.failed("%v", err)
		}
		mk, err := batchAggFor(a.agg, false)
		if err != nil {
			return s.failed("ChainedAgg after %s: %v", s.node.name, err)
		}
		if _, general := a.agg.(operation.Aggregator); !general && len(a.out) != 1 {
			return s.failed("ChainedAgg after %s: a %T emits one value, so it takes one output field, not %v", s.node.name, a.agg, a.out)
		}
		specs = append(specs, stepSpec{mk, in, idx})
		out = out.Concat(a.out)
	}
	schema, err := tuple.NewSchema(out)
	if err != nil {
		return s.failed("ChainedAgg after %s: output fields: %v", s.node.name, err)
	}
	return s.op("chainedAgg", schema, func() processor {
		p := &chainedProc{}
		for _, sp := range specs {
			p.steps = append(p.steps, &aggProc{agg: sp.mk(), in: sp.in, idx: sp.idx, keyIdx: keyIdx})
		}
		return p
	})
}

// chainedProc runs one aggProc per aggregator on every tuple and joins
// their outputs per group at the end of the batch.
type chainedProc struct {
	baseProc
	steps   []*aggProc
	outputs [][]tuple.Values // per step, what it emitted for the current group
	collect int
}

func (p *chainedProc) prepare(pc *procContext) error {
	p.pc = pc
	p.outputs = make([][]tuple.Values, len(p.steps))
	for i, st := range p.steps {
		i := i
		spc := *pc
		spc.slot = 0
		spc.emit = func(_ *batch, vals tuple.Values) { p.outputs[i] = append(p.outputs[i], vals) }
		if err := st.prepare(&spc); err != nil {
			return err
		}
	}
	return nil
}

// Each step keeps its per-batch state in a private batch whose one slot
// lives in this processor's slot.
func (p *chainedProc) startBatch(b *batch) {
	subs := make([]*batch, len(p.steps))
	for i, st := range p.steps {
		subs[i] = &batch{tx: b.tx, slots: make([]any, 1)}
		st.startBatch(subs[i])
	}
	b.slots[p.pc.slot] = subs
}

func (p *chainedProc) execute(b *batch, parent int, t tuple.Tuple) {
	subs := b.slots[p.pc.slot].([]*batch)
	for i, st := range p.steps {
		st.execute(subs[i], parent, t)
	}
}

func (p *chainedProc) finishBatch(b *batch) error {
	subs := b.slots[p.pc.slot].([]*batch)
	first := subs[0].slots[0].(*aggState)
	for g, key := range first.keys {
		for i, st := range p.steps {
			p.outputs[i] = p.outputs[i][:0]
			as := subs[i].slots[0].(*aggState)
			j := g
			if key != nil {
				j = as.index[mustKey(key)]
			}
			st.curB, st.curKey = subs[i], nil
			st.agg.complete(as.vals[j], st)
		}
		p.cross(b, key, 0, nil)
	}
	return nil
}

// cross emits the group's key followed by one output of every step, for
// every combination.
func (p *chainedProc) cross(b *batch, key tuple.Values, step int, acc tuple.Values) {
	if step == len(p.steps) {
		out := make(tuple.Values, 0, len(key)+len(acc))
		out = append(append(out, key...), acc...)
		p.pc.emit(b, out)
		return
	}
	for _, v := range p.outputs[step] {
		p.cross(b, key, step+1, append(acc[:len(acc):len(acc)], v...))
	}
}
