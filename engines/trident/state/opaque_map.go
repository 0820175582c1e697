package state

import "fmt"

// OpaqueValue is what an OpaqueMap stores: the value after batch CurrTxid,
// and Prev, the value before it. The map stores it by pointer and never
// changes a stored one.
type OpaqueValue struct {
	CurrTxid int64
	Curr     any
	Prev     any
}

// String formats the value as {curr, prev, txid}, the order Trident's
// documentation uses.
func (v OpaqueValue) String() string { return fmt.Sprintf("{%v, %v, %d}", v.Curr, v.Prev, v.CurrTxid) }

// Get returns the value a batch with txid should build on: Curr for a later
// batch, Prev for a replay of CurrTxid (whose earlier attempt may have had
// other tuples). An earlier batch is an ordering error.
func (v OpaqueValue) Get(txid int64) (any, error) {
	switch {
	case txid == 0 || v.CurrTxid < txid:
		return v.Curr, nil
	case v.CurrTxid == txid:
		return v.Prev, nil
	}
	return nil, fmt.Errorf("%w (batch %d, stored %v)", ErrTxidBehind, txid, v)
}

// Update returns the value stored after batch txid computed newVal: a later
// batch moves Curr to Prev; a replay of CurrTxid keeps Prev.
func (v OpaqueValue) Update(txid int64, newVal any) (OpaqueValue, error) {
	switch {
	case v.CurrTxid < txid:
		return OpaqueValue{CurrTxid: txid, Curr: newVal, Prev: v.Curr}, nil
	case v.CurrTxid == txid:
		return OpaqueValue{CurrTxid: txid, Curr: newVal, Prev: v.Prev}, nil
	}
	return OpaqueValue{}, fmt.Errorf("%w (batch %d, stored %v)", ErrTxidBehind, txid, v)
}

// OpaqueMap is Trident's opaque-transactional map state: it stores
// [value, prevValue, txid], so a replayed txid is recomputed from the value
// before that txid. It is exact even when a replayed batch carries different
// tuples, which is what an opaque spout may do: each tuple succeeds in
// exactly one batch, and only the last attempt of a txid counts.
type OpaqueMap struct {
	backing IBackingMap
	txid    int64
}

var _ MapState = (*OpaqueMap)(nil)

// NewOpaqueMap wraps backing, which stores OpaqueValues.
func NewOpaqueMap(backing IBackingMap) *OpaqueMap { return &OpaqueMap{backing: backing} }

// BeginCommit starts batch txid.
func (m *OpaqueMap) BeginCommit(txid int64) error { m.txid = txid; return nil }

// Commit ends batch txid.
func (m *OpaqueMap) Commit(int64) error { m.txid = 0; return nil }

// MultiGet returns, for each key, the value the current batch builds on
// (the latest value outside a transaction).
func (m *OpaqueMap) MultiGet(keys [][]any) ([]any, error) {
	stored, err := m.backing.MultiGet(keys)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, s := range stored {
		ov, err := asOpaque(s)
		if err != nil {
			return nil, err
		}
		if ov != nil {
			if out[i], err = ov.Get(m.txid); err != nil {
				return nil, fmt.Errorf("key %v: %w", keys[i], err)
			}
		}
	}
	return out, nil
}

// MultiUpdate applies each updater to the value the batch builds on and
// writes every key back with the batch's txid.
func (m *OpaqueMap) MultiUpdate(keys [][]any, updaters []ValueUpdater) ([]any, error) {
	if m.txid == 0 {
		return nil, ErrNoTransaction
	}
	stored, err := m.backing.MultiGet(keys)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	puts := make([]any, len(keys))
	fresh := make([]OpaqueValue, len(keys)) // boxed by pointer: one allocation
	for i, s := range stored {
		ov, err := asOpaque(s)
		if err != nil {
			return nil, err
		}
		if ov == nil {
			nv := updaters[i].Update(nil)
			out[i] = nv
			fresh[i] = OpaqueValue{CurrTxid: m.txid, Curr: nv}
			puts[i] = &fresh[i]
			continue
		}
		base, err := ov.Get(m.txid)
		if err != nil {
			return nil, fmt.Errorf("key %v: %w", keys[i], err)
		}
		nv := updaters[i].Update(base)
		next, err := ov.Update(m.txid, nv)
		if err != nil {
			return nil, fmt.Errorf("key %v: %w", keys[i], err)
		}
		out[i] = nv
		fresh[i] = next
		puts[i] = &fresh[i]
	}
	if err := m.backing.MultiPut(keys, puts); err != nil {
		return nil, err
	}
	return out, nil
}

// MultiPut sets the values as the batch's result.
func (m *OpaqueMap) MultiPut(keys [][]any, vals []any) error {
	if m.txid == 0 {
		return ErrNoTransaction
	}
	_, err := m.MultiUpdate(keys, constUpdaters(vals))
	return err
}

func constUpdaters(vals []any) []ValueUpdater {
	us := make([]ValueUpdater, len(vals))
	for i, v := range vals {
		us[i] = UpdaterFunc(func(any) any { return v })
	}
	return us
}

func asOpaque(s any) (*OpaqueValue, error) {
	switch v := s.(type) {
	case nil:
		return nil, nil
	case OpaqueValue:
		return &v, nil
	case *OpaqueValue:
		return v, nil
	}
	return nil, fmt.Errorf("%w: opaque map found %T in its backing map", ErrCorrupt, s)
}
