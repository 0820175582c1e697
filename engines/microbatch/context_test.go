package microbatch

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

func collectSorted[T any](mu *[]string) func(r *rdd.RDD[T], t Time) error {
	return func(r *rdd.RDD[T], t Time) error {
		vs, err := r.Collect()
		if err != nil {
			return err
		}
		var s []string
		for _, v := range vs {
			s = append(s, fmt.Sprint(v))
		}
		sort.Strings(s)
		*mu = append(*mu, fmt.Sprintf("%d:%s", t.Sub(TimeOf(start0))/time.Second, strings.Join(s, " ")))
		return nil
	}
}

func TestPrintFormat(t *testing.T) {
	h := newHarness(t, time.Second, nil)
	q := NewRDDQueue[int]()
	sc := h.ssc.SparkContext()
	q.Push(rdd.Parallelize(sc, []int{1, 2, 3}, 1))
	q.Push(rdd.Parallelize(sc, []int{4}, 1))
	if err := QueueStream(h.ssc, q, true, nil).Print(2); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.runBatches(3)
	want := "-------------------------------------------\nTime: 1700000001000 ms\n-------------------------------------------\n1\n2\n...\n\n" +
		"-------------------------------------------\nTime: 1700000002000 ms\n-------------------------------------------\n4\n\n" +
		"-------------------------------------------\nTime: 1700000003000 ms\n-------------------------------------------\n\n"
	if got := h.out.String(); got != want {
		t.Fatalf("printed\n%q\nwant\n%q", got, want)
	}
}

func TestTransformations(t *testing.T) {
	type build func(ssc *StreamingContext, in *DStream[string]) (*DStream[string], error)
	str := func(v any) string { return fmt.Sprint(v) }
	tests := []struct {
		name  string
		build build
		want  []string
	}{
		{"map", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return Map(in, strings.ToUpper), nil
		}, []string{"1:A B", "2:C", "3:"}},
		{"flatMap filter", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return FlatMap(in, func(s string) []string { return []string{s, s + s} }).Filter(func(s string) bool { return len(s) > 1 }), nil
		}, []string{"1:aa bb", "2:cc", "3:"}},
		{"count", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return Map(in.Count(), func(n int64) string { return str(n) }), nil
		}, []string{"1:2", "2:1", "3:0"}},
		{"reduce", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return in.Reduce(func(a, b string) string { return max(a, b) }), nil
		}, []string{"1:b", "2:c", "3:"}},
		{"countByValue", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return Map(CountByValue(in.Union(in)), func(p Pair[string, int64]) string { return str(p) }), nil
		}, []string{"1:(a,2) (b,2)", "2:(c,2)", "3:"}},
		{"repartition", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return Map(Glom(in.Repartition(3)), func(p []string) string { return str(len(p)) }), nil
		}, []string{"1:0 1 1", "2:0 0 1", "3:0 0 0"}},
		{"transform join with a static dataset", func(ssc *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			spam := rdd.Parallelize(ssc.SparkContext(), []Pair[string, bool]{KV("b", true)}, 1)
			keyed := Map(in, func(s string) Pair[string, int] { return KV(s, 1) })
			joined := Transform(keyed, func(r *rdd.RDD[Pair[string, int]], _ Time) (*rdd.RDD[string], error) {
				clean := rdd.LeftOuterJoin(r, spam).Filter(func(p Pair[string, Pair[int, Option[bool]]]) bool { return !p.Value.Value.Defined })
				return rdd.Keys(clean), nil
			})
			return joined, nil
		}, []string{"1:a", "2:c", "3:"}},
		{"window", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return in.Window(2*time.Second, time.Second)
		}, []string{"1:a b", "2:a b c", "3:c"}},
		{"window sliding 2", func(_ *StreamingContext, in *DStream[string]) (*DStream[string], error) {
			return in.Window(2*time.Second, 2*time.Second)
		}, []string{"2:a b c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, time.Second, nil)
			q := NewRDDQueue[string]()
			sc := h.ssc.SparkContext()
			q.Push(rdd.Parallelize(sc, []string{"a", "b"}, 2))
			q.Push(rdd.Parallelize(sc, []string{"c"}, 1))
			out, err := tc.build(h.ssc, QueueStream(h.ssc, q, true, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := out.ForeachRDD(collectSorted[string](&got)); err != nil {
				t.Fatal(err)
			}
			h.start()
			h.runBatches(3)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPairTransformations(t *testing.T) {
	h := newHarness(t, time.Second, nil)
	sc := h.ssc.SparkContext()
	qa, qb := NewRDDQueue[Pair[string, int]](), NewRDDQueue[Pair[string, string]]()
	qa.Push(rdd.Parallelize(sc, []Pair[string, int]{KV("a", 1), KV("a", 2), KV("b", 3)}, 2))
	qb.Push(rdd.Parallelize(sc, []Pair[string, string]{KV("a", "x"), KV("c", "y")}, 1))
	a, b := QueueStream(h.ssc, qa, true, nil), QueueStream(h.ssc, qb, true, nil)
	results := map[string]*[]string{}
	add := func(name string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	reg := func(name string) *[]string { s := &[]string{}; results[name] = s; return s }
	add("reduceByKey", ReduceByKey(a, func(x, y int) int { return x + y }, 3).ForeachRDD(collectSorted[Pair[string, int]](reg("reduceByKey"))))
	add("groupByKey", Map(GroupByKey(a), func(p Pair[string, []int]) string { slices.Sort(p.Value); return fmt.Sprint(p) }).ForeachRDD(collectSorted[string](reg("groupByKey"))))
	add("join", Join(a, b).ForeachRDD(collectSorted[Pair[string, Pair[int, string]]](reg("join"))))
	add("leftOuterJoin", LeftOuterJoin(a, b).ForeachRDD(collectSorted[Pair[string, Pair[int, Option[string]]]](reg("leftOuterJoin"))))
	add("rightOuterJoin", RightOuterJoin(a, b).ForeachRDD(collectSorted[Pair[string, Pair[Option[int], string]]](reg("rightOuterJoin"))))
	add("fullOuterJoin", FullOuterJoin(a, b).ForeachRDD(collectSorted[Pair[string, Pair[Option[int], Option[string]]]](reg("fullOuterJoin"))))
	add("cogroup", Cogroup(a, b).ForeachRDD(collectSorted[Pair[string, Pair[[]int, []string]]](reg("cogroup"))))
	add("mapValues", MapValues(a, func(v int) int { return v * 10 }).ForeachRDD(collectSorted[Pair[string, int]](reg("mapValues"))))
	add("transformWith", TransformWith(a, b, func(x *rdd.RDD[Pair[string, int]], y *rdd.RDD[Pair[string, string]], _ Time) (*rdd.RDD[string], error) {
		return rdd.Union(rdd.Keys(x), rdd.Keys(y)), nil
	}).ForeachRDD(collectSorted[string](reg("transformWith"))))
	h.start()
	h.runBatches(1)
	want := map[string]string{
		"reduceByKey":    "1:(a,3) (b,3)",
		"groupByKey":     "1:(a,[1 2]) (b,[3])",
		"join":           "1:(a,(1,x)) (a,(2,x))",
		"leftOuterJoin":  "1:(a,(1,Some(x))) (a,(2,Some(x))) (b,(3,None))",
		"rightOuterJoin": "1:(a,(Some(1),x)) (a,(Some(2),x)) (c,(None,y))",
		"fullOuterJoin":  "1:(a,(Some(1),Some(x))) (a,(Some(2),Some(x))) (b,(Some(3),None)) (c,(None,Some(y)))",
		"cogroup":        "1:(a,([1 2],[x])) (b,([3],[])) (c,([],[y]))",
		"mapValues":      "1:(a,10) (a,20) (b,30)",
		"transformWith":  "1:a a a b c",
	}
	for name, w := range want {
		if got := *results[name]; len(got) != 1 || got[0] != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
}

func TestLifecycle(t *testing.T) {
	t.Run("no output operations", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		QueueStream(h.ssc, NewRDDQueue[int](), true, nil)
		if err := h.ssc.Start(); !errors.Is(err, ErrNoOutputOperations) {
			t.Fatalf("Start = %v, want ErrNoOutputOperations", err)
		}
	})
	t.Run("nothing added after start", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		in := QueueStream(h.ssc, NewRDDQueue[int](), true, nil)
		in.Print()
		h.start()
		late := Map(in, func(v int) int { return v })
		if !errors.Is(late.Err(), ErrContextStarted) {
			t.Fatalf("Map after start: Err = %v, want ErrContextStarted", late.Err())
		}
		if err := in.Print(); !errors.Is(err, ErrContextStarted) {
			t.Fatalf("Print after start = %v, want ErrContextStarted", err)
		}
		if err := h.ssc.Start(); !errors.Is(err, ErrContextStarted) {
			t.Fatalf("second Start = %v", err)
		}
	})
	t.Run("no restart after stop", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		QueueStream(h.ssc, NewRDDQueue[int](), true, nil).Print()
		h.start()
		if err := h.ssc.Stop(false); err != nil {
			t.Fatal(err)
		}
		if err := h.ssc.Start(); !errors.Is(err, ErrContextStopped) {
			t.Fatalf("Start after Stop = %v, want ErrContextStopped", err)
		}
		if err := h.ssc.AwaitTermination(); err != nil {
			t.Fatalf("AwaitTermination = %v", err)
		}
	})
	t.Run("state without checkpoint", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		in := QueueStream(h.ssc, NewRDDQueue[Pair[string, int]](), true, nil)
		UpdateStateByKey(in, func(vs []int, s Option[int]) Option[int] { return s }).Print()
		if err := h.ssc.Start(); !errors.Is(err, ErrNoCheckpointDir) {
			t.Fatalf("Start = %v, want ErrNoCheckpointDir", err)
		}
	})
	t.Run("queue stream with checkpoint", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		QueueStream(h.ssc, NewRDDQueue[int](), true, nil).Print()
		if err := h.ssc.Checkpoint(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		if err := h.ssc.Start(); !errors.Is(err, ErrQueueStreamCheckpoint) {
			t.Fatalf("Start = %v, want ErrQueueStreamCheckpoint", err)
		}
	})
	t.Run("outputs run in definition order", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		q := NewRDDQueue[int]()
		in := QueueStream(h.ssc, q, true, nil)
		var order []string
		for _, name := range []string{"first", "second", "third"} {
			in.ForeachRDD(func(*rdd.RDD[int], Time) error { order = append(order, name); return nil })
		}
		h.start()
		h.runBatches(2)
		if want := []string{"first", "second", "third", "first", "second", "third"}; !slices.Equal(order, want) {
			t.Fatalf("order %v", order)
		}
	})
	t.Run("failing output stops the context", func(t *testing.T) {
		h := newHarness(t, time.Second, nil)
		q := NewRDDQueue[int]()
		q.Push(rdd.Parallelize(h.ssc.SparkContext(), []int{0}, 1))
		Map(QueueStream(h.ssc, q, true, nil), func(v int) int { return 1 / v }).Print()
		h.start()
		h.clock.Advance(time.Second)
		err := h.ssc.AwaitTermination()
		var be *BatchError
		var pe *rdd.PanicError
		if !errors.As(err, &be) || !errors.As(err, &pe) || be.Time != h.batchTime(1) {
			t.Fatalf("AwaitTermination = %v, want a BatchError at batch 1 wrapping a panic", err)
		}
	})
}

func TestInvalidDefinitions(t *testing.T) {
	h := newHarness(t, time.Second, nil)
	in := QueueStream(h.ssc, NewRDDQueue[Pair[string, int]](), true, nil)
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"window not a multiple", func() error { _, err := in.Window(2500*time.Millisecond, time.Second); return err }, ErrInvalidDuration},
		{"slide not a multiple", func() error { _, err := in.Window(2*time.Second, 1500*time.Millisecond); return err }, ErrInvalidDuration},
		{"zero window", func() error { _, err := in.Window(0, time.Second); return err }, ErrInvalidDuration},
		{"negative slide", func() error { _, err := in.Window(time.Second, -time.Second); return err }, ErrInvalidDuration},
		{"reduceByKeyAndWindow", func() error {
			_, err := ReduceByKeyAndWindow(in, func(a, b int) int { return a + b }, 3*time.Second, 2*time.Second)
			return err
		}, nil},
		{"inverse window not a multiple", func() error {
			_, err := ReduceByKeyAndWindowInv(in, func(a, b int) int { return a + b }, func(a, b int) int { return a - b }, 1500*time.Millisecond, time.Second, 0, nil)
			return err
		}, ErrInvalidDuration},
		{"reduceByKey zero partitions", func() error { return ReduceByKey(in, func(a, b int) int { return a + b }, 0).Err() }, ErrInvalidArgument},
		{"nil map function", func() error { return Map[Pair[string, int], int](in, nil).Err() }, ErrInvalidArgument},
		{"repartition 0", func() error { return in.Repartition(0).Err() }, ErrInvalidArgument},
		{"checkpoint interval not a multiple", func() error {
			return Map(in, func(p Pair[string, int]) int { return 1 }).Checkpoint(1500 * time.Millisecond).Err()
		}, ErrInvalidDuration},
	}
	for _, tc := range tests {
		err := tc.err()
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := NewStreamingContext(nil, 0); !errors.Is(err, ErrInvalidDuration) {
		t.Errorf("zero batch interval: %v", err)
	}
	if _, err := NewStreamingContext(nil, 1500*time.Microsecond); !errors.Is(err, ErrInvalidDuration) {
		t.Errorf("sub-millisecond batch interval: %v", err)
	}
	if _, err := NewStreamingContext(NewConf().Set("spark.streaming.blockIntervall", "50ms"), time.Second); !errors.Is(err, ErrInvalidConf) || !strings.Contains(err.Error(), "blockIntervall") {
		t.Errorf("misspelt setting: %v", err)
	}
	if _, err := NewStreamingContext(NewConf().Set(ConfBlockInterval, "-5ms"), time.Second); !errors.Is(err, ErrInvalidConf) {
		t.Errorf("negative block interval: %v", err)
	}
	if _, err := NewStreamingContext(NewConf().SetMaster("yarn"), time.Second); !errors.Is(err, ErrInvalidConf) {
		t.Errorf("bad master: %v", err)
	}
	// The error names the problem at Start too.
	bad := Map(ReduceByKey(in, func(a, b int) int { return a + b }, -1), func(p Pair[string, int]) int { return p.Value })
	if err := bad.Print(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Print of an invalid lineage = %v", err)
	}
	if err := h.ssc.Start(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Start with an invalid DStream = %v", err)
	}
}
