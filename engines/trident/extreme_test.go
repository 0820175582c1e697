package trident_test

import (
	"cmp"
	"reflect"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// TestMinMax checks MinBy, MaxBy, Min and Max against answers worked out by
// hand: per partition and batch, the last of tying tuples wins, nil values
// are passed over and an empty batch emits nothing, as Storm's
// ComparisonAggregator does.
func TestMinMax(t *testing.T) {
	f := tuple.NewFields
	// Batches of three: [a 3, b 1, c 1] [d 5, e 5, f nil] [g nil, h 2];
	// of four: [a 3, b 1, c 1, d 5] [e 5, f nil, g nil, h 2].
	rows := []tuple.Values{
		{"a", int64(3)}, {"b", int64(1)}, {"c", int64(1)},
		{"d", int64(5)}, {"e", int64(5)}, {"f", nil},
		{"g", nil}, {"h", int64(2)},
	}
	byName := func(a, b tuple.Tuple) int { return strings.Compare(a.GetString(0), b.GetString(0)) }
	reverse := func(a, b any) int { return cmp.Compare(b.(int64), a.(int64)) }
	below5 := operation.FilterFunc(func(t tuple.Tuple) bool { n, ok := t.Get(0).(int64); return ok && n < 5 })
	dropAll := operation.FilterFunc(func(tuple.Tuple) bool { return false })
	tests := []struct {
		name  string
		batch int
		build func(s *trident.Stream) *trident.Stream
		want  []string
	}{
		{"MinBy ties go to the last, nil skipped", 3, func(s *trident.Stream) *trident.Stream { return s.MinBy("n") },
			[]string{"[c 1]", "[e 5]", "[h 2]"}},
		{"MaxBy ties go to the last", 3, func(s *trident.Stream) *trident.Stream { return s.MaxBy("n") },
			[]string{"[a 3]", "[e 5]", "[h 2]"}},
		{"MinBy over single-tuple batches", 1, func(s *trident.Stream) *trident.Stream { return s.MinBy("n") },
			[]string{"[a 3]", "[b 1]", "[c 1]", "[d 5]", "[e 5]", "[h 2]"}},
		{"MinByFunc with a reversed order is a max", 4, func(s *trident.Stream) *trident.Stream { return s.MinByFunc("n", reverse) },
			[]string{"[d 5]", "[e 5]"}},
		{"MaxByFunc with a reversed order is a min", 4, func(s *trident.Stream) *trident.Stream { return s.MaxByFunc("n", reverse) },
			[]string{"[c 1]", "[h 2]"}},
		{"Min by comparator over whole tuples", 3, func(s *trident.Stream) *trident.Stream { return s.Min(byName) },
			[]string{"[a 3]", "[d 5]", "[g <nil>]"}},
		{"Max by comparator over whole tuples", 3, func(s *trident.Stream) *trident.Stream { return s.Max(byName) },
			[]string{"[c 1]", "[f <nil>]", "[h 2]"}},
		{"an empty batch emits nothing", 3, func(s *trident.Stream) *trident.Stream {
			return s.Filter(f("n"), below5).MaxBy("n")
		}, []string{"[a 3]", "[h 2]"}},
		{"empty batches emit nothing", 3, func(s *trident.Stream) *trident.Stream { return s.Filter(nil, dropAll).MaxBy("n") },
			nil},
		{"per partition: broadcast to two gives each batch's min twice", 8, func(s *trident.Stream) *trident.Stream {
			return s.Broadcast().MinBy("n").ParallelismHint(2)
		}, []string{"[c 1]", "[c 1]"}},
		{"Global first gives one per batch", 8, func(s *trident.Stream) *trident.Stream {
			return s.Broadcast().Project(f("name", "n")).ParallelismHint(2).Global().MaxBy("n")
		}, []string{"[e 5]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out collected
			runTopology(t, nil, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				s := topo.NewStream("rows", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(f("name", "n"), tc.batch, rows...)))
				tc.build(s).Peek(&out)
				return topo, nil
			})
			if got := out.sorted(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMinMaxRefuse(t *testing.T) {
	for name, build := range map[string]func(s *trident.Stream){
		"MinBy unknown field": func(s *trident.Stream) { s.MinBy("age") },
		"MaxByFunc nil cmp":   func(s *trident.Stream) { s.MaxByFunc("n", nil) },
		"Min nil cmp":         func(s *trident.Stream) { s.Min(nil) },
	} {
		topo := trident.NewTridentTopology()
		build(topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(1, 1))))
		if _, err := topo.Build(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
