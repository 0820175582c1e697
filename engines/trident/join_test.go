package trident_test

import (
	"reflect"
	"testing"

	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// TestJoinTypes joins two streams, and three, within each batch under
// every join type, against answers worked out by hand. Batches of four:
//
//	left  [1 a] [2 b] [2 b2] [3 c] | [5 e]
//	right [2 x] [3 y] [3 y2] [4 z] | [1 w]
//	third [3 t3] [1 t1]            |
//
// Key 1 of the second right batch meets no left tuple: joins stay within a
// batch.
func TestJoinTypes(t *testing.T) {
	f := tuple.NewFields
	inner := []string{"[2 b x]", "[2 b2 x]", "[3 c y]", "[3 c y2]"}
	leftOnly := []string{"[1 a <nil>]", "[5 e <nil>]"}
	rightOnly := []string{"[1 <nil> w]", "[4 <nil> z]"}
	tests := []struct {
		name  string
		types []trident.JoinType
		third bool
		want  []string
	}{
		{"inner by default", nil, false, inner},
		{"inner", []trident.JoinType{trident.Inner}, false, inner},
		{"left outer", trident.Mixed(trident.Inner, trident.Outer), false, sortedConcat(inner, leftOnly)},
		{"right outer", trident.Mixed(trident.Outer, trident.Inner), false, sortedConcat(inner, rightOnly)},
		{"full outer", []trident.JoinType{trident.Outer}, false, sortedConcat(inner, leftOnly, rightOnly)},
		{"three streams, the left inner", trident.Mixed(trident.Inner, trident.Outer, trident.Outer), true,
			[]string{"[1 a <nil> t1]", "[2 b x <nil>]", "[2 b2 x <nil>]", "[3 c y t3]", "[3 c y2 t3]", "[5 e <nil> <nil>]"}},
		{"three streams, all inner", nil, true, []string{"[3 c y t3]", "[3 c y2 t3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out collected
			runTopology(t, nil, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				stream := func(name, field string, rows ...tuple.Values) *trident.Stream {
					return topo.NewStream(name, spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(f("id", field), 4, rows...)))
				}
				left := stream("left", "l", tuple.Values{int64(1), "a"}, tuple.Values{int64(2), "b"}, tuple.Values{int64(2), "b2"}, tuple.Values{int64(3), "c"}, tuple.Values{int64(5), "e"})
				right := stream("right", "r", tuple.Values{int64(2), "x"}, tuple.Values{int64(3), "y"}, tuple.Values{int64(3), "y2"}, tuple.Values{int64(4), "z"}, tuple.Values{int64(1), "w"})
				var joined *trident.Stream
				if tc.third {
					third := stream("third", "t", tuple.Values{int64(3), "t3"}, tuple.Values{int64(1), "t1"})
					joined = topo.MultiJoin([]*trident.Stream{left, right, third}, []tuple.Fields{f("id"), f("id"), f("id")}, f("id", "l", "r", "t"), tc.types...)
				} else {
					joined = topo.Join(left, f("id"), right, f("id"), f("id", "l", "r"), tc.types...)
				}
				joined.ParallelismHint(2).Peek(&out)
				return topo, nil
			})
			if got, want := out.sorted(), sortedConcat(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func sortedConcat(lists ...[]string) []string {
	var c collected
	for _, l := range lists {
		c.rows = append(c.rows, l...)
	}
	return c.sorted()
}

func TestJoinRefuses(t *testing.T) {
	f := tuple.NewFields
	for name, build := range map[string]func(topo *trident.TridentTopology, a, b *trident.Stream){
		"one stream": func(topo *trident.TridentTopology, a, _ *trident.Stream) {
			topo.MultiJoin([]*trident.Stream{a}, []tuple.Fields{f("n")}, f("n"))
		},
		"three types for two streams": func(topo *trident.TridentTopology, a, b *trident.Stream) {
			topo.Join(a, f("n"), b, f("n"), f("n"), trident.Inner, trident.Outer, trident.Outer)
		},
		"unknown join type": func(topo *trident.TridentTopology, a, b *trident.Stream) {
			topo.Join(a, f("n"), b, f("n"), f("n"), trident.JoinType(7))
		},
		"join fields per stream missing": func(topo *trident.TridentTopology, a, b *trident.Stream) {
			topo.MultiJoin([]*trident.Stream{a, b}, []tuple.Fields{f("n")}, f("n"))
		},
	} {
		topo := trident.NewTridentTopology()
		a := topo.NewStream("a", spout.NewBatchSpoutExecutor(numbers(1, 1)))
		b := topo.NewStream("b", spout.NewBatchSpoutExecutor(numbers(1, 1)))
		build(topo, a, b)
		if _, err := topo.Build(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
