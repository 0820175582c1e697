package state

import (
	"fmt"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// StateUpdater applies one partition's tuples of a batch to its state, between
// the state's BeginCommit and Commit (Storm's StateUpdater, the operation of
// partitionPersist). What it emits forms the stream's newValuesStream.
type StateUpdater interface {
	UpdateState(s State, tuples []tuple.Tuple, c operation.TridentCollector) error
}

// QueryFunction reads a state for a batch of tuples (Storm's QueryFunction,
// the operation of stateQuery): BatchRetrieve fetches one result per tuple
// in one round trip, and Execute emits, for each tuple, the fields appended
// to it.
type QueryFunction interface {
	BatchRetrieve(s State, args []tuple.Tuple) ([]any, error)
	Execute(t tuple.Tuple, result any, c operation.TridentCollector)
}

// CombinerValueUpdater combines a batch's partial aggregate into the stored
// value (Zero when there is none).
type CombinerValueUpdater struct {
	Agg operation.CombinerAggregator
	Arg any
}

// Update implements ValueUpdater.
func (u CombinerValueUpdater) Update(stored any) any {
	if stored == nil {
		return u.Agg.Combine(u.Agg.Zero(), u.Arg)
	}
	return u.Agg.Combine(stored, u.Arg)
}

// ReducerValueUpdater folds a batch's tuples of one group into the stored
// value (Init when there is none).
type ReducerValueUpdater struct {
	Agg    operation.ReducerAggregator
	Tuples []tuple.Tuple
}

// Update implements ValueUpdater.
func (u ReducerValueUpdater) Update(stored any) any {
	curr := stored
	if curr == nil {
		curr = u.Agg.Init()
	}
	for _, t := range u.Tuples {
		curr = u.Agg.Reduce(curr, t)
	}
	return curr
}

// MapCombinerAggStateUpdater is the updater of a grouped persistentAggregate
// with a CombinerAggregator. Its tuples carry the group-by values at KeyIdx
// and a partial aggregate (already combined on the upstream partition) at
// ValueIdx; it combines the partials of each group, applies them to the
// MapState in one MultiUpdate, and emits [group..., new value].
type MapCombinerAggStateUpdater struct {
	Agg      operation.CombinerAggregator
	KeyIdx   []int
	ValueIdx int
}

// UpdateState implements StateUpdater.
func (u *MapCombinerAggStateUpdater) UpdateState(s State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(MapState)
	if !ok {
		return fmt.Errorf("persistentAggregate on a grouped stream needs a MapState, got %T", s)
	}
	keys, vals := combineByKey(u.Agg, tuples, u.KeyIdx, u.ValueIdx)
	ups := make([]ValueUpdater, len(keys))
	for i := range keys {
		ups[i] = CombinerValueUpdater{Agg: u.Agg, Arg: vals[i]}
	}
	return multiUpdateEmit(ms, keys, ups, c)
}

// MapReducerAggStateUpdater is the updater of a grouped persistentAggregate
// with a ReducerAggregator: the tuples of each group are folded into the
// stored value in arrival order.
type MapReducerAggStateUpdater struct {
	Agg    operation.ReducerAggregator
	KeyIdx []int
	// InputIdx selects the fields the reducer sees.
	InputIdx []int
	// Input is the schema of the reducer's input tuples.
	Input *tuple.Schema
}

// UpdateState implements StateUpdater.
func (u *MapReducerAggStateUpdater) UpdateState(s State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ms, ok := s.(MapState)
	if !ok {
		return fmt.Errorf("persistentAggregate on a grouped stream needs a MapState, got %T", s)
	}
	index := make(map[string]int)
	var keys [][]any
	var groups [][]tuple.Tuple
	for _, t := range tuples {
		k := []any(t.Select(u.KeyIdx))
		ks, err := EncodeKey(k)
		if err != nil {
			return err
		}
		i, ok := index[ks]
		if !ok {
			i = len(keys)
			index[ks] = i
			keys = append(keys, k)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], tuple.New(u.Input, t.Select(u.InputIdx)))
	}
	ups := make([]ValueUpdater, len(keys))
	for i := range keys {
		ups[i] = ReducerValueUpdater{Agg: u.Agg, Tuples: groups[i]}
	}
	return multiUpdateEmit(ms, keys, ups, c)
}

func multiUpdateEmit(ms MapState, keys [][]any, ups []ValueUpdater, c operation.TridentCollector) error {
	if len(keys) == 0 {
		return nil
	}
	nv, err := ms.MultiUpdate(keys, ups)
	if err != nil {
		return err
	}
	for i, k := range keys {
		out := make(tuple.Values, len(k)+1)
		copy(out, k)
		out[len(k)] = nv[i]
		c.Emit(out)
	}
	return nil
}

// combineByKey combines the partial values of each key, keeping keys in
// first-seen order so updates are deterministic.
func combineByKey(agg operation.CombinerAggregator, tuples []tuple.Tuple, keyIdx []int, valIdx int) ([][]any, []any) {
	if len(keyIdx) == 1 {
		// Fast path for the common one-field group (a word): index by the
		// value itself when it is a string, without encoding a key.
		index := make(map[string]int, len(tuples))
		var keys [][]any
		var vals []any
		var other map[string]int
		for _, t := range tuples {
			kv := t.Get(keyIdx[0])
			v := t.Get(valIdx)
			var i int
			var ok bool
			if s, isStr := kv.(string); isStr {
				i, ok = index[s]
				if !ok {
					index[s] = len(keys)
				}
			} else {
				if other == nil {
					other = make(map[string]int)
				}
				ks, err := EncodeKey([]any{kv})
				if err != nil {
					ks = fmt.Sprintf("%T:%v", kv, kv)
				}
				i, ok = other[ks]
				if !ok {
					other[ks] = len(keys)
				}
			}
			if ok {
				vals[i] = agg.Combine(vals[i], v)
				continue
			}
			keys = append(keys, []any{kv})
			vals = append(vals, v)
		}
		return keys, vals
	}
	index := make(map[string]int, len(tuples))
	var keys [][]any
	var vals []any
	for _, t := range tuples {
		k := []any(t.Select(keyIdx))
		ks, err := EncodeKey(k)
		if err != nil {
			ks = fmt.Sprint(k...)
		}
		if i, ok := index[ks]; ok {
			vals[i] = agg.Combine(vals[i], t.Get(valIdx))
			continue
		}
		index[ks] = len(keys)
		keys = append(keys, k)
		vals = append(vals, t.Get(valIdx))
	}
	return keys, vals
}

// CombinerAggStateUpdater is the updater of an ungrouped persistentAggregate
// with a CombinerAggregator: it combines the batch's partials at ValueIdx
// into the one value of a Snapshottable and emits [new value].
type CombinerAggStateUpdater struct {
	Agg      operation.CombinerAggregator
	ValueIdx int
}

// UpdateState implements StateUpdater.
func (u *CombinerAggStateUpdater) UpdateState(s State, tuples []tuple.Tuple, c operation.TridentCollector) error {
	ss, ok := s.(Snapshottable)
	if !ok {
		return fmt.Errorf("persistentAggregate on an ungrouped stream needs a Snapshottable state, got %T", s)
	}
	if len(tuples) == 0 {
		return nil
	}
	acc := u.Agg.Zero()
	for _, t := range tuples {
		acc = u.Agg.Combine(acc, t.Get(u.ValueIdx))
	}
	nv, err := ss.Update(CombinerValueUpdater{Agg: u.Agg, Arg: acc})
	if err != nil {
		return err
	}
	c.Emit(tuple.Values{nv})
	return nil
}
