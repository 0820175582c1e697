package microbatch

import (
	"fmt"
	"iter"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// Map returns a DStream of f applied to every element of every batch.
func Map[T, U any](d *DStream[T], f func(T) U) *DStream[U] {
	out := derive("map", "MappedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[U], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return rdd.Map(parent, f), nil
	})
	if f == nil {
		return out.fail("map", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// FlatMap returns a DStream of every element f gives for every element.
func FlatMap[T, U any](d *DStream[T], f func(T) []U) *DStream[U] {
	out := derive("flatMap", "FlatMappedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[U], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return rdd.FlatMap(parent, f), nil
	})
	if f == nil {
		return out.fail("flatMap", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// Filter returns the elements for which f is true.
func (d *DStream[T]) Filter(f func(T) bool) *DStream[T] {
	out := derive("filter", "FilteredDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[T], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return parent.Filter(f), nil
	})
	if f == nil {
		return out.fail("filter", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// MapPartitions applies f to each partition of each batch as a whole.
func MapPartitions[T, U any](d *DStream[T], f func(iter.Seq[T]) iter.Seq[U]) *DStream[U] {
	out := derive("mapPartitions", "MapPartitionedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[U], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return rdd.MapPartitions(parent, f), nil
	})
	if f == nil {
		return out.fail("mapPartitions", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// Glom returns one slice per partition of each batch.
func Glom[T any](d *DStream[T]) *DStream[[]T] {
	return derive("glom", "GlommedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[[]T], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return rdd.Glom(parent), nil
	})
}

// Repartition spreads each batch evenly over n partitions with a shuffle,
// to raise the parallelism of a receiver's few blocks.
func (d *DStream[T]) Repartition(n int) *DStream[T] {
	out := derive("repartition", "RepartitionedDStream", fmt.Sprintf("numPartitions=%d", n), []dstream{d}, func(t Time) (*rdd.RDD[T], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return parent.Repartition(n), nil
	})
	if n < 1 {
		return out.fail("repartition", fmt.Errorf("%w: %d partitions, need at least 1", ErrInvalidArgument, n))
	}
	return out
}

// Union returns the elements of d and of every other DStream, batch by
// batch. All must have the same slide duration.
func (d *DStream[T]) Union(others ...*DStream[T]) *DStream[T] {
	all := append([]*DStream[T]{d}, others...)
	parents := make([]dstream, len(all))
	for i, o := range all {
		parents[i] = o
	}
	return derive("union", "UnionDStream", "", parents, func(t Time) (*rdd.RDD[T], error) {
		var rdds []*rdd.RDD[T]
		for _, o := range all {
			r, err := o.getOrCompute(t)
			if err != nil {
				return nil, err
			}
			if r == nil {
				return nil, fmt.Errorf("union: %s has no RDD at %s", o, t)
			}
			rdds = append(rdds, r)
		}
		return rdd.Union(rdds[0], rdds[1:]...), nil
	})
}

// Count returns a DStream with one element per batch: the number of
// elements in the batch, 0 for an empty one (as Spark's count does).
func (d *DStream[T]) Count() *DStream[int64] {
	return derive("count", "CountDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[int64], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		partial := rdd.MapPartitions(parent, func(it iter.Seq[T]) iter.Seq[int64] {
			return func(yield func(int64) bool) {
				var n int64
				for range it {
					n++
				}
				yield(n)
			}
		})
		return sumToOne(partial), nil
	})
}

// sumToOne sums per-partition counts into a one-partition RDD.
func sumToOne(partial *rdd.RDD[int64]) *rdd.RDD[int64] {
	keyed := rdd.Map(partial, func(n int64) Pair[int, int64] { return KV(0, n) })
	zero := rdd.Parallelize(partial.Context(), []Pair[int, int64]{KV(0, int64(0))}, 1)
	return rdd.Values(rdd.ReduceByKey(rdd.Union(keyed, zero), func(a, b int64) int64 { return a + b }, 1))
}

// Reduce returns a DStream with one element per non-empty batch: the batch's
// elements folded with f, which must be associative and commutative.
func (d *DStream[T]) Reduce(f func(T, T) T) *DStream[T] {
	out := derive("reduce", "ReducedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[T], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		keyed := rdd.Map(parent, func(v T) Pair[int, T] { return KV(0, v) })
		return rdd.Values(rdd.ReduceByKey(keyed, f, 1)), nil
	})
	if f == nil {
		return out.fail("reduce", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// CountByValue counts each distinct element of each batch.
func CountByValue[T comparable](d *DStream[T], numPartitions ...int) *DStream[Pair[T, int64]] {
	ones := Map(d, func(v T) Pair[T, int64] { return KV(v, int64(1)) })
	return ReduceByKey(ones, func(a, b int64) int64 { return a + b }, numPartitions...)
}

// Transform applies f to each batch's RDD and returns the DStream of the
// results: the way to use any RDD operation, such as a join with a static
// dataset. f runs on the scheduling goroutine when the batch is generated,
// and is called again for every batch, so it may change what it does.
func Transform[T, U any](d *DStream[T], f func(r *rdd.RDD[T], t Time) (*rdd.RDD[U], error)) *DStream[U] {
	out := derive("transform", "TransformedDStream", "", []dstream{d}, func(t Time) (*rdd.RDD[U], error) {
		parent, err := d.getOrCompute(t)
		if parent == nil || err != nil {
			return nil, err
		}
		return callTransform(func() (*rdd.RDD[U], error) { return f(parent, t) })
	})
	if f == nil {
		return out.fail("transform", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// TransformWith applies f to the RDDs of d and other of each batch.
func TransformWith[T, U, V any](d *DStream[T], other *DStream[U], f func(a *rdd.RDD[T], b *rdd.RDD[U], t Time) (*rdd.RDD[V], error)) *DStream[V] {
	out := derive("transformWith", "TransformedDStream", "", []dstream{d, other}, func(t Time) (*rdd.RDD[V], error) {
		a, err := d.getOrCompute(t)
		if a == nil || err != nil {
			return nil, err
		}
		b, err := other.getOrCompute(t)
		if b == nil || err != nil {
			return nil, err
		}
		return callTransform(func() (*rdd.RDD[V], error) { return f(a, b, t) })
	})
	if f == nil {
		return out.fail("transformWith", fmt.Errorf("%w: nil function", ErrInvalidArgument))
	}
	return out
}

// callTransform runs a user's transform function, turning a panic or a nil
// result into an error.
func callTransform[U any](f func() (*rdd.RDD[U], error)) (r *rdd.RDD[U], err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &rdd.PanicError{Value: v}
		}
	}()
	r, err = f()
	if err == nil && r == nil {
		err = fmt.Errorf("%w: transform function returned a nil RDD", ErrInvalidArgument)
	}
	return r, err
}
