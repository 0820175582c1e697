package windowing

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// InMemoryWindowsStoreFactory makes stores in memory, as Storm's
// InMemoryWindowsStoreFactory: each Create returns a new, empty store, so
// nothing outlives the task.
type InMemoryWindowsStoreFactory struct{}

var _ WindowsStoreFactory = InMemoryWindowsStoreFactory{}

// Create implements WindowsStoreFactory.
func (InMemoryWindowsStoreFactory) Create(map[string]any) (WindowsStore, error) {
	return NewInMemoryWindowsStore(), nil
}

// InMemoryWindowsStore is a WindowsStore in a map, safe for concurrent use.
type InMemoryWindowsStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

var _ WindowsStore = (*InMemoryWindowsStore)(nil)

// NewInMemoryWindowsStore returns an empty store.
func NewInMemoryWindowsStore() *InMemoryWindowsStore {
	return &InMemoryWindowsStore{m: make(map[string][]byte)}
}

// Get implements WindowsStore.
func (s *InMemoryWindowsStore) Get(key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return slices.Clone(v), ok, nil
}

// PutAll implements WindowsStore.
func (s *InMemoryWindowsStore) PutAll(entries []Entry) error {
	if err := checkKeys(entries); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range entries {
		s.m[e.Key] = append([]byte{}, e.Value...)
	}
	return nil
}

// RemoveAll implements WindowsStore.
func (s *InMemoryWindowsStore) RemoveAll(keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

// Keys implements WindowsStore.
func (s *InMemoryWindowsStore) Keys(prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range maps.Keys(s.m) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Shutdown implements WindowsStore.
func (s *InMemoryWindowsStore) Shutdown() error { return nil }
