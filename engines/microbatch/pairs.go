package microbatch

import (
	"fmt"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// partitionsParam describes the optional numPartitions of a *ByKey call for
// the graph's fingerprint and checks it.
func partitionsParam(numPartitions []int) (string, error) {
	switch len(numPartitions) {
	case 0:
		return "numPartitions=default", nil
	case 1:
		if numPartitions[0] < 1 {
			return "", fmt.Errorf("%w: %d partitions, need at least 1", ErrInvalidArgument, numPartitions[0])
		}
		return fmt.Sprintf("numPartitions=%d", numPartitions[0]), nil
	}
	return "", fmt.Errorf("%w: give at most one partition count, got %v", ErrInvalidArgument, numPartitions)
}

// pairOp derives a DStream that applies an RDD operation to each batch.
func pairOp[T, U any](op, kind string, d *DStream[T], numPartitions []int, f func(*rdd.RDD[T]) *rdd.RDD[U]) *DStream[U] {
	params, perr := partitionsParam(numPartitions)
	out := derive(op, kind, params, []dstream{d}, func(t Time) (*rdd.RDD[U], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return f(parent), nil
	})
	if perr != nil {
		return out.fail(op, perr)
	}
	return out
}

// ReduceByKey merges the values of each key in each batch with f, with a
// hash shuffle into numPartitions partitions (optional; default
// spark.default.parallelism, the N of local[N]).
func ReduceByKey[K comparable, V any](d *DStream[Pair[K, V]], f func(V, V) V, numPartitions ...int) *DStream[Pair[K, V]] {
	out := pairOp("reduceByKey", "ShuffledDStream", d, numPartitions, func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, V]] {
		return rdd.ReduceByKey(r, f, numPartitions...)
	})
	if f == nil {
		return out.fail("reduceByKey", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// CombineByKey combines the values of each key in each batch with agg.
func CombineByKey[K comparable, V, C any](d *DStream[Pair[K, V]], agg rdd.Aggregator[V, C], numPartitions ...int) *DStream[Pair[K, C]] {
	return pairOp("combineByKey", "ShuffledDStream", d, numPartitions, func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, C]] {
		n := r.Context().DefaultParallelism()
		if len(numPartitions) == 1 {
			n = numPartitions[0]
		}
		part, _ := rdd.NewHashPartitioner[K](n)
		return rdd.CombineByKey(r, agg, part)
	})
}

// GroupByKey gathers the values of each key in each batch.
func GroupByKey[K comparable, V any](d *DStream[Pair[K, V]], numPartitions ...int) *DStream[Pair[K, []V]] {
	return pairOp("groupByKey", "ShuffledDStream", d, numPartitions, func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, []V]] {
		return rdd.GroupByKey(r, numPartitions...)
	})
}

// MapValues applies f to every value, keeping keys and partitioning.
func MapValues[K comparable, V, W any](d *DStream[Pair[K, V]], f func(V) W) *DStream[Pair[K, W]] {
	return pairOp("mapValues", "MapValuedDStream", d, nil, func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, W]] {
		return rdd.MapValues(r, f)
	})
}

// FlatMapValues applies f to every value and pairs each result with the key.
func FlatMapValues[K comparable, V, W any](d *DStream[Pair[K, V]], f func(V) []W) *DStream[Pair[K, W]] {
	return pairOp("flatMapValues", "FlatMapValuedDStream", d, nil, func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, W]] {
		return rdd.FlatMapValues(r, f)
	})
}

// joinOp derives a DStream joining d and other batch by batch.
func joinOp[K comparable, V, W, U any](op string, d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions []int, f func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[U]) *DStream[U] {
	params, perr := partitionsParam(numPartitions)
	out := derive(op, "TransformedDStream", op+" "+params, []dstream{d, other}, func(t Time) (*rdd.RDD[U], error) {
		a, err := d.getOrCompute(t)
		if a == nil || err != nil {
			return nil, err
		}
		b, err := other.getOrCompute(t)
		if b == nil || err != nil {
			return nil, err
		}
		return f(a, b), nil
	})
	if perr != nil {
		return out.fail(op, perr)
	}
	return out
}

// Join joins the batches of d and other with the same time on their keys.
func Join[K comparable, V, W any](d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions ...int) *DStream[Pair[K, Pair[V, W]]] {
	return joinOp("join", d, other, numPartitions, func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[Pair[K, Pair[V, W]]] {
		return rdd.Join(a, b, numPartitions...)
	})
}

// LeftOuterJoin is Join keeping every element of d.
func LeftOuterJoin[K comparable, V, W any](d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions ...int) *DStream[Pair[K, Pair[V, Option[W]]]] {
	return joinOp("leftOuterJoin", d, other, numPartitions, func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[Pair[K, Pair[V, Option[W]]]] {
		return rdd.LeftOuterJoin(a, b, numPartitions...)
	})
}

// RightOuterJoin is Join keeping every element of other.
func RightOuterJoin[K comparable, V, W any](d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions ...int) *DStream[Pair[K, Pair[Option[V], W]]] {
	return joinOp("rightOuterJoin", d, other, numPartitions, func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[Pair[K, Pair[Option[V], W]]] {
		return rdd.RightOuterJoin(a, b, numPartitions...)
	})
}

// FullOuterJoin is Join keeping every element of both.
func FullOuterJoin[K comparable, V, W any](d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions ...int) *DStream[Pair[K, Pair[Option[V], Option[W]]]] {
	return joinOp("fullOuterJoin", d, other, numPartitions, func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[Pair[K, Pair[Option[V], Option[W]]]] {
		return rdd.FullOuterJoin(a, b, numPartitions...)
	})
}

// Cogroup groups the values of d and other of each batch by key.
func Cogroup[K comparable, V, W any](d *DStream[Pair[K, V]], other *DStream[Pair[K, W]], numPartitions ...int) *DStream[Pair[K, Pair[[]V, []W]]] {
	return joinOp("cogroup", d, other, numPartitions, func(a *rdd.RDD[Pair[K, V]], b *rdd.RDD[Pair[K, W]]) *rdd.RDD[Pair[K, Pair[[]V, []W]]] {
		return rdd.Cogroup(a, b, numPartitions...)
	})
}
