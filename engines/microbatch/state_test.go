package microbatch

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// directHarness is a harness whose input is a DirectStream over a MemSource:
// each batch holds exactly the records published since the previous one.
func directHarness(t *testing.T, batch time.Duration) (*harness, *enginetest.MemSource, *DStream[string]) {
	t.Helper()
	h := newHarness(t, batch, nil)
	if err := h.ssc.Checkpoint(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	src := enginetest.NewMemSource(2)
	lines := Map(DirectStream(h.ssc, src), func(r engines.Record) string { return r.Value })
	return h, src, lines
}

func pairsOf(lines *DStream[string]) *DStream[Pair[string, int]] {
	return Map(FlatMap(lines, strings.Fields), func(w string) Pair[string, int] { return KV(w, 1) })
}

func TestUpdateStateByKey(t *testing.T) {
	h, src, lines := directHarness(t, time.Second)
	// A running count; a key that sees the word "reset" is removed.
	state := UpdateStateByKey(pairsOf(lines), func(vs []int, s Option[int]) Option[int] {
		total := s.Value
		for _, v := range vs {
			total += v
		}
		if total >= 3 {
			return None[int]()
		}
		return Some(total)
	}, 3)
	got := collect(t, state)
	h.start()
	for _, line := range []string{"a b a", "b", "c", ""} {
		if line != "" {
			src.AppendValues(0, line)
		}
		h.runBatches(1)
	}
	want := map[Time][]string{
		h.batchTime(1): {"(a,2)", "(b,1)"},
		h.batchTime(2): {"(a,2)", "(b,2)"},
		h.batchTime(3): {"(a,2)", "(b,2)", "(c,1)"},
		h.batchTime(4): {"(a,2)", "(b,2)", "(c,1)"},
	}
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("state per batch\n%v\nwant\n%v", g, want)
	}
	src.AppendValues(1, "a")
	h.runBatches(1)
	if g := got()[h.batchTime(5)]; !slices.Equal(g, []string{"(b,2)", "(c,1)"}) {
		t.Fatalf("after a reaches 3 it is removed: %v", g)
	}
}

func TestMapWithState(t *testing.T) {
	h, src, lines := directHarness(t, time.Second)
	sc := h.ssc.SparkContext()
	initial := rdd.Parallelize(sc, []Pair[string, int]{KV("z", 100)}, 1)
	var timedOut []string
	spec := StateSpecFunction(func(w string, v Option[int], s *State[int]) string {
		if s.IsTimingOut() {
			timedOut = append(timedOut, w)
			return w + " timed out"
		}
		if w == "drop" {
			s.Remove()
			return "dropped"
		}
		n := s.Get() + v.Value
		s.Update(n)
		return fmt.Sprintf("%s=%d", w, n)
	}).NumPartitions(2).InitialState(initial).Timeout(2 * time.Second)
	mapped := MapWithState(pairsOf(lines), spec)
	got := collect(t, mapped.DStream)
	snaps := collect(t, mapped.StateSnapshots())
	h.start()
	src.AppendValues(0, "a a z")
	h.runBatches(1)
	src.AppendValues(1, "b drop")
	h.runBatches(1)
	h.runBatches(1)
	src.AppendValues(0, "b")
	h.runBatches(1)
	want := map[Time][]string{
		h.batchTime(1): {"a=1", "a=2", "z=101"},
		h.batchTime(2): {"b=1", "dropped"},
		h.batchTime(3): {},
		// a and z were last updated at batch 1: two batches later they time out.
		h.batchTime(4): {"a timed out", "b=2", "z timed out"},
	}
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("mapped per batch\n%v\nwant\n%v", g, want)
	}
	wantSnaps := map[Time][]string{
		h.batchTime(1): {"(a,2)", "(z,101)"},
		h.batchTime(2): {"(a,2)", "(b,1)", "(z,101)"},
		h.batchTime(3): {"(a,2)", "(b,1)", "(z,101)"},
		h.batchTime(4): {"(b,2)"},
	}
	if g := snaps(); fmt.Sprint(g[h.batchTime(4)]) != fmt.Sprint(wantSnaps[h.batchTime(4)]) || fmt.Sprint(g[h.batchTime(1)]) != fmt.Sprint(wantSnaps[h.batchTime(1)]) {
		t.Fatalf("snapshots %v, want %v", g, wantSnaps)
	}
}

func TestStateSpecErrors(t *testing.T) {
	_, _, lines := directHarness(t, time.Second)
	pairs := pairsOf(lines)
	fn := func(string, Option[int], *State[int]) int { return 0 }
	tests := []struct {
		name string
		spec *StateSpec[string, int, int, int]
	}{
		{"nil spec", nil},
		{"negative partitions", StateSpecFunction(fn).NumPartitions(-1)},
		{"timeout not a multiple", StateSpecFunction(fn).Timeout(1500 * time.Millisecond)},
	}
	for _, tc := range tests {
		if err := MapWithState(pairs, tc.spec).Err(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestReduceByKeyAndWindowProperty checks, on random inputs and random
// window and slide choices, that the windowed reduce with an inverse
// function, without one, and a brute-force recomputation from the raw
// batches agree.
func TestReduceByKeyAndWindowProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 55))
	trials := 8
	if testing.Short() {
		trials = 3
	}
	for trial := range trials {
		slideN := 1 + rng.IntN(3)
		windowN := slideN * (1 + rng.IntN(3))
		if rng.IntN(2) == 0 {
			windowN += 1 + rng.IntN(2) // a window need not be a multiple of the slide
		}
		batches := 12
		inputs := make([][]string, batches)
		for b := range inputs {
			for range rng.IntN(6) {
				inputs[b] = append(inputs[b], fmt.Sprintf("k%d", rng.IntN(4)))
			}
		}
		t.Run(fmt.Sprintf("trial%d window=%d slide=%d", trial, windowN, slideN), func(t *testing.T) {
			batch := 100 * time.Millisecond
			window, slide := time.Duration(windowN)*batch, time.Duration(slideN)*batch
			h, src, lines := directHarness(t, batch)
			pairs := pairsOf(lines)
			add := func(a, b int) int { return a + b }
			plain, err := ReduceByKeyAndWindow(pairs, add, window, slide, 2)
			if err != nil {
				t.Fatal(err)
			}
			inv, err := ReduceByKeyAndWindowInv(pairs, add, func(a, b int) int { return a - b }, window, slide, 3, nil)
			if err != nil {
				t.Fatal(err)
			}
			filtered, err := ReduceByKeyAndWindowInv(pairs, add, func(a, b int) int { return a - b }, window, slide, 2,
				func(p Pair[string, int]) bool { return p.Value != 0 })
			if err != nil {
				t.Fatal(err)
			}
			gotPlain, gotInv, gotFiltered := collect(t, plain), collect(t, inv), collect(t, filtered)
			h.start()
			for b := range batches {
				if len(inputs[b]) > 0 {
					src.AppendValues(b%2, strings.Join(inputs[b], " "))
				}
				h.runBatches(1)
			}
			for k := 1; k <= batches; k++ {
				bt := h.batchTime(k)
				if k%slideN != 0 {
					if _, ok := gotPlain()[bt]; ok {
						t.Fatalf("output at batch %d, which is not a slide time", k)
					}
					continue
				}
				counts := map[string]int{}
				for b := max(0, k-windowN); b < k; b++ {
					for _, w := range inputs[b] {
						counts[w]++
					}
				}
				var want []string
				for _, w := range slices.Sorted(maps.Keys(counts)) {
					want = append(want, fmt.Sprintf("(%s,%d)", w, counts[w]))
				}
				nonZero := func(vs []string) []string {
					var out []string
					for _, v := range vs {
						if !strings.HasSuffix(v, ",0)") {
							out = append(out, v)
						}
					}
					return out
				}
				if g := gotPlain()[bt]; fmt.Sprint(g) != fmt.Sprint(want) {
					t.Fatalf("batch %d: plain window %v, want %v", k, g, want)
				}
				if g := nonZero(gotInv()[bt]); fmt.Sprint(g) != fmt.Sprint(want) {
					t.Fatalf("batch %d: inverse window %v, want %v", k, g, want)
				}
				if g := gotFiltered()[bt]; fmt.Sprint(g) != fmt.Sprint(want) {
					t.Fatalf("batch %d: filtered inverse window %v, want %v", k, g, want)
				}
			}
		})
	}
}

func TestCountByWindowAndValue(t *testing.T) {
	h, src, lines := directHarness(t, time.Second)
	words := FlatMap(lines, strings.Fields)
	byWindow, err := words.CountByWindow(2*time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	byValue, err := CountByValueAndWindow(words, 2*time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	reduced, err := words.ReduceByWindow(func(a, b string) string { return max(a, b) }, 2*time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	gotCount, gotValue, gotMax := collect(t, byWindow), collect(t, byValue), collect(t, reduced)
	h.start()
	for _, line := range []string{"a b", "a", "", "c"} {
		if line != "" {
			src.AppendValues(0, line)
		}
		h.runBatches(1)
	}
	if g := fmt.Sprint(gotCount()); g != fmt.Sprint(map[Time][]string{h.batchTime(1): {"2"}, h.batchTime(2): {"3"}, h.batchTime(3): {"1"}, h.batchTime(4): {"1"}}) {
		t.Errorf("countByWindow %s", g)
	}
	if g := fmt.Sprint(gotValue()); g != fmt.Sprint(map[Time][]string{h.batchTime(1): {"(a,1)", "(b,1)"}, h.batchTime(2): {"(a,2)", "(b,1)"}, h.batchTime(3): {"(a,1)"}, h.batchTime(4): {"(c,1)"}}) {
		t.Errorf("countByValueAndWindow %s", g)
	}
	if g := fmt.Sprint(gotMax()); g != fmt.Sprint(map[Time][]string{h.batchTime(1): {"b"}, h.batchTime(2): {"b"}, h.batchTime(3): {"a"}, h.batchTime(4): {"c"}}) {
		t.Errorf("reduceByWindow %s", g)
	}
}
