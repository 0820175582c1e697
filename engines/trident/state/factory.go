package state

import "fmt"

// Wrap returns the map state of type t over backing.
func Wrap(t Type, backing IBackingMap) (MapState, error) {
	switch t {
	case NonTransactional:
		return NewNonTransactionalMap(backing), nil
	case Transactional:
		return NewTransactionalMap(backing), nil
	case Opaque:
		return NewOpaqueMap(backing), nil
	}
	return nil, fmt.Errorf("unknown state type %d (use NonTransactional, Transactional or Opaque)", int(t))
}

// MapFactory makes map states of one type over one shared backing map, the
// way Storm's MemoryMapState.Factory and the database-backed factories do.
// Ungrouped aggregates get the Snapshottable view of the same map.
type MapFactory struct {
	Type    Type
	Backing IBackingMap
	// CacheSize, when positive, puts an LRU cache of that many keys in
	// front of the backing map in every partition's state.
	CacheSize int
}

var (
	_ Factory = (*MapFactory)(nil)
	_ Typed   = (*MapFactory)(nil)
)

// NewMemoryMapStateFactory returns a factory of map states of type t over
// one new MemoryBackingMap, as Storm's MemoryMapState.Factory.
func NewMemoryMapStateFactory(t Type) *MapFactory {
	return &MapFactory{Type: t, Backing: NewMemoryBackingMap()}
}

// StateType implements Typed.
func (f *MapFactory) StateType() Type { return f.Type }

// MakeState implements Factory: every partition gets its own map state (they
// hold the batch's txid) over the shared backing map.
func (f *MapFactory) MakeState(_ map[string]any, _, _ int) (State, error) {
	if f.Backing == nil {
		return nil, fmt.Errorf("map state factory has no backing map")
	}
	backing := f.Backing
	if f.CacheSize > 0 {
		backing = NewCachedMap(backing, f.CacheSize)
	}
	m, err := Wrap(f.Type, backing)
	if err != nil {
		return nil, err
	}
	return m, nil
}
