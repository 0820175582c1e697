package state

import (
	"errors"
	"fmt"
)

// State is anything a Trident batch updates: Trident calls BeginCommit before
// a batch's updates and Commit after them, once per txid, in txid order.
type State interface {
	BeginCommit(txid int64) error
	Commit(txid int64) error
}

// Type is what a state stores beside each value, which decides the delivery
// guarantee it can give.
type Type int

// The state types, as Trident names them.
const (
	// NonTransactional stores bare values: a replay is applied twice.
	NonTransactional Type = iota + 1
	// Transactional stores [value, txid]: exact with transactional spouts.
	Transactional
	// Opaque stores [value, prevValue, txid]: exact with opaque spouts too.
	Opaque
)

// String returns the type's name as the CLI spells it.
func (t Type) String() string {
	switch t {
	case NonTransactional:
		return "non-transactional"
	case Transactional:
		return "transactional"
	case Opaque:
		return "opaque"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType parses non-transactional, transactional or opaque.
func ParseType(s string) (Type, error) {
	for _, t := range []Type{NonTransactional, Transactional, Opaque} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown state type %q (known: non-transactional, transactional, opaque)", s)
}

// Factory makes the state of one partition of a persistentAggregate or
// partitionPersist, as Storm's StateFactory.makeState does. Partitions of one
// topology may share a store.
type Factory interface {
	MakeState(conf map[string]any, partitionIndex, numPartitions int) (State, error)
}

// Typed is implemented by factories that know what type of state they make.
// Trident uses it at build time to refuse a transactional state fed by an
// opaque spout, a pairing that cannot be exactly-once.
type Typed interface {
	StateType() Type
}

// FactoryFunc adapts a function to a Factory.
type FactoryFunc func(conf map[string]any, partitionIndex, numPartitions int) (State, error)

// MakeState calls f.
func (f FactoryFunc) MakeState(conf map[string]any, partitionIndex, numPartitions int) (State, error) {
	return f(conf, partitionIndex, numPartitions)
}

// Errors returned by the maps.
var (
	// ErrTxidBehind is returned when a batch's txid is lower than the txid
	// a value was last written with: batches are out of order, which
	// Trident's coordinator never allows.
	ErrTxidBehind = errors.New("batch txid is behind the state's txid")
	// ErrNoTransaction is returned by an update outside BeginCommit/Commit
	// on a map that needs the batch's txid.
	ErrNoTransaction = errors.New("update outside a transaction (call BeginCommit first)")
	// ErrUnsupportedValue is returned when a key or value cannot be encoded.
	ErrUnsupportedValue = errors.New("unsupported value type")
	// ErrCorrupt is returned when stored bytes cannot be decoded.
	ErrCorrupt = errors.New("corrupt stored value")
)
