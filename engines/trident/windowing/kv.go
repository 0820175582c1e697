package windowing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/streambench/streambench/engines"
)

// KVWindowsStoreFactory makes stores over the run's coordination store
// (engines.KV), where the workers of a distributed run keep their
// transaction metadata: a task's window then survives its worker, and a
// task moved to another worker finds it. Keys are kept under Prefix. The
// coordination store writes one key at a time, so PutAll is not one
// transaction; the window operation needs no more.
type KVWindowsStoreFactory struct {
	KV     engines.KV
	Prefix string
	// Timeout bounds each call to the store (10 s when 0).
	Timeout time.Duration
}

var _ WindowsStoreFactory = (*KVWindowsStoreFactory)(nil)

// Create implements WindowsStoreFactory.
func (f *KVWindowsStoreFactory) Create(map[string]any) (WindowsStore, error) {
	if f == nil || f.KV == nil {
		return nil, errors.New("kv windows store: no coordination store; set KVWindowsStoreFactory.KV")
	}
	if f.Prefix == "" {
		return nil, errors.New("kv windows store: no key prefix; set KVWindowsStoreFactory.Prefix (the store is shared with the run's metadata)")
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &kvStore{kv: f.KV, prefix: f.Prefix, timeout: timeout}, nil
}

type kvStore struct {
	kv      engines.KV
	prefix  string
	timeout time.Duration
}

func (s *kvStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

func (s *kvStore) Get(key string) ([]byte, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	v, ok, err := s.kv.Get(ctx, s.prefix+key)
	if err != nil {
		return nil, false, fmt.Errorf("kv windows store: get %q: %w", key, err)
	}
	return v, ok, nil
}

func (s *kvStore) PutAll(entries []Entry) error {
	if err := checkKeys(entries); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for _, e := range entries {
		if err := s.kv.Put(ctx, s.prefix+e.Key, e.Value); err != nil {
			return fmt.Errorf("kv windows store: put %q: %w", e.Key, err)
		}
	}
	return nil
}

func (s *kvStore) RemoveAll(keys []string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	for _, k := range keys {
		if err := s.kv.Delete(ctx, s.prefix+k); err != nil {
			return fmt.Errorf("kv windows store: remove %q: %w", k, err)
		}
	}
	return nil
}

func (s *kvStore) Keys(prefix string) ([]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	keys, err := s.kv.Keys(ctx, s.prefix+prefix)
	if err != nil {
		return nil, fmt.Errorf("kv windows store: keys %q: %w", prefix, err)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, strings.TrimPrefix(k, s.prefix))
	}
	slices.Sort(out)
	return out, nil
}

func (s *kvStore) Shutdown() error { return nil }
