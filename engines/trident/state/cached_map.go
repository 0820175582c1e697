package state

import (
	"container/list"
	"sync"
)

// CachedMap is an LRU cache in front of an IBackingMap, as Trident's
// CachedMap: reads of cached keys skip the store, and puts write through to
// the store and the cache, so the cache never holds a value the store does
// not. It helps when the store is remote or on disk and a few keys are hot.
// It is safe for concurrent use, but the store must not be changed by
// anything else while the cache is in use, or reads go stale.
type CachedMap struct {
	delegate IBackingMap
	size     int

	mu    sync.Mutex
	order *list.List // of *cacheEntry, most recent first
	byKey map[string]*list.Element
	hits  int64
	miss  int64
}

type cacheEntry struct {
	key string
	val any
}

var _ IBackingMap = (*CachedMap)(nil)

// NewCachedMap caches up to size keys of delegate.
func NewCachedMap(delegate IBackingMap, size int) *CachedMap {
	return &CachedMap{delegate: delegate, size: max(size, 1), order: list.New(), byKey: make(map[string]*list.Element)}
}

// MultiGet returns cached values and fetches the others from the store.
func (c *CachedMap) MultiGet(keys [][]any) ([]any, error) {
	out := make([]any, len(keys))
	enc := make([]string, len(keys))
	var missKeys [][]any
	var missIdx []int
	c.mu.Lock()
	for i, k := range keys {
		ks, err := EncodeKey(k)
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		enc[i] = ks
		if e, ok := c.byKey[ks]; ok {
			c.order.MoveToFront(e)
			out[i] = e.Value.(*cacheEntry).val
			c.hits++
			continue
		}
		c.miss++
		missKeys = append(missKeys, k)
		missIdx = append(missIdx, i)
	}
	c.mu.Unlock()
	if len(missKeys) == 0 {
		return out, nil
	}
	got, err := c.delegate.MultiGet(missKeys)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for j, i := range missIdx {
		out[i] = got[j]
		c.put(enc[i], got[j])
	}
	c.mu.Unlock()
	return out, nil
}

// MultiPut writes through to the store, then caches the values.
func (c *CachedMap) MultiPut(keys [][]any, vals []any) error {
	if err := c.delegate.MultiPut(keys, vals); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range keys {
		ks, err := EncodeKey(k)
		if err != nil {
			return err
		}
		c.put(ks, vals[i])
	}
	return nil
}

// Stats returns the cache's hits and misses so far.
func (c *CachedMap) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.miss
}

// Len returns the number of cached keys.
func (c *CachedMap) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *CachedMap) put(ks string, v any) {
	if e, ok := c.byKey[ks]; ok {
		e.Value.(*cacheEntry).val = v
		c.order.MoveToFront(e)
		return
	}
	c.byKey[ks] = c.order.PushFront(&cacheEntry{key: ks, val: v})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}
