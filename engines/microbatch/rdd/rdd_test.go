package rdd

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func newTestContext(t testing.TB, master string) *Context {
	t.Helper()
	sc, err := NewContext(master)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func sortedStrings[T any](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(v)
	}
	sort.Strings(out)
	return out
}

func TestNewContextMasters(t *testing.T) {
	for _, tc := range []struct {
		master string
		want   int
		bad    bool
	}{
		{"local", 1, false},
		{"local[3]", 3, false},
		{"local[*]", 0, false},
		{"local[0]", 0, true},
		{"local[x]", 0, true},
		{"yarn", 0, true},
		{"", 0, true},
	} {
		sc, err := NewContext(tc.master)
		if tc.bad {
			if !errors.Is(err, ErrInvalidMaster) {
				t.Errorf("NewContext(%q) error = %v, want ErrInvalidMaster", tc.master, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("NewContext(%q): %v", tc.master, err)
		}
		if tc.want > 0 && sc.DefaultParallelism() != tc.want {
			t.Errorf("NewContext(%q) parallelism = %d, want %d", tc.master, sc.DefaultParallelism(), tc.want)
		}
	}
}

func TestWordCount(t *testing.T) {
	for _, master := range []string{"local", "local[2]", "local[4]"} {
		t.Run(master, func(t *testing.T) {
			sc := newTestContext(t, master)
			lines := Parallelize(sc, []string{"to be or not to be", "that is the question", "to be"}, 3)
			words := FlatMap(lines, strings.Fields)
			pairs := Map(words, func(w string) Pair[string, int] { return KV(w, 1) })
			counts := ReduceByKey(pairs, func(a, b int) int { return a + b }, 2)
			if counts.NumPartitions() != 2 {
				t.Fatalf("partitions = %d, want 2", counts.NumPartitions())
			}
			got, err := counts.Collect()
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"(be,3)", "(is,1)", "(not,1)", "(or,1)", "(question,1)", "(that,1)", "(the,1)", "(to,3)"}
			if g := sortedStrings(got); !slices.Equal(g, want) {
				t.Fatalf("counts = %v, want %v", g, want)
			}
			// Every key sits in the partition its partitioner names.
			parts, err := counts.CollectPartitions()
			if err != nil {
				t.Fatal(err)
			}
			hp := counts.Partitioner().(Partitioner[string])
			for p, part := range parts {
				for _, kv := range part {
					if hp.GetPartition(kv.Key) != p {
						t.Errorf("key %q in partition %d, partitioner says %d", kv.Key, p, hp.GetPartition(kv.Key))
					}
				}
			}
		})
	}
}

func TestNarrowTransformations(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	nums := Parallelize(sc, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3)
	tests := []struct {
		name string
		rdd  *RDD[int]
		want []int
	}{
		{"map", Map(nums, func(v int) int { return v * 10 }), []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}},
		{"filter", nums.Filter(func(v int) bool { return v%2 == 0 }), []int{2, 4, 6, 8, 10}},
		{"flatMap", FlatMap(nums.Filter(func(v int) bool { return v <= 2 }), func(v int) []int { return []int{v, v} }), []int{1, 1, 2, 2}},
		{"mapPartitions", MapPartitions(nums, func(it iter.Seq[int]) iter.Seq[int] {
			return func(yield func(int) bool) {
				s := 0
				for v := range it {
					s += v
				}
				yield(s)
			}
		}), []int{6, 15, 34}},
		{"union", Union(nums.Filter(func(v int) bool { return v < 3 }), nums.Filter(func(v int) bool { return v > 8 })), []int{1, 2, 9, 10}},
		{"repartition", nums.Repartition(4), []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.rdd.Collect()
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRepartitionBalances(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	data := make([]int, 1000)
	r := Parallelize(sc, data, 1).Repartition(4)
	parts, err := r.CollectPartitions()
	if err != nil {
		t.Fatal(err)
	}
	for p, part := range parts {
		if len(part) != 250 {
			t.Errorf("partition %d has %d elements, want 250", p, len(part))
		}
	}
}

func TestActions(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	nums := Parallelize(sc, []int{5, 1, 4}, 2)
	if n, err := nums.Count(); err != nil || n != 3 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if s, err := nums.Reduce(func(a, b int) int { return a + b }); err != nil || s != 10 {
		t.Errorf("Reduce = %d, %v", s, err)
	}
	if vs, err := nums.Take(2); err != nil || !slices.Equal(vs, []int{5, 1}) {
		t.Errorf("Take(2) = %v, %v", vs, err)
	}
	if v, err := nums.First(); err != nil || v != 5 {
		t.Errorf("First = %v, %v", v, err)
	}
	empty := nums.Filter(func(int) bool { return false })
	if _, err := empty.Reduce(func(a, b int) int { return a + b }); !errors.Is(err, ErrEmptyCollection) {
		t.Errorf("Reduce of empty = %v, want ErrEmptyCollection", err)
	}
	if e, err := empty.IsEmpty(); err != nil || !e {
		t.Errorf("IsEmpty = %v, %v", e, err)
	}
	counts, err := CountByValue(Parallelize(sc, []string{"a", "b", "a"}, 2))
	if err != nil || !maps.Equal(counts, map[string]int64{"a": 2, "b": 1}) {
		t.Errorf("CountByValue = %v, %v", counts, err)
	}
}

func TestJoins(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	left := Parallelize(sc, []Pair[string, int]{KV("a", 1), KV("a", 2), KV("b", 3)}, 2)
	right := Parallelize(sc, []Pair[string, string]{KV("a", "x"), KV("c", "y")}, 1)
	tests := []struct {
		name string
		got  func() ([]string, error)
		want []string
	}{
		{"join", func() ([]string, error) { v, err := Join(left, right).Collect(); return sortedStrings(v), err },
			[]string{"(a,(1,x))", "(a,(2,x))"}},
		{"leftOuterJoin", func() ([]string, error) { v, err := LeftOuterJoin(left, right).Collect(); return sortedStrings(v), err },
			[]string{"(a,(1,Some(x)))", "(a,(2,Some(x)))", "(b,(3,None))"}},
		{"rightOuterJoin", func() ([]string, error) {
			v, err := RightOuterJoin(left, right, 3).Collect()
			return sortedStrings(v), err
		},
			[]string{"(a,(Some(1),x))", "(a,(Some(2),x))", "(c,(None,y))"}},
		{"fullOuterJoin", func() ([]string, error) { v, err := FullOuterJoin(left, right).Collect(); return sortedStrings(v), err },
			[]string{"(a,(Some(1),Some(x)))", "(a,(Some(2),Some(x)))", "(b,(Some(3),None))", "(c,(None,Some(y)))"}},
		{"cogroup", func() ([]string, error) { v, err := Cogroup(left, right).Collect(); return sortedStrings(v), err },
			[]string{"(a,([1 2],[x]))", "(b,([3],[]))", "(c,([],[y]))"}},
		{"groupByKey", func() ([]string, error) {
			v, err := GroupByKey(left).Collect()
			for _, g := range v {
				slices.Sort(g.Value)
			}
			return sortedStrings(v), err
		}, []string{"(a,[1 2])", "(b,[3])"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// A pair RDD already partitioned like the operation needs is not shuffled
// again: joining two RDDs reduced with the same partitioner runs no new
// shuffle stage, as in Spark.
func TestCoPartitionedNoShuffle(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	a := ReduceByKey(Parallelize(sc, []Pair[int, int]{KV(1, 1), KV(2, 2), KV(1, 3)}, 2), func(x, y int) int { return x + y }, 3)
	b := ReduceByKey(Parallelize(sc, []Pair[int, int]{KV(1, 10), KV(3, 30)}, 2), func(x, y int) int { return x + y }, 3)
	j := Join(a, b)
	if !samePartitioner(j.Partitioner(), a.Partitioner()) {
		t.Fatalf("join partitioner %v, want %v", j.Partitioner(), a.Partitioner())
	}
	if p := PartitionBy(a, a.Partitioner().(Partitioner[int])); p != a {
		t.Fatal("PartitionBy with the same partitioner shuffled again")
	}
	got, err := j.Collect()
	if err != nil || len(got) != 1 || got[0].Value != KV(4, 10) {
		t.Fatalf("join = %v, %v", got, err)
	}
}

func TestPersistComputesOnce(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	calls := 0
	r := Map(Parallelize(sc, []int{1, 2, 3}, 1), func(v int) int { calls++; return v }).Persist()
	for range 3 {
		if _, err := r.Collect(); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 3 {
		t.Fatalf("map ran %d times over 3 elements, want 3 (persisted)", calls)
	}
	r.Unpersist()
	if _, err := r.Collect(); err != nil {
		t.Fatal(err)
	}
	if calls != 6 {
		t.Fatalf("after Unpersist map ran %d times, want 6", calls)
	}
}

func TestPanicIsTaskError(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	bad := Map(Parallelize(sc, []int{1, 2, 0, 4}, 4), func(v int) int { return 10 / v })
	_, err := ReduceByKey(Map(bad, func(v int) Pair[int, int] { return KV(v, v) }), func(a, b int) int { return a + b }).Collect()
	var te *TaskError
	var pe *PanicError
	if !errors.As(err, &te) || !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a TaskError wrapping a PanicError", err)
	}
	if te.Partition != 2 || !strings.Contains(err.Error(), "shuffle map stage") {
		t.Fatalf("error = %v, want task 2 of a shuffle map stage", err)
	}
}

func TestInvalidDefinitions(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	other := newTestContext(t, "local[2]")
	pairs := Parallelize(sc, []Pair[string, int]{KV("a", 1)}, 1)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"reduceByKey 0 partitions", ReduceByKey(pairs, func(a, b int) int { return a + b }, 0).Err(), ErrInvalidPartitions},
		{"groupByKey 2 counts", GroupByKey(pairs, 1, 2).Err(), ErrInvalidPartitions},
		{"repartition -1", Parallelize(sc, []int{1}, 1).Repartition(-1).Err(), ErrInvalidPartitions},
		{"union across contexts", Union(Parallelize(sc, []int{1}, 1), Parallelize(other, []int{1}, 1)).Err(), ErrMixedContexts},
		{"join across contexts", Join(pairs, Parallelize(other, []Pair[string, int]{}, 1)).Err(), ErrMixedContexts},
		{"downstream of a bad one", Map(ReduceByKey(pairs, func(a, b int) int { return a + b }, -3), func(p Pair[string, int]) int { return p.Value }).Err(), ErrInvalidPartitions},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	_, err := Map(ReduceByKey(pairs, func(a, b int) int { return a + b }, 0), func(p Pair[string, int]) int { return 1 }).Collect()
	if !errors.Is(err, ErrInvalidPartitions) {
		t.Errorf("Collect of an invalid lineage = %v", err)
	}
}

func TestSaveAsTextFile(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	dir := filepath.Join(t.TempDir(), "out")
	r := Parallelize(sc, []Pair[string, int]{KV("a", 1), KV("b", 2), KV("c", 3)}, 2)
	if err := r.SaveAsTextFile(dir); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, name := range []string{"part-00000", "part-00001"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Fields(string(b))...)
	}
	if want := []string{"(a,1)", "(b,2)", "(c,3)"}; !slices.Equal(lines, want) {
		t.Fatalf("files hold %v, want %v", lines, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveAsTextFile(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second save = %v, want already exists", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Fatalf("temporary directories left behind: %v", entries)
	}
}

func TestCogroupAll(t *testing.T) {
	sc := newTestContext(t, "local[2]")
	part, _ := NewHashPartitioner[string](2)
	a := Parallelize(sc, []Pair[string, int]{KV("x", 1)}, 1)
	b := Parallelize(sc, []Pair[string, int]{KV("x", 2), KV("y", 3)}, 2)
	got, err := CogroupAll(part, a, b).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if g := sortedStrings(got); !slices.Equal(g, []string{"(x,[[1] [2]])", "(y,[[] [3]])"}) {
		t.Fatalf("got %v", g)
	}
}

func TestHashStable(t *testing.T) {
	// Placement of strings and integers must not depend on the process, or a
	// map task and a reduce task in different processes would disagree.
	// These hashes were computed once and must never change.
	for _, tc := range []struct {
		got, want uint64
	}{
		{hasherFor[string]()("spark"), 11184409067272082286},
		{hasherFor[string]()("storm"), 7611927957672858515},
		{hasherFor[string]()(""), 17665956581633026203},
		{hasherFor[int64]()(42), 12058926934050108962},
		{hasherFor[int]()(42), 12058926934050108962},
	} {
		if tc.got != tc.want {
			t.Errorf("hash = %d, want %d", tc.got, tc.want)
		}
	}
	p, _ := NewHashPartitioner[string](7)
	if got := p.GetPartition("spark"); got != int(11184409067272082286%7) {
		t.Errorf("partition of spark = %d", got)
	}
}
