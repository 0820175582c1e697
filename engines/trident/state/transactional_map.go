package state

import "fmt"

// TransactionalValue is what a TransactionalMap stores: a value and the txid
// of the batch that last changed it. The map stores it by pointer and never
// changes a stored one.
type TransactionalValue struct {
	Txid int64
	Val  any
}

// String formats the value as Trident prints it.
func (v TransactionalValue) String() string { return fmt.Sprintf("{%v, %d}", v.Val, v.Txid) }

// TransactionalMap is Trident's transactional map state: it stores
// [value, txid] and skips an update whose txid equals the stored one, because
// a transactional spout replays a txid with exactly the same tuples, so the
// update already in the store is the one the replay would make. Paired with
// an opaque spout it is not exact: a replay may carry other tuples, whose
// effect would be skipped or lost.
type TransactionalMap struct {
	backing IBackingMap
	txid    int64 // current batch, 0 outside a transaction
}

var _ MapState = (*TransactionalMap)(nil)

// NewTransactionalMap wraps backing, which stores TransactionalValues.
func NewTransactionalMap(backing IBackingMap) *TransactionalMap {
	return &TransactionalMap{backing: backing}
}

// BeginCommit starts batch txid.
func (m *TransactionalMap) BeginCommit(txid int64) error { m.txid = txid; return nil }

// Commit ends batch txid.
func (m *TransactionalMap) Commit(int64) error { m.txid = 0; return nil }

// MultiGet returns the stored values without their txids.
func (m *TransactionalMap) MultiGet(keys [][]any) ([]any, error) {
	stored, err := m.backing.MultiGet(keys)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, s := range stored {
		tv, err := asTransactional(s)
		if err != nil {
			return nil, err
		}
		if tv != nil {
			out[i] = tv.Val
		}
	}
	return out, nil
}

// MultiUpdate applies each updater unless the key was already updated by
// this txid, and writes back only the keys it changed.
func (m *TransactionalMap) MultiUpdate(keys [][]any, updaters []ValueUpdater) ([]any, error) {
	if m.txid == 0 {
		return nil, ErrNoTransaction
	}
	stored, err := m.backing.MultiGet(keys)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	putKeys := make([][]any, 0, len(keys))
	putVals := make([]any, 0, len(keys))
	// The new values are boxed as pointers into one slice: one allocation
	// per update rather than one per key.
	fresh := make([]TransactionalValue, 0, len(keys))
	for i, s := range stored {
		tv, err := asTransactional(s)
		if err != nil {
			return nil, err
		}
		switch {
		case tv != nil && tv.Txid == m.txid:
			// Already applied by an earlier attempt of this batch.
			out[i] = tv.Val
		case tv != nil && tv.Txid > m.txid:
			return nil, fmt.Errorf("key %v: %w (batch %d, stored %d)", keys[i], ErrTxidBehind, m.txid, tv.Txid)
		default:
			var prev any
			if tv != nil {
				prev = tv.Val
			}
			nv := updaters[i].Update(prev)
			out[i] = nv
			putKeys = append(putKeys, keys[i])
			fresh = append(fresh, TransactionalValue{Txid: m.txid, Val: nv})
			putVals = append(putVals, &fresh[len(fresh)-1])
		}
	}
	if len(putKeys) > 0 {
		if err := m.backing.MultiPut(putKeys, putVals); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MultiPut sets the values, stamped with the current txid.
func (m *TransactionalMap) MultiPut(keys [][]any, vals []any) error {
	if m.txid == 0 {
		return ErrNoTransaction
	}
	tvs := make([]any, len(vals))
	for i, v := range vals {
		tvs[i] = TransactionalValue{Txid: m.txid, Val: v}
	}
	return m.backing.MultiPut(keys, tvs)
}

func asTransactional(s any) (*TransactionalValue, error) {
	switch v := s.(type) {
	case nil:
		return nil, nil
	case TransactionalValue:
		return &v, nil
	case *TransactionalValue:
		return v, nil
	}
	return nil, fmt.Errorf("%w: transactional map found %T in its backing map", ErrCorrupt, s)
}
