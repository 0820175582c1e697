package state

// GlobalKey is the key under which a SnapshottableMap keeps its one value,
// as Trident's SnapshottableMap does with its global key.
var GlobalKey = []any{"$GLOBAL$"}

// SnapshottableMap turns a MapState into a Snapshottable by keeping the one
// value of an ungrouped persistentAggregate under GlobalKey; it inherits the
// map's transactional behaviour.
type SnapshottableMap struct {
	MapState
	key []any
}

var _ Snapshottable = (*SnapshottableMap)(nil)

// NewSnapshottableMap wraps m with the value under key (GlobalKey if nil).
func NewSnapshottableMap(m MapState, key []any) *SnapshottableMap {
	if key == nil {
		key = GlobalKey
	}
	return &SnapshottableMap{MapState: m, key: key}
}

// Get returns the value.
func (s *SnapshottableMap) Get() (any, error) {
	vs, err := s.MultiGet([][]any{s.key})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// Update applies u and returns the new value.
func (s *SnapshottableMap) Update(u ValueUpdater) (any, error) {
	vs, err := s.MultiUpdate([][]any{s.key}, []ValueUpdater{u})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// Set replaces the value.
func (s *SnapshottableMap) Set(v any) error { return s.MultiPut([][]any{s.key}, []any{v}) }
