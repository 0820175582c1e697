package microbatch

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// The window operations all take the window length first and the slide
// second, as Spark's do, and check them alike when the window is defined:
//
//   - both are positive whole milliseconds, multiples of the batch interval
//     and of the parent's slide duration (a windowed parent slides less
//     often than every batch);
//   - the slide is at most the window, so that every element falls in at
//     least one window;
//   - a slide of 0 means the parent's slide duration, which for a stream
//     that is not itself windowed is the batch interval: Spark's
//     window(windowDuration) without a slide.
//
// A bad duration is a *DefinitionError naming the operation, the duration
// and what it must be a multiple of, wrapping ErrInvalidDuration:
//
//	ReduceByKeyAndWindow: window 1.5s is not a multiple of the batch interval 1s
//
// The operations that shuffle take an optional partition count last
// (numPartitions ...int, default spark.default.parallelism), except
// ReduceByKeyAndWindowInv, which keeps Spark's positional numPartitions
// (0 for the default) before its filter function.

// windowError is a window operation's bad duration: its message is the
// whole story, and it is an ErrInvalidDuration.
type windowError struct{ msg string }

func (e *windowError) Error() string { return e.msg }

func (e *windowError) Unwrap() error { return ErrInvalidDuration }

// windowArgs checks a window operation's durations against d and returns the
// slide, defaulted when 0.
func windowArgs(op string, d *streamBase, window, slide time.Duration) (time.Duration, error) {
	if slide == 0 {
		slide = d.slide
	}
	bad := func(format string, args ...any) error {
		return &DefinitionError{Op: op, Err: &windowError{fmt.Sprintf(format, args...)}}
	}
	for _, c := range []struct {
		what string
		v    time.Duration
	}{{"window", window}, {"slide", slide}} {
		switch {
		case c.v <= 0:
			return 0, bad("%s %v must be positive", c.what, c.v)
		case c.v%time.Millisecond != 0:
			return 0, bad("%s %v is not a whole number of milliseconds", c.what, c.v)
		case c.v%d.ssc.batch != 0:
			return 0, bad("%s %v is not a multiple of the batch interval %v", c.what, c.v, d.ssc.batch)
		case c.v%d.slide != 0:
			return 0, bad("%s %v is not a multiple of the slide duration %v of %s", c.what, c.v, d.slide, d)
		}
	}
	if slide > window {
		return 0, bad("slide %v is longer than the window %v: elements between windows would be dropped", slide, window)
	}
	return slide, nil
}

// windowStart checks what every window operation checks first: the
// parent's definition, the durations, the functions.
func windowStart(op string, d *streamBase, window, slide time.Duration, funcs ...bool) (time.Duration, error) {
	if d.err != nil {
		return 0, d.err
	}
	slide, err := windowArgs(op, d, window, slide)
	if err != nil {
		return 0, err
	}
	for _, ok := range funcs {
		if !ok {
			return 0, &DefinitionError{Op: op, Err: fmt.Errorf("%w: nil function", ErrInvalidArgument)}
		}
	}
	return slide, nil
}

// Window returns a DStream whose RDD at each slide is the union of d's RDDs
// of the last windowDuration, Spark's window. windowDuration and
// slideDuration must be multiples of d's slide duration (and so of the batch
// interval); anything else is an error here, when the window is defined.
func (d *DStream[T]) Window(windowDuration, slideDuration time.Duration) (*DStream[T], error) {
	slideDuration, err := windowStart("Window", &d.streamBase, windowDuration, slideDuration)
	if err != nil {
		return nil, err
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
	slideDuration, err := windowStart("CountByWindow", &d.streamBase, windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	ones := Map(d, func(T) int64 { return 1 })
	return ReduceByWindowInv(ones, func(a, b int64) int64 { return a + b }, func(a, b int64) int64 { return a - b }, windowDuration, slideDuration)
}

// ReduceByWindow folds the elements in a sliding window with f: each
// batch is reduced, the window's batch results are unioned and reduced
// again.
func (d *DStream[T]) ReduceByWindow(f func(T, T) T, windowDuration, slideDuration time.Duration) (*DStream[T], error) {
	slideDuration, err := windowStart("ReduceByWindow", &d.streamBase, windowDuration, slideDuration, f != nil)
	if err != nil {
		return nil, err
	}
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
	slideDuration, err := windowStart("ReduceByWindowInv", &d.streamBase, windowDuration, slideDuration, f != nil, inv != nil)
	if err != nil {
		return nil, err
	}
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
	slideDuration, err := windowStart("ReduceByKeyAndWindow", &d.streamBase, windowDuration, slideDuration, f != nil)
	if err != nil {
		return nil, err
	}
	if _, err := partitionsParam(numPartitions); err != nil {
		return nil, &DefinitionError{Op: "ReduceByKeyAndWindow", Err: err}
	}
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
	slideDuration, err := windowStart("ReduceByKeyAndWindowInv", &d.streamBase, windowDuration, slideDuration, f != nil, inv != nil)
	if err != nil {
		return nil, err
	}
	if numPartitions < 0 {
		return nil, &DefinitionError{Op: "ReduceByKeyAndWindowInv", Err: fmt.Errorf("%w: %d partitions, need at least 1 (or 0 for the default)", ErrInvalidArgument, numPartitions)}
	}
	if numPartitions == 0 {
		numPartitions = d.ssc.sc.DefaultParallelism()
	}
	part, err := rdd.NewHashPartitioner[K](numPartitions)
	if err != nil {
		return nil, &DefinitionError{Op: "ReduceByKeyAndWindowInv", Err: fmt.Errorf("%w: %v", ErrInvalidArgument, err)}
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
// checkpoint directory. numPartitions is optional.
func CountByValueAndWindow[T comparable](d *DStream[T], windowDuration, slideDuration time.Duration, numPartitions ...int) (*DStream[Pair[T, int64]], error) {
	slideDuration, err := windowStart("CountByValueAndWindow", &d.streamBase, windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	if _, err := partitionsParam(numPartitions); err != nil {
		return nil, &DefinitionError{Op: "CountByValueAndWindow", Err: err}
	}
	n := 0
	if len(numPartitions) == 1 {
		n = numPartitions[0]
	}
	ones := Map(d, func(v T) Pair[T, int64] { return KV(v, int64(1)) })
	return ReduceByKeyAndWindowInv(ones, func(a, b int64) int64 { return a + b }, func(a, b int64) int64 { return a - b },
		windowDuration, slideDuration, n, func(p Pair[T, int64]) bool { return p.Value != 0 })
}

// GroupByKeyAndWindow gathers the values of each key over a sliding window.
// numPartitions is optional.
func GroupByKeyAndWindow[K comparable, V any](d *DStream[Pair[K, V]], windowDuration, slideDuration time.Duration, numPartitions ...int) (*DStream[Pair[K, []V]], error) {
	slideDuration, err := windowStart("GroupByKeyAndWindow", &d.streamBase, windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	if _, err := partitionsParam(numPartitions); err != nil {
		return nil, &DefinitionError{Op: "GroupByKeyAndWindow", Err: err}
	}
	w, err := d.Window(windowDuration, slideDuration)
	if err != nil {
		return nil, err
	}
	out := GroupByKey(w, numPartitions...)
	return out, out.err
}
