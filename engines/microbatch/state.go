package microbatch

import (
	"fmt"
	"iter"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// UpdateStateByKey keeps a state per key across batches, Spark's
// updateStateByKey: at every batch, update is called for every key that has
// a state or new values, with the key's new values (possibly none) and its
// previous state (None for a new key); returning None removes the key. The
// result is the state of every key after each batch. It calls update for
// every key every batch, which is what MapWithState avoids. The state is
// hash-partitioned into numPartitions partitions (optional) and checkpointed,
// so the context needs a checkpoint directory.
func UpdateStateByKey[K comparable, V, S any](d *DStream[Pair[K, V]], update func(values []V, state Option[S]) Option[S], numPartitions ...int) *DStream[Pair[K, S]] {
	params, perr := partitionsParam(numPartitions)
	n := d.ssc.sc.DefaultParallelism()
	if perr == nil && len(numPartitions) == 1 {
		n = numPartitions[0]
	}
	part, _ := rdd.NewHashPartitioner[K](max(n, 1))
	var out *DStream[Pair[K, S]]
	out = derive("updateStateByKey", "StateDStream", params, []dstream{d}, func(t Time) (*rdd.RDD[Pair[K, S]], error) {
		batch, err := d.getOrCompute(t)
		if err != nil {
			return nil, err
		}
		prev, err := out.getOrCompute(t.Add(-out.slide))
		if err != nil {
			return nil, err
		}
		if batch == nil {
			batch = rdd.Empty[Pair[K, V]](d.ssc.sc)
		}
		if prev == nil {
			prev = rdd.Empty[Pair[K, S]](d.ssc.sc)
		}
		grouped := rdd.CogroupWith(batch, prev, part)
		return rdd.FlatMapValues(grouped, func(g Pair[[]V, []S]) []S {
			st := None[S]()
			if len(g.Value) > 0 {
				st = Some(g.Value[0])
			}
			if next := update(g.Key, st); next.Defined {
				return []S{next.Value}
			}
			return nil
		}), nil
	})
	out.mustCheckpoint = true
	out.persist = true
	out.restoreHook = func(r *rdd.RDD[Pair[K, S]]) *rdd.RDD[Pair[K, S]] { return rdd.PartitionBy(r, part) }
	if perr != nil {
		return out.fail("updateStateByKey", perr)
	}
	if update == nil {
		return out.fail("updateStateByKey", fmt.Errorf("%w: nil update function", ErrInvalidArgument))
	}
	return out
}

// State is the state of one key inside a MapWithState function, Spark's
// State: read it with Exists and Get, change it with Update or Remove. A
// state that IsTimingOut is being removed and can no longer be updated.
type State[S any] struct {
	value     S
	exists    bool
	updated   bool
	removed   bool
	timingOut bool
}

// Exists reports whether the key has a state.
func (s *State[S]) Exists() bool { return s.exists }

// Get returns the state, or the zero value when it does not exist.
func (s *State[S]) Get() S { return s.value }

// GetOption returns the state as an Option.
func (s *State[S]) GetOption() Option[S] {
	if s.exists {
		return Some(s.value)
	}
	return None[S]()
}

// Update sets the state. Like Spark, updating a removed or timing-out state
// is a mistake and fails the batch.
func (s *State[S]) Update(v S) {
	if s.removed || s.timingOut {
		panic("mapWithState: cannot update a state that has been removed or is timing out")
	}
	s.value, s.exists, s.updated = v, true, true
}

// Remove deletes the state.
func (s *State[S]) Remove() {
	if s.removed || s.timingOut {
		panic("mapWithState: cannot remove a state that has been removed or is timing out")
	}
	var zero S
	s.value, s.exists, s.removed = zero, false, true
}

// IsTimingOut reports whether the function is being called because the key
// saw no data for the spec's timeout; its state is removed afterwards.
func (s *State[S]) IsTimingOut() bool { return s.timingOut }

// StateSpec describes a MapWithState operation, Spark's StateSpec: the
// mapping function and, optionally, the partition count, an initial state
// and an idle timeout.
type StateSpec[K comparable, V, S, E any] struct {
	fn            func(key K, value Option[V], state *State[S]) E
	numPartitions int
	initial       *rdd.RDD[Pair[K, S]]
	timeout       time.Duration
}

// StateSpecFunction returns a StateSpec for fn: called once for every
// (key, value) of each batch with the key's State, and once more with a None
// value when a key times out; what it returns is the mapped stream's element.
func StateSpecFunction[K comparable, V, S, E any](fn func(key K, value Option[V], state *State[S]) E) *StateSpec[K, V, S, E] {
	return &StateSpec[K, V, S, E]{fn: fn}
}

// NumPartitions sets how many partitions the state is hash-partitioned into.
func (s *StateSpec[K, V, S, E]) NumPartitions(n int) *StateSpec[K, V, S, E] {
	s.numPartitions = n
	return s
}

// InitialState sets the state keys start from.
func (s *StateSpec[K, V, S, E]) InitialState(r *rdd.RDD[Pair[K, S]]) *StateSpec[K, V, S, E] {
	s.initial = r
	return s
}

// Timeout removes the state of a key that received no data for d, after a
// last call with IsTimingOut true. d must be a multiple of the batch
// interval.
func (s *StateSpec[K, V, S, E]) Timeout(d time.Duration) *StateSpec[K, V, S, E] {
	s.timeout = d
	return s
}

// stateEntry is one key's state and the batch time it was last updated at.
type stateEntry[S any] struct {
	State      S
	UpdateTime int64
}

// stateRecord is one partition of a MapWithState's internal stream, Spark's
// MapWithStateRDDRecord: the partition's state map and the elements mapped
// in the batch.
type stateRecord[K comparable, S, E any] struct {
	States map[K]stateEntry[S]
	Mapped []E
}

// MapWithStateDStream is the stream of mapped elements of a MapWithState; its
// StateSnapshots gives the full state after every batch.
type MapWithStateDStream[K comparable, S, E any] struct {
	*DStream[E]
	internal *DStream[stateRecord[K, S, E]]
}

// StateSnapshots returns the state of every key after each batch.
func (m *MapWithStateDStream[K, S, E]) StateSnapshots() *DStream[Pair[K, S]] {
	return FlatMap(m.internal, func(r stateRecord[K, S, E]) []Pair[K, S] {
		out := make([]Pair[K, S], 0, len(r.States))
		for k, e := range r.States {
			out = append(out, KV(k, e.State))
		}
		return out
	})
}

// MapWithState keeps a state per key across batches and maps every
// (key, value) of each batch with the spec's function, Spark's
// mapWithState. Unlike UpdateStateByKey, only the keys that receive data
// (or time out) are touched in a batch, so its cost follows the batch, not
// the state. Each partition's state map is updated in place rather than
// copied: the previous batch's state is never read again once the next is
// computed (Spark reaches the same end with delta-chained maps). The context
// needs a checkpoint directory.
func MapWithState[K comparable, V, S, E any](d *DStream[Pair[K, V]], spec *StateSpec[K, V, S, E]) *MapWithStateDStream[K, S, E] {
	type rec = stateRecord[K, S, E]
	var (
		perr error
		n    = d.ssc.sc.DefaultParallelism()
	)
	switch {
	case spec == nil || spec.fn == nil:
		perr = fmt.Errorf("%w: nil StateSpec or mapping function", ErrInvalidArgument)
	case spec.numPartitions < 0:
		perr = fmt.Errorf("%w: %d partitions, need at least 1", ErrInvalidArgument, spec.numPartitions)
	case spec.timeout != 0:
		perr = checkMultiple("state timeout", spec.timeout, "batch interval", d.ssc.batch)
	}
	if perr == nil && spec.numPartitions > 0 {
		n = spec.numPartitions
	}
	part, _ := rdd.NewHashPartitioner[K](n)
	var timeout time.Duration
	if spec != nil {
		timeout = spec.timeout
	}
	var internal *DStream[rec]
	internal = derive("mapWithState", "InternalMapWithStateDStream", fmt.Sprintf("numPartitions=%d timeout=%v", n, timeout), []dstream{d}, func(t Time) (*rdd.RDD[rec], error) {
		batch, err := d.getOrCompute(t)
		if err != nil {
			return nil, err
		}
		if batch == nil {
			batch = rdd.Empty[Pair[K, V]](d.ssc.sc)
		}
		prev, err := internal.getOrCompute(t.Add(-internal.slide))
		if err != nil {
			return nil, err
		}
		if prev == nil {
			prev = initialRecords[K, S, E](d.ssc.sc, spec.initial, part)
		}
		data := rdd.PartitionBy(batch, part)
		return rdd.ZipPartitions(prev, data, false, func(_ int, prevs iter.Seq[rec], kvs iter.Seq[Pair[K, V]]) iter.Seq[rec] {
			var states map[K]stateEntry[S]
			for r := range prevs {
				states = r.States
			}
			if states == nil {
				states = map[K]stateEntry[S]{}
			}
			return func(yield func(rec) bool) {
				yield(updateStates(states, kvs, spec.fn, t, timeout))
			}
		}), nil
	})
	internal.mustCheckpoint = true
	internal.persist = true
	internal.restoreHook = func(r *rdd.RDD[rec]) *rdd.RDD[rec] { return relayoutRecords(r, part) }
	mapped := FlatMap(internal, func(r rec) []E { return r.Mapped })
	if perr != nil {
		internal.fail("mapWithState", perr)
		mapped.err = internal.err
	}
	return &MapWithStateDStream[K, S, E]{DStream: mapped, internal: internal}
}

// updateStates applies one batch to a partition's states.
func updateStates[K comparable, V, S, E any](states map[K]stateEntry[S], kvs iter.Seq[Pair[K, V]], fn func(K, Option[V], *State[S]) E, t Time, timeout time.Duration) stateRecord[K, S, E] {
	var mapped []E
	var st State[S]
	for kv := range kvs {
		e, ok := states[kv.Key]
		st = State[S]{value: e.State, exists: ok}
		mapped = append(mapped, fn(kv.Key, Some(kv.Value), &st))
		switch {
		case st.removed:
			delete(states, kv.Key)
		case st.updated:
			states[kv.Key] = stateEntry[S]{State: st.value, UpdateTime: t.Milliseconds()}
		}
	}
	if timeout > 0 {
		limit := t.Add(-timeout).Milliseconds()
		for k, e := range states {
			if e.UpdateTime < limit {
				st = State[S]{value: e.State, exists: true, timingOut: true}
				mapped = append(mapped, fn(k, None[V](), &st))
				delete(states, k)
			}
		}
	}
	return stateRecord[K, S, E]{States: states, Mapped: mapped}
}

// initialRecords lays out a spec's initial state (or none) as state records.
func initialRecords[K comparable, S, E any](sc *rdd.Context, initial *rdd.RDD[Pair[K, S]], part rdd.Partitioner[K]) *rdd.RDD[stateRecord[K, S, E]] {
	if initial == nil {
		initial = rdd.Empty[Pair[K, S]](sc)
	}
	laid := rdd.PartitionBy(initial, part)
	if laid.NumPartitions() != part.NumPartitions() {
		empty := make([][]Pair[K, S], part.NumPartitions())
		laid = rdd.FromPartitions(sc, "EmptyStateRDD", empty, part)
	}
	return rdd.MapPartitions(laid, func(kvs iter.Seq[Pair[K, S]]) iter.Seq[stateRecord[K, S, E]] {
		return func(yield func(stateRecord[K, S, E]) bool) {
			states := map[K]stateEntry[S]{}
			for kv := range kvs {
				states[kv.Key] = stateEntry[S]{State: kv.Value}
			}
			yield(stateRecord[K, S, E]{States: states})
		}
	})
}

// relayoutRecords re-partitions state records read back from a checkpoint,
// so that every key is in the partition this process hashes it to.
func relayoutRecords[K comparable, S, E any](r *rdd.RDD[stateRecord[K, S, E]], part rdd.Partitioner[K]) *rdd.RDD[stateRecord[K, S, E]] {
	type entry = Pair[K, stateEntry[S]]
	flat := rdd.FlatMap(r, func(rec stateRecord[K, S, E]) []entry {
		out := make([]entry, 0, len(rec.States))
		for k, e := range rec.States {
			out = append(out, KV(k, e))
		}
		return out
	})
	laid := rdd.PartitionBy(flat, part)
	return rdd.MapPartitions(laid, func(es iter.Seq[entry]) iter.Seq[stateRecord[K, S, E]] {
		return func(yield func(stateRecord[K, S, E]) bool) {
			states := map[K]stateEntry[S]{}
			for e := range es {
				states[e.Key] = e.Value
			}
			yield(stateRecord[K, S, E]{States: states})
		}
	})
}
