package trident_test

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// lastTask is a custom grouping that sends every tuple to the last task.
type lastTask struct {
	mu      sync.Mutex
	targets []int
}

func (g *lastTask) Prepare(_ *core.TopologyContext, _ core.GlobalStreamID, targets []int) {
	g.mu.Lock()
	g.targets = targets
	g.mu.Unlock()
}

func (g *lastTask) ChooseTasks(int, core.Values) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.targets[len(g.targets)-1:]
}

// taskIndex appends the partition the tuple is processed in.
type taskIndex struct{ idx int }

func (t *taskIndex) Prepare(_ map[string]any, ctx operation.Context) error {
	t.idx = ctx.PartitionIndex
	return nil
}
func (t *taskIndex) Clone() any { return &taskIndex{} }
func (t *taskIndex) Execute(_ tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{t.idx})
}

func people() *spout.FixedBatchSpout {
	return spout.NewFixedBatchSpout(tuple.NewFields("name", "age", "city"), 2,
		tuple.Values{"ann", int64(31), "oslo"},
		tuple.Values{"bob", int64(25), "rome"},
		tuple.Values{"cid", int64(47), "oslo"},
		tuple.Values{"dan", int64(19), "lima"},
		tuple.Values{"eve", int64(25), "rome"},
	)
}

// firstLetter is a ReducerAggregator that concatenates first letters.
type firstLetter struct{}

func (firstLetter) Init() any { return "" }
func (firstLetter) Reduce(curr any, t tuple.Tuple) any {
	return curr.(string) + t.GetString(0)[:1]
}

// sumAndCount is a general Aggregator emitting [sum, count] per batch.
type sumAndCount struct{}

type sc struct{ sum, n int64 }

func (sumAndCount) Init(any, operation.TridentCollector) any { return &sc{} }
func (sumAndCount) Aggregate(st any, t tuple.Tuple, _ operation.TridentCollector) any {
	s := st.(*sc)
	s.sum += t.GetLong(0)
	s.n++
	return s
}
func (sumAndCount) Complete(st any, c operation.TridentCollector) {
	s := st.(*sc)
	c.Emit(tuple.Values{s.sum, s.n})
}

// TestStreamOperations runs one pipeline per operation over the same five
// tuples in batches of two, and compares what reaches its end.
func TestStreamOperations(t *testing.T) {
	f := tuple.NewFields
	tests := []struct {
		name  string
		build func(s *trident.Stream, topo *trident.TridentTopology) *trident.Stream
		want  []string
	}{
		{"Each appends", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Each(f("name"), operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
				c.Emit(tuple.Values{strings.ToUpper(t.GetString(0))})
			}), f("upper")).Project(f("upper", "age"))
		}, []string{"[ANN 31]", "[BOB 25]", "[CID 47]", "[DAN 19]", "[EVE 25]"}},
		{"Each emitting twice duplicates, none drops", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Each(f("age"), operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
				for range t.GetLong(0) / 20 {
					c.Emit(tuple.Values{true})
				}
			}), f("x")).Project(f("name"))
		}, []string{"[ann]", "[bob]", "[cid]", "[cid]", "[eve]"}},
		{"Filter", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Filter(f("city"), operation.FilterFunc(func(t tuple.Tuple) bool { return t.GetString(0) == "rome" })).Project(f("name"))
		}, []string{"[bob]", "[eve]"}},
		{"Map", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Map(operation.MapFunc(func(t tuple.Tuple) tuple.Values { return tuple.Values{t.GetLong(1) + 1} }), f("next"))
		}, []string{"[20]", "[26]", "[26]", "[32]", "[48]"}},
		{"FlatMap", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Filter(nil, operation.FilterFunc(func(t tuple.Tuple) bool { return t.GetString(0) == "ann" })).
				FlatMap(operation.FlatMapFunc(func(t tuple.Tuple) []tuple.Values {
					return []tuple.Values{{t.GetString(0) + "1"}, {t.GetString(0) + "2"}}
				}), f("n"))
		}, []string{"[ann1]", "[ann2]"}},
		{"Aggregate Count per batch", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Aggregate(nil, builtin.Count{}, f("count"))
		}, []string{"[1]", "[2]", "[2]"}},
		{"PartitionAggregate with an Aggregator", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.PartitionAggregate(f("age"), sumAndCount{}, f("sum", "n"))
		}, []string{"[25 1]", "[56 2]", "[66 2]"}},
		{"GroupBy Aggregate with a Reducer", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.GroupBy(f("city")).Aggregate(f("name"), firstLetter{}, f("initials"))
		}, []string{"[lima d]", "[oslo a]", "[oslo c]", "[rome b]", "[rome e]"}},
		{"GroupBy Aggregate Sum", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.GroupBy(f("city")).Aggregate(f("age"), builtin.Sum{}, f("total"))
		}, []string{"[lima 19]", "[oslo 31]", "[oslo 47]", "[rome 25]", "[rome 25]"}},
		{"MaxBy", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.MaxBy("age").Project(f("name"))
		}, []string{"[ann]", "[cid]", "[eve]"}},
		{"MinBy", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.MinBy("age").Project(f("name"))
		}, []string{"[bob]", "[dan]", "[eve]"}},
		{"Broadcast reaches every partition", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Filter(f("name"), operation.FilterFunc(func(t tuple.Tuple) bool { return t.GetString(0) == "bob" })).
				Broadcast().Project(f("name")).ParallelismHint(3)
		}, []string{"[bob]", "[bob]", "[bob]"}},
		{"Shuffle, PartitionBy, Global, BatchGlobal keep every tuple", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Shuffle().Project(f("name", "city")).ParallelismHint(2).
				PartitionBy(f("city")).Project(f("name")).ParallelismHint(3).
				BatchGlobal().Project(f("name")).ParallelismHint(2).
				Global()
		}, []string{"[ann]", "[bob]", "[cid]", "[dan]", "[eve]"}},
		{"custom Partition", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.Partition(&lastTask{}).Project(f("name")).ParallelismHint(3).
				Each(nil, &taskIndex{}, f("task"))
		}, []string{"[ann 2]", "[bob 2]", "[cid 2]", "[dan 2]", "[eve 2]"}},
		{"Merge", func(s *trident.Stream, topo *trident.TridentTopology) *trident.Stream {
			other := topo.NewStream("more", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(f("who"), 5, tuple.Values{"zed"})))
			return topo.Merge(s.Project(f("name")), other)
		}, []string{"[ann]", "[bob]", "[cid]", "[dan]", "[eve]", "[zed]"}},
		{"Join within a batch", func(s *trident.Stream, topo *trident.TridentTopology) *trident.Stream {
			cities := s.Each(f("city"), operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
				c.Emit(tuple.Values{map[string]string{"oslo": "NO", "rome": "IT", "lima": "PE"}[t.GetString(0)]})
			}), f("country")).Project(f("name", "country"))
			ages := s.Project(f("name", "age"))
			return topo.Join(cities, f("name"), ages, f("name"), f("who", "country", "age"))
		}, []string{"[ann NO 31]", "[bob IT 25]", "[cid NO 47]", "[dan PE 19]", "[eve IT 25]"}},
		{"ChainedAgg", func(s *trident.Stream, _ *trident.TridentTopology) *trident.Stream {
			return s.ChainedAgg().
				PartitionAggregate(f("age"), builtin.Sum{}, f("sum")).
				PartitionAggregate(nil, builtin.Count{}, f("count")).
				ChainEnd()
		}, []string{"[25 1]", "[56 2]", "[66 2]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out collected
			runTopology(t, nil, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				s := topo.NewStream("people", spout.NewBatchSpoutExecutor(people()))
				tc.build(s, topo).Peek(&out)
				return topo, nil
			})
			if got := out.sorted(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestPersistentAggregateKinds persists grouped and global aggregates with
// each aggregator kind and reads the states back.
func TestPersistentAggregateKinds(t *testing.T) {
	f := tuple.NewFields
	byCity := state.NewMemoryMapStateFactory(state.Transactional)
	initials := state.NewMemoryMapStateFactory(state.Opaque)
	total := state.NewMemoryMapStateFactory(state.Transactional)
	var newValues collected
	runTopology(t, core.Config{core.TopologyMaxSpoutPending: 3}, func() (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		s := topo.NewStream("people", spout.NewBatchSpoutExecutor(people()))
		s.GroupBy(f("city")).PersistentAggregate(byCity, nil, builtin.Count{}, f("count")).ParallelismHint(2).
			NewValuesStream().Peek(&newValues)
		s.GroupBy(f("city")).PersistentAggregate(initials, f("name"), firstLetter{}, f("initials"))
		s.PersistentAggregate(total, f("age"), builtin.Sum{}, f("total"))
		return topo, nil
	})
	read := func(fac *state.MapFactory, key any) any {
		st, _ := fac.MakeState(nil, 0, 1)
		v, err := st.(state.MapState).MultiGet([][]any{{key}})
		if err != nil {
			t.Fatal(err)
		}
		return v[0]
	}
	for _, c := range []struct {
		fac  *state.MapFactory
		key  any
		want any
	}{
		{byCity, "oslo", int64(2)}, {byCity, "rome", int64(2)}, {byCity, "lima", int64(1)},
		{initials, "oslo", "ac"}, {initials, "rome", "be"},
		{total, state.GlobalKey[0], int64(147)},
	} {
		if got := read(c.fac, c.key); got != c.want {
			t.Errorf("state[%v] = %v, want %v", c.key, got, c.want)
		}
	}
	// The new-values stream carries [group, count after each batch].
	want := []string{"[lima 1]", "[oslo 1]", "[oslo 2]", "[rome 1]", "[rome 2]"}
	if got := newValues.sorted(); !reflect.DeepEqual(got, want) {
		t.Errorf("new values %v, want %v", got, want)
	}
}
