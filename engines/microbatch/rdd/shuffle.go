package rdd

import (
	"fmt"
	"iter"
)

// Aggregator combines the values of a key, Spark's Aggregator: a combiner is
// created from a key's first value, later values merge into it, and the
// partial combiners of different map tasks merge on the reduce side.
type Aggregator[V, C any] struct {
	CreateCombiner func(V) C
	MergeValue     func(C, V) C
	MergeCombiners func(C, C) C
}

// partitionerFor resolves the optional numPartitions of a *ByKey operation:
// none means the parent's partitioner if it has one, else the Context's
// default parallelism (Spark's defaultPartitioner).
func partitionerFor[K comparable, V any](r *RDD[Pair[K, V]], op string, numPartitions []int) (Partitioner[K], error) {
	switch len(numPartitions) {
	case 0:
		if p, ok := r.partitioner.(Partitioner[K]); ok {
			return p, nil
		}
		return NewHashPartitioner[K](r.sc.parallelism)
	case 1:
		p, err := NewHashPartitioner[K](numPartitions[0])
		if err != nil {
			return nil, fmt.Errorf("%s of %s: %w", op, r, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("%s of %s: %w: give at most one partition count, got %v", op, r, ErrInvalidPartitions, numPartitions)
}

// CombineByKey combines the values of each key with agg into an RDD laid out
// by part. When r is already partitioned by an equal partitioner the values
// of a key are in one partition and no shuffle is needed; otherwise each map
// task combines its values per key before the shuffle (map-side combine), so
// only one combiner per key and map task crosses it.
func CombineByKey[K comparable, V, C any](r *RDD[Pair[K, V]], agg Aggregator[V, C], part Partitioner[K]) *RDD[Pair[K, C]] {
	if err := r.Err(); err != nil {
		return invalid[Pair[K, C]](r.sc, "ShuffledRDD", err)
	}
	if samePartitioner(r.partitioner, part) {
		out := MapPartitions(r, func(in iter.Seq[Pair[K, V]]) iter.Seq[Pair[K, C]] {
			return mapSeq(combineValues(in, agg))
		})
		out.partitioner = part
		return out
	}
	n := part.NumPartitions()
	dep := newShuffleDep(r.sc, r, r.n, n, "combineByKey of "+r.rddName(), func(p int) ([]map[K]C, error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		// One map per task, like Spark's AppendOnlyMap, split into buckets
		// at the end: a key is hashed for its partition once, not once per
		// occurrence.
		combined := combineValues(in, agg)
		buckets := make([]map[K]C, n)
		for i := range buckets {
			buckets[i] = make(map[K]C, len(combined)/n+1)
		}
		for k, c := range combined {
			buckets[part.GetPartition(k)][k] = c
		}
		return buckets, nil
	})
	out := newRDD(r.sc, "ShuffledRDD", n, func(p int) (iter.Seq[Pair[K, C]], error) {
		blocks := dep.blocks(p)
		// Map tasks mostly see the same keys: the largest bucket is a
		// better size hint than the sum, which would clear a map many
		// times too large.
		size := 0
		for _, b := range blocks {
			size = max(size, len(b))
		}
		merged := make(map[K]C, size)
		for _, b := range blocks {
			for k, c := range b {
				if m, ok := merged[k]; ok {
					merged[k] = agg.MergeCombiners(m, c)
				} else {
					merged[k] = c
				}
			}
		}
		return mapSeq(merged), nil
	}, nil, []stageDep{dep})
	out.partitioner = part
	return out
}

func combineValues[K comparable, V, C any](in iter.Seq[Pair[K, V]], agg Aggregator[V, C]) map[K]C {
	m := make(map[K]C)
	for kv := range in {
		if c, ok := m[kv.Key]; ok {
			m[kv.Key] = agg.MergeValue(c, kv.Value)
		} else {
			m[kv.Key] = agg.CreateCombiner(kv.Value)
		}
	}
	return m
}

func mapSeq[K comparable, C any](m map[K]C) iter.Seq[Pair[K, C]] {
	return func(yield func(Pair[K, C]) bool) {
		for k, c := range m {
			if !yield(Pair[K, C]{k, c}) {
				return
			}
		}
	}
}

// ReduceByKey merges the values of each key with f, which must be
// associative and commutative. numPartitions, optional, sets the result's
// partition count (default: the parent's partitioner, else the default
// parallelism).
func ReduceByKey[K comparable, V any](r *RDD[Pair[K, V]], f func(V, V) V, numPartitions ...int) *RDD[Pair[K, V]] {
	part, err := partitionerFor(r, "reduceByKey", numPartitions)
	if err != nil {
		return invalid[Pair[K, V]](r.sc, "ShuffledRDD", err)
	}
	return ReduceByKeyWith(r, f, part)
}

// ReduceByKeyWith is ReduceByKey with an explicit partitioner.
func ReduceByKeyWith[K comparable, V any](r *RDD[Pair[K, V]], f func(V, V) V, part Partitioner[K]) *RDD[Pair[K, V]] {
	return CombineByKey(r, Aggregator[V, V]{
		CreateCombiner: func(v V) V { return v },
		MergeValue:     f,
		MergeCombiners: f,
	}, part)
}

// GroupByKey gathers the values of each key in one slice. Like Spark it
// does no map-side combine (grouping saves nothing before the shuffle); to
// aggregate, ReduceByKey is cheaper.
func GroupByKey[K comparable, V any](r *RDD[Pair[K, V]], numPartitions ...int) *RDD[Pair[K, []V]] {
	part, err := partitionerFor(r, "groupByKey", numPartitions)
	if err != nil {
		return invalid[Pair[K, []V]](r.sc, "ShuffledRDD", err)
	}
	return GroupByKeyWith(r, part)
}

// GroupByKeyWith is GroupByKey with an explicit partitioner.
func GroupByKeyWith[K comparable, V any](r *RDD[Pair[K, V]], part Partitioner[K]) *RDD[Pair[K, []V]] {
	shuffled := PartitionBy(r, part)
	out := MapPartitions(shuffled, func(in iter.Seq[Pair[K, V]]) iter.Seq[Pair[K, []V]] {
		groups := make(map[K][]V)
		for kv := range in {
			groups[kv.Key] = append(groups[kv.Key], kv.Value)
		}
		return mapSeq(groups)
	})
	out.partitioner = part
	return out
}

// PartitionBy lays r out by part with a shuffle, or returns r itself when it
// is already laid out that way (as Spark does).
func PartitionBy[K comparable, V any](r *RDD[Pair[K, V]], part Partitioner[K]) *RDD[Pair[K, V]] {
	if err := r.Err(); err != nil {
		return invalid[Pair[K, V]](r.sc, "ShuffledRDD", err)
	}
	if samePartitioner(r.partitioner, part) {
		return r
	}
	n := part.NumPartitions()
	dep := newShuffleDep(r.sc, r, r.n, n, "partitionBy of "+r.rddName(), func(p int) ([][]Pair[K, V], error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		buckets := make([][]Pair[K, V], n)
		for kv := range in {
			b := part.GetPartition(kv.Key)
			buckets[b] = append(buckets[b], kv)
		}
		return buckets, nil
	})
	out := newRDD(r.sc, "ShuffledRDD", n, func(p int) (iter.Seq[Pair[K, V]], error) {
		return concat(sliceSeqs(dep.blocks(p))), nil
	}, nil, []stageDep{dep})
	out.partitioner = part
	return out
}

// CountByValue counts each distinct element on the caller, like Spark's
// RDD.countByValue action.
func CountByValue[T comparable](r *RDD[T]) (map[T]int64, error) {
	pairs := Map(r, func(v T) Pair[T, int64] { return Pair[T, int64]{v, 1} })
	counts, err := ReduceByKey(pairs, func(a, b int64) int64 { return a + b }).Collect()
	if err != nil {
		return nil, err
	}
	m := make(map[T]int64, len(counts))
	for _, c := range counts {
		m[c.Key] = c.Value
	}
	return m, nil
}
