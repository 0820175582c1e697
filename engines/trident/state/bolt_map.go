package state

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BoltDB is a bbolt file holding durable backing maps, one bucket per map.
// Every MultiPut is one bbolt transaction, synced to disk before it returns,
// so a process killed at any moment leaves each put either whole or absent:
// the store a Trident state needs to survive a crash, since the txids it
// keeps beside each value are what make a replay after a restart exact.
type BoltDB struct {
	db *bolt.DB
}

// OpenBoltDB opens (or creates) the bbolt file at path. The file is locked
// while open; a second open of it waits up to 5 s and then fails.
func OpenBoltDB(path string) (*BoltDB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	return &BoltDB{db: db}, nil
}

// Close closes the file.
func (d *BoltDB) Close() error { return d.db.Close() }

// DB returns the bbolt handle, for stores that keep their own buckets in
// the same file.
func (d *BoltDB) DB() *bolt.DB { return d.db }

// BackingMap returns the durable map stored in bucket name, creating it.
func (d *BoltDB) BackingMap(name string) (*BoltBackingMap, error) {
	if name == "" {
		return nil, errors.New("backing map needs a name (its bucket in the state file)")
	}
	err := d.db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(name))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create bucket %q: %w", name, err)
	}
	return &BoltBackingMap{db: d.db, bucket: []byte(name)}, nil
}

// BoltBackingMap is a durable IBackingMap: keys and values are encoded with
// the package codec and kept in one bbolt bucket. It is safe for concurrent
// use.
type BoltBackingMap struct {
	db     *bolt.DB
	bucket []byte
}

var _ IBackingMap = (*BoltBackingMap)(nil)

// MultiGet reads the keys in one read transaction.
func (m *BoltBackingMap) MultiGet(keys [][]any) ([]any, error) {
	out := make([]any, len(keys))
	err := m.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(m.bucket)
		for i, k := range keys {
			ks, err := EncodeKey(k)
			if err != nil {
				return err
			}
			raw := b.Get([]byte(ks))
			if raw == nil {
				continue
			}
			if out[i], err = DecodeValue(raw); err != nil {
				return fmt.Errorf("key %v in %s: %w", k, m.bucket, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MultiPut writes the keys in one durable write transaction.
func (m *BoltBackingMap) MultiPut(keys [][]any, vals []any) error {
	encK := make([][]byte, len(keys))
	encV := make([][]byte, len(keys))
	for i, k := range keys {
		ks, err := EncodeKey(k)
		if err != nil {
			return err
		}
		encK[i] = []byte(ks)
		if encV[i], err = AppendValue(nil, vals[i]); err != nil {
			return fmt.Errorf("value of key %v: %w", k, err)
		}
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(m.bucket)
		for i := range encK {
			if err := b.Put(encK[i], encV[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Range calls fn with every stored key and value in key order until fn
// returns false.
func (m *BoltBackingMap) Range(fn func(key []any, stored any) bool) error {
	return m.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(m.bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			key, err := DecodeKey(string(k))
			if err != nil {
				return err
			}
			val, err := DecodeValue(v)
			if err != nil {
				return err
			}
			if !fn(key, val) {
				return nil
			}
		}
		return nil
	})
}
