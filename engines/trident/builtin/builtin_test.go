package builtin_test

import (
	"testing"

	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// combine runs a combiner the way Trident does: Init per tuple, Combine
// into Zero, partially on two "partitions" and then across them.
func combine(agg operation.CombinerAggregator, vals ...any) any {
	f := tuple.NewFields("v")
	parts := [2]any{agg.Zero(), agg.Zero()}
	for i, v := range vals {
		parts[i%2] = agg.Combine(parts[i%2], agg.Init(tuple.Of(f, v)))
	}
	return agg.Combine(parts[0], parts[1])
}

func TestCombiners(t *testing.T) {
	tests := []struct {
		name string
		agg  operation.CombinerAggregator
		in   []any
		want any
	}{
		{"count none", builtin.Count{}, nil, int64(0)},
		{"count", builtin.Count{}, []any{"a", "b", "c"}, int64(3)},
		{"sum ints of any kind", builtin.Sum{}, []any{1, int64(2), int32(3), uint8(4)}, int64(10)},
		{"sum widens to float", builtin.Sum{}, []any{1, 2.5}, 3.5},
		{"sum of no tuples", builtin.Sum{}, nil, int64(0)},
		{"sum ignores non-numbers", builtin.Sum{}, []any{"x", 2}, int64(2)},
	}
	for _, tc := range tests {
		if got := combine(tc.agg, tc.in...); got != tc.want {
			t.Errorf("%s: got %v (%T), want %v (%T)", tc.name, got, got, tc.want, tc.want)
		}
	}
}

type emits struct{ vals []tuple.Values }

func (e *emits) Emit(v tuple.Values) { e.vals = append(e.vals, v) }
func (e *emits) ReportError(error)   {}

func TestMapGet(t *testing.T) {
	m := state.NewOpaqueMap(state.NewMemoryBackingMap())
	m.BeginCommit(1)
	m.MultiPut([][]any{{"cat"}}, []any{int64(3)})
	m.Commit(1)
	f := tuple.NewFields("word")
	args := []tuple.Tuple{tuple.Of(f, "cat"), tuple.Of(f, "dog")}
	res, err := builtin.MapGet{}.BatchRetrieve(m, args)
	if err != nil {
		t.Fatal(err)
	}
	var c emits
	for i, a := range args {
		builtin.MapGet{}.Execute(a, res[i], &c)
	}
	if len(c.vals) != 2 || c.vals[0][0] != int64(3) || c.vals[1][0] != nil {
		t.Errorf("MapGet emitted %v, want [[3] [<nil>]]", c.vals)
	}
	if _, err := (builtin.MapGet{}).BatchRetrieve(notAMap{}, args); err == nil {
		t.Error("MapGet read a state that is not a map")
	}
}

type notAMap struct{}

func (notAMap) BeginCommit(int64) error { return nil }
func (notAMap) Commit(int64) error      { return nil }

func TestFilterNull(t *testing.T) {
	f := tuple.NewFields("a", "b")
	if !(builtin.FilterNull{}).IsKeep(tuple.Of(f, 1, "x")) {
		t.Error("dropped a tuple without nil")
	}
	if (builtin.FilterNull{}).IsKeep(tuple.Of(f, 1, nil)) {
		t.Error("kept a tuple with a nil")
	}
}
