package state

// ValueUpdater computes a new value from the stored one (nil when the key
// has none), as Storm's ValueUpdater does.
type ValueUpdater interface {
	Update(stored any) any
}

// UpdaterFunc adapts a function to a ValueUpdater.
type UpdaterFunc func(stored any) any

// Update calls f.
func (f UpdaterFunc) Update(stored any) any { return f(stored) }

// ReadOnlyMapState is a map state that can be queried (StateQuery, MapGet).
type ReadOnlyMapState interface {
	State
	// MultiGet returns the value of each key, nil where absent.
	MultiGet(keys [][]any) ([]any, error)
}

// MapState is the state of a grouped persistentAggregate: one value per
// group, keyed by the group-by fields' values.
type MapState interface {
	ReadOnlyMapState
	// MultiUpdate applies updaters[i] to the value of keys[i] and returns
	// the new values.
	MultiUpdate(keys [][]any, updaters []ValueUpdater) ([]any, error)
	// MultiPut sets the value of each key.
	MultiPut(keys [][]any, vals []any) error
}

// Snapshottable is the state of an ungrouped (global) persistentAggregate:
// one value.
type Snapshottable interface {
	State
	Get() (any, error)
	Update(u ValueUpdater) (any, error)
	Set(v any) error
}

// IBackingMap is the bare store under a map state: it keeps what the
// wrapping map gives it (a TransactionalValue, an OpaqueValue or a bare
// value) and knows nothing of transactions. Implementations are safe for
// concurrent use, since every partition of a state may share one store.
type IBackingMap interface {
	MultiGet(keys [][]any) ([]any, error)
	MultiPut(keys [][]any, vals []any) error
}
