package builtin

import (
	"fmt"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// MapGet is the QueryFunction that reads a map state: each tuple's input
// fields are a key, and its value (nil when absent) is appended. It is how
// the canonical TridentWordCount's DRPC stream reads the counts.
type MapGet struct{}

var _ state.QueryFunction = MapGet{}

// BatchRetrieve reads every tuple's key in one MultiGet.
func (MapGet) BatchRetrieve(s state.State, args []tuple.Tuple) ([]any, error) {
	m, ok := s.(state.ReadOnlyMapState)
	if !ok {
		return nil, fmt.Errorf("MapGet needs a map state, got %T", s)
	}
	keys := make([][]any, len(args))
	for i, t := range args {
		keys[i] = []any(t.Values())
	}
	return m.MultiGet(keys)
}

// Execute emits the value read for t.
func (MapGet) Execute(_ tuple.Tuple, result any, c operation.TridentCollector) {
	c.Emit(tuple.Values{result})
}

// FilterNull drops tuples whose input fields hold a nil.
type FilterNull struct{}

var _ operation.Filter = FilterNull{}

// IsKeep keeps t when none of its values is nil.
func (FilterNull) IsKeep(t tuple.Tuple) bool {
	for _, v := range t.Values() {
		if v == nil {
			return false
		}
	}
	return true
}
