package trident

import (
	"fmt"
	"slices"
	"strings"

	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// JoinType says, per stream of a join, whether its side may be missing,
// as Storm's JoinType.
type JoinType int

const (
	// Inner: a join value gives output only when this stream has tuples
	// with it in the batch.
	Inner JoinType = iota
	// Outer: when this stream has no tuple with a join value that the
	// others have, it takes part with one tuple of nils. Outer on every
	// stream is a full outer join; Mixed(Inner, Outer) is a left outer
	// join, Mixed(Outer, Inner) a right outer one.
	Outer
)

func (t JoinType) String() string {
	switch t {
	case Inner:
		return "INNER"
	case Outer:
		return "OUTER"
	}
	return fmt.Sprintf("JoinType(%d)", int(t))
}

// Mixed lists one JoinType per stream of a join, as Storm's
// JoinType.mixed.
func Mixed(types ...JoinType) []JoinType { return types }

// Join joins two streams within each batch, as Storm's TridentTopology.join:
// both are repartitioned on their join fields, and the tuples of the batch
// with equal join values give one output tuple per combination: the join
// values, then s1's other fields, then s2's, named by outFields. With no
// types the join is inner; one type applies to both streams (Outer: a full
// outer join); two give each stream's (Mixed(Inner, Outer): a left outer
// join). A missing side's fields are nil.
func (t *TridentTopology) Join(s1 *Stream, joinFields1 tuple.Fields, s2 *Stream, joinFields2 tuple.Fields, outFields tuple.Fields, types ...JoinType) *Stream {
	if len(types) == 1 {
		types = []JoinType{types[0], types[0]}
	}
	return t.MultiJoin([]*Stream{s1, s2}, []tuple.Fields{joinFields1, joinFields2}, outFields, types...)
}

// MultiJoin joins any number of streams within each batch, as Storm's
// join(List<Stream>, List<Fields>, Fields, List<JoinType>): the output is
// the join values, then each stream's other fields in order. types has one
// JoinType per stream (all Inner when empty, or one for all).
func (t *TridentTopology) MultiJoin(streams []*Stream, joinFields []tuple.Fields, outFields tuple.Fields, types ...JoinType) *Stream {
	bad := func(format string, args ...any) *Stream {
		t.errorf("Join: "+format, args...)
		return &Stream{topo: t, node: t.addNode(&node{kind: opNode, name: "join", schema: tuple.MustSchema(nil), newProc: passThrough})}
	}
	if len(streams) < 2 {
		return bad("%d streams; a join needs at least two", len(streams))
	}
	if len(joinFields) != len(streams) {
		return bad("%d streams but %d lists of join fields; give one per stream", len(streams), len(joinFields))
	}
	switch len(types) {
	case 0:
		types = make([]JoinType, len(streams))
	case 1:
		types = slices.Repeat(types, len(streams))
	case len(streams):
	default:
		return bad("%d join types for %d streams; give one per stream (Mixed), one for all, or none for an inner join", len(types), len(streams))
	}
	spec := &joinSpec{types: types}
	nRest := 0
	var rests []string
	for i, s := range streams {
		if s == nil {
			return bad("stream %d is nil", i+1)
		}
		if s.topo != t {
			return bad("stream %d belongs to another topology", i+1)
		}
		if types[i] != Inner && types[i] != Outer {
			return bad("stream %d: unknown %v (Inner or Outer)", i+1, types[i])
		}
		f := joinFields[i]
		if len(f) == 0 || len(f) != len(joinFields[0]) {
			return bad("join fields %v: every stream needs as many join fields, and at least one", joinFields)
		}
		if miss := s.node.schema.Fields().Missing(f); len(miss) > 0 {
			return bad("stream %d has no join field %q (it has %v)", i+1, miss[0], s.node.schema.Fields())
		}
		rest := without(s.node.schema.Fields(), f)
		spec.keys = append(spec.keys, mustIdx(s.node.schema, f))
		spec.rests = append(spec.rests, mustIdx(s.node.schema, rest))
		nRest += len(rest)
		rests = append(rests, fmt.Sprint(rest))
	}
	if want := len(joinFields[0]) + nRest; len(outFields) != want {
		return bad("output fields %v: want %d names (the %d join fields, then %s)", outFields, want, len(joinFields[0]), strings.Join(rests, ", then "))
	}
	schema, err := tuple.NewSchema(outFields)
	if err != nil {
		return bad("%v", err)
	}
	spec.out = schema
	parents := make([]*node, len(streams))
	for i, s := range streams {
		parents[i] = t.addNode(&node{kind: partitionNode, name: fmt.Sprintf("join-input-%d", i+1), parents: []*node{s.node}, schema: s.node.schema, grouping: grouping{kind: groupFields, fields: joinFields[i]}})
	}
	n := t.addNode(&node{kind: opNode, name: "join", parents: parents, schema: schema, newProc: func() processor { return &joinProc{spec: spec} }})
	return &Stream{topo: t, node: n}
}

// joinSpec describes a join of streams within a batch: per stream, the
// positions of its join fields and of its other fields, and its JoinType.
type joinSpec struct {
	keys, rests [][]int
	types       []JoinType
	out         *tuple.Schema
}

// joinProc buffers a batch's tuples per join value and stream, and joins
// them once the batch is complete, as Storm's JoinerMultiReducer does in
// complete: an Outer stream with no tuple for the value is given one of
// nils, and a value with an Inner stream still empty gives nothing.
type joinProc struct {
	baseProc
	spec *joinSpec
}

type joinState struct {
	groups map[string]*joinGroup
	order  []*joinGroup // in order of first arrival
}

type joinGroup struct {
	key   tuple.Values
	sides [][]tuple.Tuple
}

func (p *joinProc) startBatch(b *batch) {
	b.slots[p.pc.slot] = &joinState{groups: make(map[string]*joinGroup)}
}

func (p *joinProc) execute(b *batch, parent int, t tuple.Tuple) {
	js := b.slots[p.pc.slot].(*joinState)
	key := t.Select(p.spec.keys[parent])
	k, err := state.EncodeKey(key)
	if err != nil {
		panic(fmt.Errorf("join key: %w", err))
	}
	g := js.groups[k]
	if g == nil {
		g = &joinGroup{key: key, sides: make([][]tuple.Tuple, len(p.spec.keys))}
		js.groups[k] = g
		js.order = append(js.order, g)
	}
	g.sides[parent] = append(g.sides[parent], t)
}

func (p *joinProc) finishBatch(b *batch) error {
	js := b.slots[p.pc.slot].(*joinState)
	rows := make([]tuple.Values, len(p.spec.keys)) // each side's current rest
	var emit func(g *joinGroup, side int)
	emit = func(g *joinGroup, side int) {
		if side == len(rows) {
			out := make(tuple.Values, 0, len(p.spec.out.Fields()))
			out = append(out, g.key...)
			for _, r := range rows {
				out = append(out, r...)
			}
			p.pc.emit(b, out)
			return
		}
		if len(g.sides[side]) == 0 {
			rows[side] = make(tuple.Values, len(p.spec.rests[side])) // nils
			emit(g, side+1)
			return
		}
		for _, t := range g.sides[side] {
			rows[side] = t.Select(p.spec.rests[side])
			emit(g, side+1)
		}
	}
groups:
	for _, g := range js.order {
		for i, s := range g.sides {
			if len(s) == 0 && p.spec.types[i] == Inner {
				continue groups
			}
		}
		emit(g, 0)
	}
	return nil
}
