package enginetest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/streambench/streambench/engines"
)

// MemKV is an in-memory engines.KV, safe for concurrent use. It counts
// writes, so tests can see that a store wrote through.
type MemKV struct {
	mu     sync.Mutex
	m      map[string][]byte
	writes int
}

var _ engines.KV = (*MemKV)(nil)

// NewMemKV returns an empty store.
func NewMemKV() *MemKV { return &MemKV{m: map[string][]byte{}} }

// Get implements engines.KV.
func (s *MemKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return slices.Clone(v), ok, nil
}

// Put implements engines.KV.
func (s *MemKV) Put(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = slices.Clone(value)
	s.writes++
	return nil
}

// Delete implements engines.KV.
func (s *MemKV) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	s.writes++
	return nil
}

// Keys implements engines.KV.
func (s *MemKV) Keys(_ context.Context, prefix string) ([]string, error) {
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
func (s *MemKV) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Writes returns the number of Puts and Deletes.
func (s *MemKV) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}
