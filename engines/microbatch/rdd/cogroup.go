package rdd

import (
	"fmt"
	"iter"
)

// Cogroup groups the values of both RDDs by key: for every key in either,
// (key, (values in r, values in other)). It is the operation the joins are
// built from, as in Spark. An input already partitioned like the result is
// read in place (a narrow dependency); any other is shuffled.
func Cogroup[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions ...int) *RDD[Pair[K, Pair[[]V, []W]]] {
	type out = Pair[K, Pair[[]V, []W]]
	if r.sc != other.sc {
		return invalid[out](r.sc, "CoGroupedRDD", fmt.Errorf("cogroup of %s and %s: %w", r, other, ErrMixedContexts))
	}
	part, err := cogroupPartitioner(r, other, numPartitions)
	if err != nil {
		return invalid[out](r.sc, "CoGroupedRDD", err)
	}
	return CogroupWith(r, other, part)
}

// CogroupWith is Cogroup with an explicit partitioner.
func CogroupWith[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], part Partitioner[K]) *RDD[Pair[K, Pair[[]V, []W]]] {
	a, b := PartitionBy(r, part), PartitionBy(other, part)
	res := newRDD(r.sc, "CoGroupedRDD", part.NumPartitions(), func(p int) (iter.Seq[Pair[K, Pair[[]V, []W]]], error) {
		left, err := a.Iterator(p)
		if err != nil {
			return nil, err
		}
		right, err := b.Iterator(p)
		if err != nil {
			return nil, err
		}
		groups := make(map[K]*Pair[[]V, []W])
		for kv := range left {
			g := groups[kv.Key]
			if g == nil {
				g = &Pair[[]V, []W]{}
				groups[kv.Key] = g
			}
			g.Key = append(g.Key, kv.Value)
		}
		for kv := range right {
			g := groups[kv.Key]
			if g == nil {
				g = &Pair[[]V, []W]{}
				groups[kv.Key] = g
			}
			g.Value = append(g.Value, kv.Value)
		}
		return func(yield func(Pair[K, Pair[[]V, []W]]) bool) {
			for k, g := range groups {
				if !yield(Pair[K, Pair[[]V, []W]]{k, *g}) {
					return
				}
			}
		}, nil
	}, []node{a, b}, nil)
	res.partitioner = part
	return res
}

// cogroupPartitioner picks the layout of a cogroup: the given partition
// count, else the partitioner of an input that has one (so that input is not
// shuffled), else the default parallelism.
func cogroupPartitioner[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions []int) (Partitioner[K], error) {
	if len(numPartitions) == 0 {
		if p, ok := r.partitioner.(Partitioner[K]); ok {
			return p, nil
		}
		if p, ok := other.partitioner.(Partitioner[K]); ok {
			return p, nil
		}
	}
	return partitionerFor(r, "cogroup", numPartitions)
}

// CogroupAll groups the values of several RDDs of the same type by key: for
// every key, one slice of values per input, in input order. Windowed reduce
// with an inverse function cogroups the previous window with the batches
// entering and leaving it this way.
func CogroupAll[K comparable, V any](part Partitioner[K], first *RDD[Pair[K, V]], others ...*RDD[Pair[K, V]]) *RDD[Pair[K, [][]V]] {
	type out = Pair[K, [][]V]
	rdds := append([]*RDD[Pair[K, V]]{first}, others...)
	sc := first.sc
	laid := make([]*RDD[Pair[K, V]], len(rdds))
	parents := make([]node, len(rdds))
	for i, r := range rdds {
		if r.sc != sc {
			return invalid[out](sc, "CoGroupedRDD", fmt.Errorf("cogroup of %s and %s: %w", rdds[0], r, ErrMixedContexts))
		}
		laid[i] = PartitionBy(r, part)
		parents[i] = laid[i]
	}
	res := newRDD(sc, "CoGroupedRDD", part.NumPartitions(), func(p int) (iter.Seq[out], error) {
		groups := make(map[K][][]V)
		for i, r := range laid {
			in, err := r.Iterator(p)
			if err != nil {
				return nil, err
			}
			for kv := range in {
				g := groups[kv.Key]
				if g == nil {
					g = make([][]V, len(laid))
					groups[kv.Key] = g
				}
				g[i] = append(g[i], kv.Value)
			}
		}
		return mapSeq(groups), nil
	}, parents, nil)
	res.partitioner = part
	return res
}

// Join returns (key, (v, w)) for every pair of values with the same key in r
// and other: an inner join, computed as a cogroup.
func Join[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions ...int) *RDD[Pair[K, Pair[V, W]]] {
	return FlatMapValues(Cogroup(r, other, numPartitions...), func(g Pair[[]V, []W]) []Pair[V, W] {
		out := make([]Pair[V, W], 0, len(g.Key)*len(g.Value))
		for _, v := range g.Key {
			for _, w := range g.Value {
				out = append(out, Pair[V, W]{v, w})
			}
		}
		return out
	})
}

// LeftOuterJoin is Join keeping every value of r; a key missing from other
// pairs with None.
func LeftOuterJoin[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions ...int) *RDD[Pair[K, Pair[V, Option[W]]]] {
	return FlatMapValues(Cogroup(r, other, numPartitions...), func(g Pair[[]V, []W]) []Pair[V, Option[W]] {
		var out []Pair[V, Option[W]]
		for _, v := range g.Key {
			if len(g.Value) == 0 {
				out = append(out, Pair[V, Option[W]]{v, None[W]()})
			}
			for _, w := range g.Value {
				out = append(out, Pair[V, Option[W]]{v, Some(w)})
			}
		}
		return out
	})
}

// RightOuterJoin is Join keeping every value of other; a key missing from r
// pairs with None.
func RightOuterJoin[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions ...int) *RDD[Pair[K, Pair[Option[V], W]]] {
	return FlatMapValues(Cogroup(r, other, numPartitions...), func(g Pair[[]V, []W]) []Pair[Option[V], W] {
		var out []Pair[Option[V], W]
		for _, w := range g.Value {
			if len(g.Key) == 0 {
				out = append(out, Pair[Option[V], W]{None[V](), w})
			}
			for _, v := range g.Key {
				out = append(out, Pair[Option[V], W]{Some(v), w})
			}
		}
		return out
	})
}

// FullOuterJoin keeps every value of both sides, pairing a missing side with
// None.
func FullOuterJoin[K comparable, V, W any](r *RDD[Pair[K, V]], other *RDD[Pair[K, W]], numPartitions ...int) *RDD[Pair[K, Pair[Option[V], Option[W]]]] {
	return FlatMapValues(Cogroup(r, other, numPartitions...), func(g Pair[[]V, []W]) []Pair[Option[V], Option[W]] {
		var out []Pair[Option[V], Option[W]]
		switch {
		case len(g.Value) == 0:
			for _, v := range g.Key {
				out = append(out, Pair[Option[V], Option[W]]{Some(v), None[W]()})
			}
		case len(g.Key) == 0:
			for _, w := range g.Value {
				out = append(out, Pair[Option[V], Option[W]]{None[V](), Some(w)})
			}
		default:
			for _, v := range g.Key {
				for _, w := range g.Value {
					out = append(out, Pair[Option[V], Option[W]]{Some(v), Some(w)})
				}
			}
		}
		return out
	})
}
