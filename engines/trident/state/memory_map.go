package state

import "sync"

// MemoryBackingMap is an in-memory IBackingMap: what Storm's testing
// MemoryMapState keeps, shared by every partition of a state. It stores the
// values it is given as they are, so it costs one map operation per key.
// It is safe for concurrent use.
type MemoryBackingMap struct {
	mu sync.RWMutex
	m  map[string]any
}

var _ IBackingMap = (*MemoryBackingMap)(nil)

// NewMemoryBackingMap returns an empty map.
func NewMemoryBackingMap() *MemoryBackingMap { return &MemoryBackingMap{m: make(map[string]any)} }

// MultiGet implements IBackingMap.
func (b *MemoryBackingMap) MultiGet(keys [][]any) ([]any, error) {
	out := make([]any, len(keys))
	b.mu.RLock()
	defer b.mu.RUnlock()
	for i, k := range keys {
		ks, err := EncodeKey(k)
		if err != nil {
			return nil, err
		}
		out[i] = b.m[ks]
	}
	return out, nil
}

// MultiPut implements IBackingMap.
func (b *MemoryBackingMap) MultiPut(keys [][]any, vals []any) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, k := range keys {
		ks, err := EncodeKey(k)
		if err != nil {
			return err
		}
		b.m[ks] = vals[i]
	}
	return nil
}

// Len returns the number of keys stored.
func (b *MemoryBackingMap) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}

// Range calls fn for every stored key and value, in no order, until fn
// returns false. fn must not call the map.
func (b *MemoryBackingMap) Range(fn func(key []any, stored any) bool) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ks, v := range b.m {
		k, err := DecodeKey(ks)
		if err != nil {
			return err
		}
		if !fn(k, v) {
			return nil
		}
	}
	return nil
}
