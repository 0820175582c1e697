package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// BoltMapFactory makes map states of one type, each partition over a bbolt
// file of its own in Dir (<Name>-<partition>.db): a partitioned store
// that any process may open, as Storm's database-backed states reach
// HBase or Cassandra from whichever worker runs a partition. A worker
// killed and started again, here or on another node that sees Dir (a
// shared disk), opens its partitions' files and finds each value with the
// txid it was last written with, so replayed batches are applied exactly
// once. The file stays open, locked, until the state is closed
// (Trident closes it when its bolt is cleaned up).
type BoltMapFactory struct {
	Type Type
	Dir  string
	Name string
}

var (
	_ Factory = (*BoltMapFactory)(nil)
	_ Typed   = (*BoltMapFactory)(nil)
)

// StateType implements Typed.
func (f *BoltMapFactory) StateType() Type { return f.Type }

// MakeState implements Factory.
func (f *BoltMapFactory) MakeState(_ map[string]any, partitionIndex, _ int) (State, error) {
	if f.Dir == "" || f.Name == "" {
		return nil, errors.New("durable map state needs a directory and a name")
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	db, err := OpenBoltDB(filepath.Join(f.Dir, f.Name+"-"+strconv.Itoa(partitionIndex)+".db"))
	if err != nil {
		return nil, err
	}
	backing, err := db.BackingMap(f.Name)
	if err != nil {
		db.Close()
		return nil, err
	}
	m, err := Wrap(f.Type, backing)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &closingMap{MapState: m, db: db}, nil
}

// closingMap is a map state that closes its file.
type closingMap struct {
	MapState
	db *BoltDB
}

// Close closes the state's file.
func (m *closingMap) Close() error { return m.db.Close() }
