package rdd

import (
	"fmt"
	"iter"
)

// Map returns an RDD of f applied to every element. Narrow: fused with its
// parent into one task per partition.
func Map[T, U any](r *RDD[T], f func(T) U) *RDD[U] {
	return newRDD(r.sc, "MapPartitionsRDD", r.n, func(p int) (iter.Seq[U], error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		return func(yield func(U) bool) {
			for v := range in {
				if !yield(f(v)) {
					return
				}
			}
		}, nil
	}, []node{r}, nil)
}

// FlatMap returns an RDD of every element of f applied to every element.
func FlatMap[T, U any](r *RDD[T], f func(T) []U) *RDD[U] {
	return newRDD(r.sc, "MapPartitionsRDD", r.n, func(p int) (iter.Seq[U], error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		return func(yield func(U) bool) {
			for v := range in {
				for _, u := range f(v) {
					if !yield(u) {
						return
					}
				}
			}
		}, nil
	}, []node{r}, nil)
}

// Filter returns the elements for which f is true. The result keeps the
// parent's partitioner, as in Spark.
func (r *RDD[T]) Filter(f func(T) bool) *RDD[T] {
	out := newRDD(r.sc, "MapPartitionsRDD", r.n, func(p int) (iter.Seq[T], error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		return func(yield func(T) bool) {
			for v := range in {
				if f(v) && !yield(v) {
					return
				}
			}
		}, nil
	}, []node{r}, nil)
	out.partitioner = r.partitioner
	return out
}

// MapPartitions returns f applied to each whole partition: the way to pay a
// setup cost once per partition instead of once per element.
func MapPartitions[T, U any](r *RDD[T], f func(iter.Seq[T]) iter.Seq[U]) *RDD[U] {
	return MapPartitionsWithIndex(r, func(_ int, it iter.Seq[T]) iter.Seq[U] { return f(it) })
}

// MapPartitionsWithIndex is MapPartitions with the partition's index.
func MapPartitionsWithIndex[T, U any](r *RDD[T], f func(int, iter.Seq[T]) iter.Seq[U]) *RDD[U] {
	return newRDD(r.sc, "MapPartitionsRDD", r.n, func(p int) (iter.Seq[U], error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		return f(p, in), nil
	}, []node{r}, nil)
}

// Glom returns one slice per partition.
func Glom[T any](r *RDD[T]) *RDD[[]T] {
	return MapPartitions(r, func(it iter.Seq[T]) iter.Seq[[]T] {
		return func(yield func([]T) bool) {
			var all []T
			for v := range it {
				all = append(all, v)
			}
			yield(all)
		}
	})
}

// Union returns the elements of every RDD, partitions side by side (Spark's
// UnionRDD: no shuffle). When every input has the same partitioner and
// partition count, partition i of the result is the union of every input's
// partition i and keeps the partitioner, like Spark's PartitionerAwareUnionRDD,
// so a windowed union of co-partitioned batches needs no new shuffle.
func Union[T any](first *RDD[T], others ...*RDD[T]) *RDD[T] {
	rdds := append([]*RDD[T]{first}, others...)
	sc := first.sc
	parents := make([]node, len(rdds))
	for i, r := range rdds {
		if r.sc != sc {
			return invalid[T](sc, "UnionRDD", fmt.Errorf("union of %s and %s: %w", rdds[0], r, ErrMixedContexts))
		}
		parents[i] = r
	}
	if aware := rdds[0].partitioner; aware != nil && samePartitioning(rdds) {
		out := newRDD(sc, "PartitionerAwareUnionRDD", rdds[0].n, func(p int) (iter.Seq[T], error) {
			seqs := make([]iter.Seq[T], len(rdds))
			for i, r := range rdds {
				s, err := r.Iterator(p)
				if err != nil {
					return nil, err
				}
				seqs[i] = s
			}
			return concat(seqs), nil
		}, parents, nil)
		out.partitioner = aware
		return out
	}
	var offsets []int
	total := 0
	for _, r := range rdds {
		offsets = append(offsets, total)
		total += r.n
	}
	return newRDD(sc, "UnionRDD", total, func(p int) (iter.Seq[T], error) {
		i := len(offsets) - 1
		for offsets[i] > p {
			i--
		}
		return rdds[i].Iterator(p - offsets[i])
	}, parents, nil)
}

func samePartitioning[T any](rdds []*RDD[T]) bool {
	for _, r := range rdds[1:] {
		if !samePartitioner(r.partitioner, rdds[0].partitioner) || r.n != rdds[0].n {
			return false
		}
	}
	return true
}

func concat[T any](seqs []iter.Seq[T]) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, s := range seqs {
			for v := range s {
				if !yield(v) {
					return
				}
			}
		}
	}
}

// Repartition returns the elements spread evenly over n partitions with a
// shuffle, like Spark's repartition (coalesce with shuffle): each map task
// deals its elements round-robin, starting at a position that depends on its
// partition so that small partitions do not all fill reduce partition 0.
func (r *RDD[T]) Repartition(n int) *RDD[T] {
	if n < 1 {
		return invalid[T](r.sc, "ShuffledRDD", fmt.Errorf("repartition %s to %d: %w", r, n, ErrInvalidPartitions))
	}
	dep := newShuffleDep(r.sc, r, r.n, n, "repartition of "+r.rddName(), func(p int) ([][]T, error) {
		in, err := r.Iterator(p)
		if err != nil {
			return nil, err
		}
		buckets := make([][]T, n)
		next := (p * 7919) % n
		for v := range in {
			buckets[next] = append(buckets[next], v)
			next++
			if next == n {
				next = 0
			}
		}
		return buckets, nil
	})
	return newRDD(r.sc, "ShuffledRDD", n, func(p int) (iter.Seq[T], error) {
		return concat(sliceSeqs(dep.blocks(p))), nil
	}, nil, []stageDep{dep})
}

func sliceSeqs[T any](parts [][]T) []iter.Seq[T] {
	seqs := make([]iter.Seq[T], len(parts))
	for i, p := range parts {
		seqs[i] = func(yield func(T) bool) {
			for _, v := range p {
				if !yield(v) {
					return
				}
			}
		}
	}
	return seqs
}

// ZipPartitions combines partition p of a and partition p of b with f, for
// two RDDs with the same number of partitions: a narrow dependency on both.
// The result keeps a's partitioner when preservesPartitioning is true.
// Stateful streams use it to update the state of partition p with the batch
// data of the same keys.
func ZipPartitions[A, B, C any](a *RDD[A], b *RDD[B], preservesPartitioning bool, f func(p int, as iter.Seq[A], bs iter.Seq[B]) iter.Seq[C]) *RDD[C] {
	if a.sc != b.sc {
		return invalid[C](a.sc, "ZippedPartitionsRDD", fmt.Errorf("zipPartitions of %s and %s: %w", a, b, ErrMixedContexts))
	}
	if a.n != b.n {
		return invalid[C](a.sc, "ZippedPartitionsRDD", fmt.Errorf("zipPartitions of %s (%d partitions) and %s (%d): %w: the counts must be equal", a, a.n, b, b.n, ErrInvalidPartitions))
	}
	out := newRDD(a.sc, "ZippedPartitionsRDD", a.n, func(p int) (iter.Seq[C], error) {
		as, err := a.Iterator(p)
		if err != nil {
			return nil, err
		}
		bs, err := b.Iterator(p)
		if err != nil {
			return nil, err
		}
		return f(p, as, bs), nil
	}, []node{a, b}, nil)
	if preservesPartitioning {
		out.partitioner = a.partitioner
	}
	return out
}
