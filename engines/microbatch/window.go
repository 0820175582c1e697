package microbatch

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// checkWindow checks a window and slide against the parent's slide and the
// batch interval: both must be multiples of the parent's slide (itself a
// multiple of the batch interval), as Spark requires.
func checkWindow(d *streamBase, window, slide time.Duration) error {
	if err := checkMultiple("window duration", window, "batch interval", d.ssc.batch); err != nil {
		return err
	}
	if err := checkMultiple("slide duration", slide, "batch interval", d.ssc.batch); err != nil {
		return err
	}
	if err := checkMultiple("window duration", window, "parent's slide duration", d.slide); err != nil {
		return err
	}
	return checkMultiple("slide duration", slide, "parent's slide duration", d.slide)
}

// Window returns a DStream whose RDD at each slide is the union of d's RDDs
// of the last windowDuration, Spark's window. windowDuration and
// slideDuration must be multiples of d's slide duration (and so of the batch
// interval); anything else is an error here, when the window is defined.
func (d *DStream[T]) Window(windowDuration, slideDuration time.Duration) (*DStream[T], error) {
	if d.err != nil {
		return nil, d.err
	}
	if err := checkWindow(&d.streamBase, windowDuration, slideDuration); err != nil {
		return nil, &DefinitionError{Op: "window", Err: err}
	}
	d.persist = true
	parentSlide := d.slide
	out := derive("window", "WindowedDStream", fmt.Sprintf("window=%v", windowDuration), []dstream{d}, func(t Time) (*rdd.RDD[T], error) {
		rdds, err := d.Slice(t.Add(-windowDuration+parentSlide), t)
		if err != nil {
			return nil, err
		}
		if len(rdds) == 0 {
			return rdd.Empty[T](d.ssc.sc), nil
		}
		return rdd.Union(rdds[0], rdds[1:]...), nil
	})
	out.slide = slideDuration
	out.extraRemember = windowDuration
	return out, out.err
}

// CountByWindow counts the elements in a sliding window, incrementally:
// each slide adds the new batches' counts and subtracts the expired ones, so
// like Spark it needs a checkpoint directory.
func (d *DStream[T]) CountByWindow(windowDuration, slideDuration time.Duration) (*DStream[int64], error) {
	ones := Map(d, func(T) int64 { return 1 })
	return ReduceByWindowInv(ones, func(a, b int64) int64 { return a + b }, func(a, b int64) int64 { return a - b }, windowDuration, slideDuration)
}

// ReduceByWindow folds the elements in a sliding window with f: each
// batch is reduced, the window's batch results are unioned and reduced
// again.
func (d *DStream[T]) ReduceByWindow(f func(T, T) T, windowDuration, slideDuration time.Duration) (*DStream[T], error) {
	w, err := d.Reduce(f).Window(windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	return w.Reduce(f), nil
}

// ReduceByWindowInv is ReduceByWindow computed incrementally with inv, the
// inverse of f (f(inv(a, b), b) == a): the previous window's result plus the
// entering batches minus the leaving ones. It needs a checkpoint directory.
// (A function rather than a method: Go methods cannot take the pair type it
// builds.)
func ReduceByWindowInv[T any](d *DStream[T], f, inv func(T, T) T, windowDuration, slideDuration time.Duration) (*DStream[T], error) {
	keyed := Map(d, func(v T) Pair[int, T] { return KV(0, v) })
	w, err := ReduceByKeyAndWindowInv(keyed, f, inv, windowDuration, slideDuration, 1, nil)
	if err != nil {
		return nil, err
	}
	return Map(w, func(p Pair[int, T]) T { return p.Value }), nil
}

// ReduceByKeyAndWindow merges the values of each key over a sliding window
// with f: each batch is reduced by key, and at each slide the window's
// reduced batches are unioned and reduced again. numPartitions is optional.
func ReduceByKeyAndWindow[K comparable, V any](d *DStream[Pair[K, V]], f func(V, V) V, windowDuration, slideDuration time.Duration, numPartitions ...int) (*DStream[Pair[K, V]], error) {
	w, err := ReduceByKey(d, f, numPartitions...).Window(windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	out := ReduceByKey(w, f, numPartitions...)
	return out, out.err
}

// ReduceByKeyAndWindowInv is ReduceByKeyAndWindow computed incrementally,
// Spark's reduceByKeyAndWindow with an inverse function: the window's result
// is the previous window's, merged with the batches entering the window (f)
// and un-merged with those leaving it (inv). Keys whose value falls back to
// the neutral value stay in the result unless filter removes them (filter
// nil keeps every key), as in Spark. numPartitions 0 means the default
// parallelism. The previous window is read back every slide, so this needs a
// checkpoint directory.
func ReduceByKeyAndWindowInv[K comparable, V any](d *DStream[Pair[K, V]], f, inv func(V, V) V, windowDuration, slideDuration time.Duration, numPartitions int, filter func(Pair[K, V]) bool) (*DStream[Pair[K, V]], error) {
	if d.err != nil {
		return nil, d.err
	}
	if err := checkWindow(&d.streamBase, windowDuration, slideDuration); err != nil {
		return nil, &DefinitionError{Op: "reduceByKeyAndWindow", Err: err}
	}
	if f == nil || inv == nil {
		return nil, &DefinitionError{Op: "reduceByKeyAndWindow", Err: fmt.Errorf("%w: nil reduce or inverse function", ErrInvalidArgument)}
	}
	if numPartitions == 0 {
		numPartitions = d.ssc.sc.DefaultParallelism()
	}
	part, err := rdd.NewHashPartitioner[K](numPartitions)
	if err != nil {
		return nil, &DefinitionError{Op: "reduceByKeyAndWindow", Err: fmt.Errorf("%w: %v", ErrInvalidArgument, err)}
	}
	reduced := ReduceByKey(d, f, numPartitions)
	reduced.persist = true
	parentSlide := reduced.slide
	var out *DStream[Pair[K, V]]
	out = derive("reduceByKeyAndWindow", "ReducedWindowedDStream",
		fmt.Sprintf("window=%v inverse=true numPartitions=%d filter=%v", windowDuration, numPartitions, filter != nil),
		[]dstream{reduced}, func(t Time) (*rdd.RDD[Pair[K, V]], error) {
			curBegin := t.Add(-windowDuration + parentSlide)
			prevBegin, prevEnd := curBegin.Add(-slideDuration), t.Add(-slideDuration)
			oldRDDs, err := reduced.Slice(prevBegin, curBegin.Add(-parentSlide))
			if err != nil {
				return nil, err
			}
			newRDDs, err := reduced.Slice(prevEnd.Add(parentSlide), t)
			if err != nil {
				return nil, err
			}
			prev, err := out.getOrCompute(prevEnd)
			if err != nil {
				return nil, err
			}
			if prev == nil {
				prev = rdd.Empty[Pair[K, V]](d.ssc.sc)
			}
			all := append(append([]*rdd.RDD[Pair[K, V]]{}, oldRDDs...), newRDDs...)
			nOld := len(oldRDDs)
			grouped := rdd.CogroupAll(part, prev, all...)
			merged := rdd.MapValues(grouped, func(vs [][]V) V {
				return mergeWindow(vs[0], vs[1:1+nOld], vs[1+nOld:], f, inv)
			})
			if filter != nil {
				return merged.Filter(filter), nil
			}
			return merged, nil
		})
	out.slide = slideDuration
	out.extraRemember = windowDuration
	out.mustCheckpoint = true
	out.persist = true
	out.restoreHook = func(r *rdd.RDD[Pair[K, V]]) *rdd.RDD[Pair[K, V]] { return rdd.PartitionBy(r, part) }
	return out, out.err
}

// mergeWindow computes one key's new window value from its previous value,
// the values of the batches leaving the window and of those entering it.
func mergeWindow[V any](prev []V, old, new [][]V, f, inv func(V, V) V) V {
	reduceAll := func(groups [][]V) (V, bool) {
		var acc V
		ok := false
		for _, g := range groups {
			for _, v := range g {
				if ok {
					acc = f(acc, v)
				} else {
					acc, ok = v, true
				}
			}
		}
		return acc, ok
	}
	newV, hasNew := reduceAll(new)
	if len(prev) == 0 {
		if !hasNew {
			// Spark fails here too: a key leaving a window it never entered
			// means the key does not hash consistently.
			panic(fmt.Sprintf("reduceByKeyAndWindow: a key has neither a previous window value nor new values; does the key type hash consistently?"))
		}
		return newV
	}
	acc := prev[0]
	if oldV, ok := reduceAll(old); ok {
		acc = inv(acc, oldV)
	}
	if hasNew {
		acc = f(acc, newV)
	}
	return acc
}

// CountByValueAndWindow counts each distinct element over a sliding window,
// incrementally, dropping elements whose count falls to zero. It needs a
// checkpoint directory. numPartitions 0 means the default parallelism.
func CountByValueAndWindow[T comparable](d *DStream[T], windowDuration, slideDuration time.Duration, numPartitions int) (*DStream[Pair[T, int64]], error) {
	ones := Map(d, func(v T) Pair[T, int64] { return KV(v, int64(1)) })
	return ReduceByKeyAndWindowInv(ones, func(a, b int64) int64 { return a + b }, func(a, b int64) int64 { return a - b },
		windowDuration, slideDuration, numPartitions, func(p Pair[T, int64]) bool { return p.Value != 0 })
}

// GroupByKeyAndWindow gathers the values of each key over a sliding window.
func GroupByKeyAndWindow[K comparable, V any](d *DStream[Pair[K, V]], windowDuration, slideDuration time.Duration, numPartitions ...int) (*DStream[Pair[K, []V]], error) {
	w, err := d.Window(windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	out := GroupByKey(w, numPartitions...)
	return out, out.err
}
