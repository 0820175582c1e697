package state_test

import (
	"fmt"

	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/state"
)

// add is the update a Count persistentAggregate makes: add a batch's count.
func add(n int64) state.ValueUpdater {
	return state.CombinerValueUpdater{Agg: builtin.Count{}, Arg: n}
}

// ExampleOpaqueMap replays Trident's worked example of opaque state: the
// stored {value 4, prev 1, txid 2} gets 2 more at txid 3, and then txid 3
// is replayed with different contents (3 more): the replay starts again
// from the value before txid 3.
func ExampleOpaqueMap() {
	backing := state.NewMemoryBackingMap()
	backing.MultiPut([][]any{{"cat"}}, []any{state.OpaqueValue{CurrTxid: 2, Curr: int64(4), Prev: int64(1)}})
	counts := state.NewOpaqueMap(backing)
	show := func() {
		v, _ := backing.MultiGet([][]any{{"cat"}})
		fmt.Println(v[0])
	}
	counts.BeginCommit(3)
	counts.MultiUpdate([][]any{{"cat"}}, []state.ValueUpdater{add(2)})
	counts.Commit(3)
	show()
	counts.BeginCommit(3)
	counts.MultiUpdate([][]any{{"cat"}}, []state.ValueUpdater{add(3)})
	counts.Commit(3)
	show()
	// Output:
	// {6, 4, 3}
	// {7, 4, 3}
}

// ExampleTransactionalMap shows why a transactional map needs a
// transactional spout: a replayed txid is skipped wherever it was applied.
func ExampleTransactionalMap() {
	backing := state.NewMemoryBackingMap()
	counts := state.NewTransactionalMap(backing)
	keys := [][]any{{"cat"}, {"dog"}}
	counts.BeginCommit(1)
	counts.MultiUpdate(keys, []state.ValueUpdater{add(5), add(2)})
	counts.Commit(1)
	// Batch 2 reaches "cat" and then fails before "dog" ...
	counts.BeginCommit(2)
	counts.MultiUpdate(keys[:1], []state.ValueUpdater{add(1)})
	// ... and is replayed with the same tuples: "cat" is not counted twice.
	counts.BeginCommit(2)
	v, _ := counts.MultiUpdate(keys, []state.ValueUpdater{add(1), add(1)})
	counts.Commit(2)
	fmt.Println(v)
	// Output: [6 3]
}
