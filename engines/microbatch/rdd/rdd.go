package rdd

import (
	"fmt"
	"iter"
	"sync"
)

// RDD is an immutable, partitioned dataset of T defined by its lineage.
// Defining one computes nothing; actions run jobs. An RDD is safe for
// concurrent use: two jobs may read it at once.
type RDD[T any] struct {
	sc          *Context
	id          int64
	name        string
	n           int
	partitioner any // a Partitioner[K] when the RDD is hash-partitioned by key
	narrow      []node
	wide        []stageDep
	compute     func(p int) (iter.Seq[T], error)
	err         error // a definition error: every action returns it

	cacheMu sync.Mutex
	cache   *partitionCache[T]
}

// node is the untyped view of an RDD that the DAG scheduler walks.
type node interface {
	rddID() int64
	rddName() string
	narrowParents() []node
	shuffleDeps() []stageDep
	fullyCached() bool
}

func newRDD[T any](sc *Context, name string, n int, compute func(p int) (iter.Seq[T], error), narrow []node, wide []stageDep) *RDD[T] {
	return &RDD[T]{sc: sc, id: sc.nextRDD.Add(1), name: name, n: n, compute: compute, narrow: narrow, wide: wide}
}

func (r *RDD[T]) rddID() int64            { return r.id }
func (r *RDD[T]) rddName() string         { return fmt.Sprintf("%s[%d]", r.name, r.id) }
func (r *RDD[T]) narrowParents() []node   { return r.narrow }
func (r *RDD[T]) shuffleDeps() []stageDep { return r.wide }

// invalid returns an RDD whose definition failed. Like Spark's eager
// argument checks the error names the bad operation; unlike them it does not
// panic: every action on the RDD or on an RDD built from it returns it.
func invalid[T any](sc *Context, name string, err error) *RDD[T] {
	r := newRDD(sc, name, 1, func(int) (iter.Seq[T], error) { return nil, err }, nil, nil)
	r.err = err
	return r
}

// Err returns the error of an invalid definition in the RDD's lineage, or nil.
func (r *RDD[T]) Err() error {
	if r.err != nil {
		return r.err
	}
	var walk func(n node) error
	seen := map[int64]bool{}
	walk = func(n node) error {
		if seen[n.rddID()] {
			return nil
		}
		seen[n.rddID()] = true
		if e, ok := n.(interface{ defErr() error }); ok && e.defErr() != nil {
			return e.defErr()
		}
		for _, p := range n.narrowParents() {
			if err := walk(p); err != nil {
				return err
			}
		}
		for _, d := range n.shuffleDeps() {
			if err := walk(d.mapSide()); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(r)
}

func (r *RDD[T]) defErr() error { return r.err }

// Context returns the Context the RDD belongs to.
func (r *RDD[T]) Context() *Context { return r.sc }

// ID returns the RDD's id, unique within its Context.
func (r *RDD[T]) ID() int64 { return r.id }

// NumPartitions returns the number of partitions.
func (r *RDD[T]) NumPartitions() int { return r.n }

// Partitioner returns the key partitioner the RDD is partitioned by (a
// Partitioner[K]), or nil.
func (r *RDD[T]) Partitioner() any { return r.partitioner }

// String names the RDD as Spark's toString does: name[id].
func (r *RDD[T]) String() string { return r.rddName() }

// SetName names the RDD for error messages and returns it.
func (r *RDD[T]) SetName(name string) *RDD[T] { r.name = name; return r }

// Iterator returns the elements of partition p, from the cache when the RDD
// is persisted and the partition computed, else by computing it from its
// lineage. It is what a task calls; its shuffle dependencies must already
// have run (an action ensures that).
func (r *RDD[T]) Iterator(p int) (iter.Seq[T], error) {
	r.cacheMu.Lock()
	c := r.cache
	r.cacheMu.Unlock()
	if c == nil {
		return r.compute(p)
	}
	return c.get(r.sc, p, r.compute)
}

// Persist keeps each partition in memory once it has been computed, so later
// jobs reuse it instead of recomputing its lineage (Spark's MEMORY_ONLY).
// DStreams persist the RDDs that windows and state read more than once.
func (r *RDD[T]) Persist() *RDD[T] {
	r.cacheMu.Lock()
	if r.cache == nil {
		r.cache = &partitionCache[T]{parts: make([]chunked[T], r.n), done: make([]bool, r.n), locks: make([]sync.Mutex, r.n)}
	}
	r.cacheMu.Unlock()
	return r
}

// Cache is Persist, as in Spark.
func (r *RDD[T]) Cache() *RDD[T] { return r.Persist() }

// Unpersist drops the cached partitions.
func (r *RDD[T]) Unpersist() {
	r.cacheMu.Lock()
	r.cache = nil
	r.cacheMu.Unlock()
}

// IsPersisted reports whether Persist was called.
func (r *RDD[T]) IsPersisted() bool {
	r.cacheMu.Lock()
	defer r.cacheMu.Unlock()
	return r.cache != nil
}

func (r *RDD[T]) fullyCached() bool {
	r.cacheMu.Lock()
	c := r.cache
	r.cacheMu.Unlock()
	return c != nil && c.complete()
}

// partitionCache holds the materialised partitions of a persisted RDD.
type partitionCache[T any] struct {
	locks []sync.Mutex // one per partition: a partition is computed once
	mu    sync.Mutex
	parts []chunked[T]
	done  []bool
}

func (c *partitionCache[T]) get(sc *Context, p int, compute func(int) (iter.Seq[T], error)) (iter.Seq[T], error) {
	c.locks[p].Lock()
	defer c.locks[p].Unlock()
	c.mu.Lock()
	if c.done[p] {
		part := c.parts[p]
		c.mu.Unlock()
		return part.killable(sc), nil
	}
	c.mu.Unlock()
	seq, err := compute(p)
	if err != nil {
		return nil, err
	}
	part := collectChunked(seq)
	c.mu.Lock()
	c.parts[p], c.done[p] = part, true
	c.mu.Unlock()
	return part.killable(sc), nil
}

// chunked is a materialised partition kept in fixed-size chunks, as Spark's
// memory store keeps a cached block in chunks: collecting a partition of
// unknown length then never copies what it has collected, where a growing
// slice would copy each element several times over (and, for elements
// holding pointers, pay the GC's write barrier on each copy).
type chunked[T any] [][]T

const chunkLen = 4096

func collectChunked[T any](seq iter.Seq[T]) chunked[T] {
	var c chunked[T]
	var cur []T
	n := 0
	for v := range seq {
		if len(cur) == cap(cur) {
			if cur != nil {
				c = append(c, cur)
			}
			// Chunks double up to chunkLen, so a small partition stays small.
			cur = make([]T, 0, min(chunkLen, max(16, n)))
		}
		cur = append(cur, v)
		n++
	}
	if len(cur) > 0 {
		c = append(c, cur)
	}
	return c
}

// killable iterates the partition, and kills the task reading it once its
// Context is stopped, as killable does a slice.
func (c chunked[T]) killable(sc *Context) iter.Seq[T] {
	return func(yield func(T) bool) {
		n := 0
		for _, chunk := range c {
			for _, v := range chunk {
				if n++; n%killCheckEvery == 0 && sc.stopped.Load() {
					panic(taskKilled{})
				}
				if !yield(v) {
					return
				}
			}
		}
	}
}

func (c *partitionCache[T]) complete() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.done {
		if !d {
			return false
		}
	}
	return true
}

// FromPartitions returns an RDD holding the given partitions as they are,
// already materialised: what a checkpointed or received dataset looks like.
// partitioner, when not nil, is the Partitioner[K] the data is laid out by.
func FromPartitions[T any](sc *Context, name string, parts [][]T, partitioner any) *RDD[T] {
	r := newRDD(sc, name, len(parts), func(p int) (iter.Seq[T], error) { return killable(sc, parts[p]), nil }, nil, nil)
	r.partitioner = partitioner
	return r
}

// killable iterates a partition like slices.Values, and kills the task
// reading it once its Context is stopped.
func killable[T any](sc *Context, part []T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for i, v := range part {
			if i%killCheckEvery == killCheckEvery-1 && sc.stopped.Load() {
				panic(taskKilled{})
			}
			if !yield(v) {
				return
			}
		}
	}
}

// Parallelize distributes data over numSlices partitions of about equal size,
// like SparkContext.parallelize. The slice is not copied.
func Parallelize[T any](sc *Context, data []T, numSlices int) *RDD[T] {
	if numSlices < 1 {
		numSlices = sc.parallelism
	}
	parts := make([][]T, numSlices)
	for i := range numSlices {
		lo := len(data) * i / numSlices
		hi := len(data) * (i + 1) / numSlices
		parts[i] = data[lo:hi:hi]
	}
	return FromPartitions(sc, "ParallelCollectionRDD", parts, nil)
}

// Empty returns an RDD with no partitions, like SparkContext.emptyRDD.
func Empty[T any](sc *Context) *RDD[T] {
	return FromPartitions[T](sc, "EmptyRDD", nil, nil)
}

// Source returns an RDD of n partitions with no parents, each computed by
// compute when a task reads it: how input data (files, offset ranges of a
// log) enters the batch layer. An error from compute fails the task.
func Source[T any](sc *Context, name string, n int, compute func(p int) (iter.Seq[T], error)) *RDD[T] {
	return newRDD(sc, name, n, compute, nil, nil)
}
