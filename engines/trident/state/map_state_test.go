package state

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/trident/tuple"
)

// sumAgg is a combiner that adds int64s (builtin.Count's Combine).
type sumAgg struct{}

func (sumAgg) Init(tuple.Tuple) any { return int64(1) }
func (sumAgg) Combine(a, b any) any { return a.(int64) + b.(int64) }
func (sumAgg) Zero() any            { return int64(0) }

func add(n int64) ValueUpdater {
	return CombinerValueUpdater{Agg: sumAgg{}, Arg: n}
}

// TestOpaqueValueWorkedExample checks the rules of Trident's opaque state on
// the worked example of its documentation: a stored {value 4, prev 1,
// txid 2} plus 2.
func TestOpaqueValueWorkedExample(t *testing.T) {
	stored := OpaqueValue{CurrTxid: 2, Curr: int64(4), Prev: int64(1)}
	tests := []struct {
		name string
		txid int64
		want OpaqueValue
	}{
		{"next batch builds on the value", 3, OpaqueValue{CurrTxid: 3, Curr: int64(6), Prev: int64(4)}},
		{"replay builds on the previous value", 2, OpaqueValue{CurrTxid: 2, Curr: int64(3), Prev: int64(1)}},
		{"a later batch after a gap", 9, OpaqueValue{CurrTxid: 9, Curr: int64(6), Prev: int64(4)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			backing := NewMemoryBackingMap()
			key := [][]any{{"k"}}
			if err := backing.MultiPut(key, []any{stored}); err != nil {
				t.Fatal(err)
			}
			m := NewOpaqueMap(backing)
			m.BeginCommit(tc.txid)
			got, err := m.MultiUpdate(key, []ValueUpdater{add(2)})
			if err != nil {
				t.Fatal(err)
			}
			m.Commit(tc.txid)
			if got[0] != tc.want.Curr {
				t.Errorf("MultiUpdate returned %v, want %v", got[0], tc.want.Curr)
			}
			raw, _ := backing.MultiGet(key)
			if got := *raw[0].(*OpaqueValue); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("stored %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("an earlier batch is refused", func(t *testing.T) {
		backing := NewMemoryBackingMap()
		backing.MultiPut([][]any{{"k"}}, []any{stored})
		m := NewOpaqueMap(backing)
		m.BeginCommit(1)
		if _, err := m.MultiUpdate([][]any{{"k"}}, []ValueUpdater{add(2)}); !errors.Is(err, ErrTxidBehind) {
			t.Fatalf("err = %v, want ErrTxidBehind", err)
		}
	})
}

// TestMapsUnderReplay applies the same batch twice (a replay after a
// failure that followed the state update) and checks what each map type
// keeps: the point of the txids.
func TestMapsUnderReplay(t *testing.T) {
	tests := []struct {
		typ  Type
		want int64 // after +5 at txid 1, +3 at txid 2, +3 again at txid 2
	}{
		{NonTransactional, 11},
		{Transactional, 8},
		{Opaque, 8},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			m, err := Wrap(tc.typ, NewMemoryBackingMap())
			if err != nil {
				t.Fatal(err)
			}
			key := [][]any{{"cat"}}
			for _, step := range []struct{ txid, n int64 }{{1, 5}, {2, 3}, {2, 3}} {
				m.BeginCommit(step.txid)
				if _, err := m.MultiUpdate(key, []ValueUpdater{add(step.n)}); err != nil {
					t.Fatal(err)
				}
				m.Commit(step.txid)
			}
			got, err := m.MultiGet(key)
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != tc.want {
				t.Errorf("value = %v, want %d", got[0], tc.want)
			}
		})
	}
}

func TestTransactionalMapSkipsOnlyTheSameTxid(t *testing.T) {
	backing := NewMemoryBackingMap()
	m := NewTransactionalMap(backing)
	keys := [][]any{{"a"}, {"b"}}
	m.BeginCommit(1)
	m.MultiUpdate(keys, []ValueUpdater{add(1), add(1)})
	m.Commit(1)
	// txid 2 updated "a" only, then failed; its replay updates both.
	m.BeginCommit(2)
	m.MultiUpdate(keys[:1], []ValueUpdater{add(10)})
	m.BeginCommit(2)
	got, err := m.MultiUpdate(keys, []ValueUpdater{add(10), add(10)})
	if err != nil {
		t.Fatal(err)
	}
	m.Commit(2)
	if want := []any{int64(11), int64(11)}; !reflect.DeepEqual(got, want) {
		t.Errorf("after replay = %v, want %v", got, want)
	}
	raw, _ := backing.MultiGet(keys)
	for i, r := range raw {
		if tv := r.(*TransactionalValue); tv.Txid != 2 {
			t.Errorf("key %v stored txid %d, want 2", keys[i], tv.Txid)
		}
	}
}

func TestUpdateOutsideTransaction(t *testing.T) {
	for _, typ := range []Type{Transactional, Opaque} {
		m, _ := Wrap(typ, NewMemoryBackingMap())
		if _, err := m.MultiUpdate([][]any{{"a"}}, []ValueUpdater{add(1)}); !errors.Is(err, ErrNoTransaction) {
			t.Errorf("%v: err = %v, want ErrNoTransaction", typ, err)
		}
		if err := m.MultiPut([][]any{{"a"}}, []any{int64(1)}); !errors.Is(err, ErrNoTransaction) {
			t.Errorf("%v: MultiPut err = %v, want ErrNoTransaction", typ, err)
		}
	}
}

func TestWrongValueInBackingMap(t *testing.T) {
	for _, typ := range []Type{Transactional, Opaque} {
		backing := NewMemoryBackingMap()
		backing.MultiPut([][]any{{"a"}}, []any{int64(3)})
		m, _ := Wrap(typ, backing)
		if _, err := m.MultiGet([][]any{{"a"}}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%v: err = %v, want ErrCorrupt", typ, err)
		}
	}
}

func TestSnapshottableMap(t *testing.T) {
	for _, typ := range []Type{NonTransactional, Transactional, Opaque} {
		t.Run(typ.String(), func(t *testing.T) {
			m, _ := Wrap(typ, NewMemoryBackingMap())
			s := NewSnapshottableMap(m, nil)
			s.BeginCommit(1)
			if v, err := s.Update(add(4)); err != nil || v != int64(4) {
				t.Fatalf("Update = %v, %v", v, err)
			}
			s.Commit(1)
			s.BeginCommit(2)
			if err := s.Set(int64(10)); err != nil {
				t.Fatal(err)
			}
			s.Commit(2)
			if v, err := s.Get(); err != nil || v != int64(10) {
				t.Fatalf("Get = %v, %v", v, err)
			}
		})
	}
}

func TestCachedMapLRU(t *testing.T) {
	backing := NewMemoryBackingMap()
	c := NewCachedMap(backing, 2)
	put := func(k string, v int64) {
		if err := c.MultiPut([][]any{{k}}, []any{v}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", 1)
	put("b", 2)
	c.MultiGet([][]any{{"a"}}) // a is now the most recent
	put("c", 3)                // evicts b
	if c.Len() != 2 {
		t.Fatalf("cache holds %d keys, want 2", c.Len())
	}
	// Change the store behind the cache: a cached key reads stale (the
	// documented limit), an evicted one reads through.
	backing.MultiPut([][]any{{"a"}, {"b"}}, []any{int64(100), int64(200)})
	got, err := c.MultiGet([][]any{{"a"}, {"b"}, {"c"}, {"zz"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{int64(1), int64(200), int64(3), nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("MultiGet = %v, want %v", got, want)
	}
	hits, misses := c.Stats()
	if hits != 3 || misses != 2 {
		t.Errorf("hits, misses = %d, %d; want 3, 2", hits, misses)
	}
	// Write-through: the store has what was put.
	raw, _ := backing.MultiGet([][]any{{"c"}})
	if raw[0] != int64(3) {
		t.Errorf("store has %v for c, want 3", raw[0])
	}
}

func TestMapFactory(t *testing.T) {
	for _, typ := range []Type{NonTransactional, Transactional, Opaque} {
		f := NewMemoryMapStateFactory(typ)
		f.CacheSize = 10
		if f.StateType() != typ {
			t.Errorf("StateType = %v, want %v", f.StateType(), typ)
		}
		s0, err := f.MakeState(nil, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		s1, _ := f.MakeState(nil, 1, 2)
		m0, m1 := s0.(MapState), s1.(MapState)
		m0.BeginCommit(1)
		m0.MultiUpdate([][]any{{"x"}}, []ValueUpdater{add(2)})
		m0.Commit(1)
		// Partitions share the backing map.
		if got, _ := m1.MultiGet([][]any{{"x"}}); got[0] != int64(2) {
			t.Errorf("%v: other partition reads %v, want 2", typ, got[0])
		}
	}
	if _, err := (&MapFactory{Type: Opaque}).MakeState(nil, 0, 1); err == nil {
		t.Error("a factory without a backing map made a state")
	}
	if _, err := Wrap(Type(42), NewMemoryBackingMap()); err == nil {
		t.Error("Wrap accepted an unknown type")
	}
}

func TestParseType(t *testing.T) {
	for _, typ := range []Type{NonTransactional, Transactional, Opaque} {
		if got, err := ParseType(typ.String()); err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", typ.String(), got, err)
		}
	}
	if _, err := ParseType("opaq"); err == nil {
		t.Error("ParseType accepted a misspelling")
	}
}
