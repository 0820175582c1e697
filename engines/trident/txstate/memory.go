package txstate

import (
	"slices"
	"sync"
)

// Memory is an in-memory TransactionalState, for local mode and tests. It is
// safe for concurrent use; it does not survive the process.
type Memory struct {
	mu        sync.Mutex
	committed int64
	metas     map[partKey]map[int64][]byte
}

type partKey struct {
	spout     string
	partition int
}

var _ TransactionalState = (*Memory)(nil)

// NewMemory returns an empty state.
func NewMemory() *Memory { return &Memory{metas: make(map[partKey]map[int64][]byte)} }

// LastCommitted implements TransactionalState.
func (m *Memory) LastCommitted() (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.committed, nil
}

// SetLastCommitted implements TransactionalState.
func (m *Memory) SetLastCommitted(txid int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.committed = txid
	return nil
}

// PartitionMeta implements TransactionalState.
func (m *Memory) PartitionMeta(spout string, partition int, txid int64) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	meta, ok := m.metas[partKey{spout, partition}][txid]
	return slices.Clone(meta), ok, nil
}

// PreviousPartitionMeta implements TransactionalState.
func (m *Memory) PreviousPartitionMeta(spout string, partition int, txid int64) (int64, []byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	best, found := int64(0), false
	for t := range m.metas[partKey{spout, partition}] {
		if t < txid && (!found || t > best) {
			best, found = t, true
		}
	}
	if !found {
		return 0, nil, false, nil
	}
	return best, slices.Clone(m.metas[partKey{spout, partition}][best]), true, nil
}

// SetPartitionMeta implements TransactionalState.
func (m *Memory) SetPartitionMeta(spout string, partition int, txid int64, meta []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := partKey{spout, partition}
	if m.metas[k] == nil {
		m.metas[k] = make(map[int64][]byte)
	}
	m.metas[k][txid] = slices.Clone(meta)
	return nil
}

// CleanupBefore implements TransactionalState.
func (m *Memory) CleanupBefore(spout string, txid int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, byTx := range m.metas {
		if k.spout != spout {
			continue
		}
		keep, found := int64(0), false
		for t := range byTx {
			if t < txid && (!found || t > keep) {
				keep, found = t, true
			}
		}
		for t := range byTx {
			if t < txid && t != keep {
				delete(byTx, t)
			}
		}
	}
	return nil
}
