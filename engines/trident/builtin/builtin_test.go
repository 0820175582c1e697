package builtin_test

import (
	"testing"

	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
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
