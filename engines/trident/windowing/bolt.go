package windowing

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// BoltWindowsStoreFactory makes stores over one bucket of a bbolt file:
// durable across restarts of the process, for the window operations of one
// process (a bbolt file is locked by the process that opens it). Every
// PutAll and RemoveAll is one transaction, synced before it returns. The
// tasks' stores share the bucket; their keys differ by task.
type BoltWindowsStoreFactory struct {
	db     *bolt.DB
	bucket []byte
}

var _ WindowsStoreFactory = (*BoltWindowsStoreFactory)(nil)

// NewBoltWindowsStoreFactory returns a factory of stores in bucket of db
// (state.BoltDB.DB gives the handle of a state file). The caller closes db
// once the topology is done with it.
func NewBoltWindowsStoreFactory(db *bolt.DB, bucket string) *BoltWindowsStoreFactory {
	return &BoltWindowsStoreFactory{db: db, bucket: []byte(bucket)}
}

// Create implements WindowsStoreFactory: it creates the bucket if need be.
func (f *BoltWindowsStoreFactory) Create(map[string]any) (WindowsStore, error) {
	if f == nil || f.db == nil {
		return nil, errors.New("bolt windows store: no bbolt file; make the factory with NewBoltWindowsStoreFactory")
	}
	if len(f.bucket) == 0 {
		return nil, errors.New("bolt windows store: no bucket name; give NewBoltWindowsStoreFactory one")
	}
	err := f.db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(f.bucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt windows store: create bucket %q in %s: %w", f.bucket, f.db.Path(), err)
	}
	return &boltStore{db: f.db, bucket: f.bucket}, nil
}

type boltStore struct {
	db     *bolt.DB
	bucket []byte
}

func (s *boltStore) Get(key string) ([]byte, bool, error) {
	var out []byte
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(s.bucket).Get([]byte(key)); v != nil {
			out, ok = slices.Clone(v), true
		}
		return nil
	})
	return out, ok, err
}

func (s *boltStore) PutAll(entries []Entry) error {
	if err := checkKeys(entries); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(s.bucket)
		for _, e := range entries {
			// bbolt keeps a nil value as empty; the store returns it so.
			if err := b.Put([]byte(e.Key), append([]byte{}, e.Value...)); err != nil {
				return fmt.Errorf("bolt windows store: put %q: %w", e.Key, err)
			}
		}
		return nil
	})
}

func (s *boltStore) RemoveAll(keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(s.bucket)
		for _, k := range keys {
			if err := b.Delete([]byte(k)); err != nil {
				return fmt.Errorf("bolt windows store: remove %q: %w", k, err)
			}
		}
		return nil
	})
}

func (s *boltStore) Keys(prefix string) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(s.bucket).Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			out = append(out, string(k))
		}
		return nil
	})
	return out, err
}

func (s *boltStore) Shutdown() error { return nil }
