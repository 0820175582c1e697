package trident

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// StaticState is a read-only table as a Trident state, for stateQuery: what
// a Trident user gets by persisting a table once or wrapping a lookup
// service in a State (a spam list, a capacity table, speed limits).
// Queries read it; nothing ever writes it, so it needs no transaction.
type StaticState struct {
	// Lookup returns the table's value for a key and whether it has one.
	Lookup func(key any) (any, bool)
}

var (
	_ state.State   = (*StaticState)(nil)
	_ state.Factory = (*StaticState)(nil)
)

// BeginCommit implements state.State; a static state has nothing to commit.
func (*StaticState) BeginCommit(int64) error { return nil }

// Commit implements state.State.
func (*StaticState) Commit(int64) error { return nil }

// MakeState implements state.Factory: every partition reads the one table.
func (s *StaticState) MakeState(map[string]any, int, int) (state.State, error) { return s, nil }

// StaticLookup is the QueryFunction that looks the first input field up in a
// StaticState and appends the value, or nil when the table has none (a
// Filter after it can drop those, as builtin.FilterNull does after
// MapGet).
type StaticLookup struct{}

var _ state.QueryFunction = StaticLookup{}

// BatchRetrieve implements state.QueryFunction.
func (StaticLookup) BatchRetrieve(s state.State, args []tuple.Tuple) ([]any, error) {
	st := s.(*StaticState)
	out := make([]any, len(args))
	for i, a := range args {
		if v, ok := st.Lookup(a.Get(0)); ok {
			out[i] = v
		}
	}
	return out, nil
}

// Execute implements state.QueryFunction.
func (StaticLookup) Execute(_ tuple.Tuple, result any, c operation.TridentCollector) {
	c.Emit(tuple.Values{result})
}
