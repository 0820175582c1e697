package state

// NonTransactionalMap stores bare values and applies every update it is
// given: a replayed batch is applied again. It is the state of Trident's
// at-most-once (and, with replays, at-least-once) pipelines, and shows why
// the txid beside a value matters.
type NonTransactionalMap struct {
	backing IBackingMap
}

var _ MapState = (*NonTransactionalMap)(nil)

// NewNonTransactionalMap wraps backing, which stores bare values.
func NewNonTransactionalMap(backing IBackingMap) *NonTransactionalMap {
	return &NonTransactionalMap{backing: backing}
}

// BeginCommit does nothing: a non-transactional map ignores txids.
func (m *NonTransactionalMap) BeginCommit(int64) error { return nil }

// Commit does nothing.
func (m *NonTransactionalMap) Commit(int64) error { return nil }

// MultiGet returns the stored values.
func (m *NonTransactionalMap) MultiGet(keys [][]any) ([]any, error) { return m.backing.MultiGet(keys) }

// MultiUpdate applies every updater and stores the results.
func (m *NonTransactionalMap) MultiUpdate(keys [][]any, updaters []ValueUpdater) ([]any, error) {
	stored, err := m.backing.MultiGet(keys)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, s := range stored {
		out[i] = updaters[i].Update(s)
	}
	if err := m.backing.MultiPut(keys, out); err != nil {
		return nil, err
	}
	return out, nil
}

// MultiPut stores the values.
func (m *NonTransactionalMap) MultiPut(keys [][]any, vals []any) error {
	return m.backing.MultiPut(keys, vals)
}
