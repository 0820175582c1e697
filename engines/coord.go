package engines

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// KV is a coordination store shared by an engine's processes: the role
// ZooKeeper plays for Storm (Trident's transaction metadata, assignments,
// heartbeats). Keys are made of letters, digits and - _ = . / (a dot
// separates levels); values are small. Implementations are safe for
// concurrent use, and every write is durable when it returns, as far as
// the store is durable at all.
type KV interface {
	// Get returns the value of key, and false when there is none.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Put sets key to value.
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Keys returns the keys that start with prefix, in no order.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// MemoryKV is an in-memory KV, safe for concurrent use: the store of a
// run in one process, as Storm's local mode runs ZooKeeper in process. It
// counts writes, so tests can see that a store wrote through.
type MemoryKV struct {
	mu     sync.Mutex
	m      map[string][]byte
	writes int
}

var _ KV = (*MemoryKV)(nil)

// NewMemoryKV returns an empty store.
func NewMemoryKV() *MemoryKV { return &MemoryKV{m: map[string][]byte{}} }

// Get implements KV.
func (s *MemoryKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return slices.Clone(v), ok, nil
}

// Put implements KV.
func (s *MemoryKV) Put(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = slices.Clone(value)
	s.writes++
	return nil
}

// Delete implements KV.
func (s *MemoryKV) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	s.writes++
	return nil
}

// Keys implements KV.
func (s *MemoryKV) Keys(_ context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Len returns the number of keys.
func (s *MemoryKV) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Writes returns the number of Puts and Deletes.
func (s *MemoryKV) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}
