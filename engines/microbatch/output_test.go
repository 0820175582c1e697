package microbatch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// TestSaveAsTextFiles runs saveAsTextFiles end to end: every batch, empty
// ones too, becomes a directory prefix-TIME_IN_MS[.suffix] holding one
// part-NNNNN file per partition and a _SUCCESS marker, as Spark writes them;
// the directory appears whole (it is written under a hidden temporary name
// and renamed), and a batch whose directory exists is not written again,
// which keeps the output idempotent when a batch re-runs after recovery.
func TestSaveAsTextFiles(t *testing.T) {
	for _, suffix := range []string{"", "txt"} {
		t.Run(fmt.Sprintf("suffix=%q", suffix), func(t *testing.T) {
			h, src, lines := directHarness(t, time.Second)
			out := t.TempDir()
			prefix := filepath.Join(out, "words")
			if err := FlatMap(lines, strings.Fields).SaveAsTextFiles(prefix, suffix); err != nil {
				t.Fatal(err)
			}
			dirOf := func(k int) string {
				name := fmt.Sprintf("%s-%d", prefix, h.batchTime(k).Milliseconds())
				if suffix != "" {
					name += "." + suffix
				}
				return name
			}
			// Batch 3's directory exists already, as after a batch that ran
			// its output before a crash: it is left alone.
			if err := os.MkdirAll(dirOf(3), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dirOf(3), "part-00000"), []byte("first run\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			h.start()
			batches := [][2][]string{{{"a b"}, {"c"}}, {nil, nil}, {{"d"}, nil}}
			for _, b := range batches {
				src.AppendValues(0, b[0]...)
				src.AppendValues(1, b[1]...)
				h.runBatches(1)
			}
			want := []map[string]string{
				{"part-00000": "a\nb\n", "part-00001": "c\n", "_SUCCESS": ""},
				{"part-00000": "", "part-00001": "", "_SUCCESS": ""},
				{"part-00000": "first run\n"},
			}
			for k, files := range want {
				dir := dirOf(k + 1)
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatalf("batch %d: %v", k+1, err)
				}
				got := map[string]string{}
				for _, e := range entries {
					data, err := os.ReadFile(filepath.Join(dir, e.Name()))
					if err != nil {
						t.Fatal(err)
					}
					got[e.Name()] = string(data)
				}
				if fmt.Sprint(got) != fmt.Sprint(files) {
					t.Errorf("batch %d: %s holds %q, want %q", k+1, dir, got, files)
				}
			}
			entries, _ := os.ReadDir(out)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if len(names) != len(want) {
				t.Errorf("output directory holds %v, want one directory per batch and no temporary ones", names)
			}
		})
	}
}

// TestRemember: ssc.Remember keeps every DStream's RDDs for the remember
// duration, so a job can read old batches (Slice) and get the RDDs they
// had, not new ones (Spark's remember, for applications that query past
// batches); and drops them after, so what is kept does not grow
// with the length of the run.
func TestRemember(t *testing.T) {
	for _, tc := range []struct {
		remember time.Duration
		kept     int // batches of RDDs kept after a batch completes
	}{
		{0, 1},
		{5 * time.Second, 5},
	} {
		t.Run(fmt.Sprint(tc.remember), func(t *testing.T) {
			h := newHarness(t, time.Second, nil)
			queue := NewRDDQueue[int]()
			in := QueueStream(h.ssc, queue, true, nil)
			if tc.remember > 0 {
				if err := h.ssc.Remember(tc.remember); err != nil {
					t.Fatal(err)
				}
			}
			doubled := Map(in, func(v int) int { return 2 * v })
			var mu sync.Mutex
			var sums []int // per batch: the sum of the remembered batches of in
			var kept []int // per batch: how many RDDs each DStream holds
			err := doubled.ForeachRDD(func(_ *rdd.RDD[int], t Time) error {
				// The remembered batches, as a later job reads them. A
				// batch no longer remembered would be computed anew from
				// the queue, and the sum would be wrong.
				rdds, err := in.Slice(t.Add(-time.Duration(tc.kept-1)*time.Second), t)
				if err != nil {
					return err
				}
				sum := 0
				for _, r := range rdds {
					vs, err := r.Collect()
					if err != nil {
						return err
					}
					for _, v := range vs {
						sum += v
					}
				}
				mu.Lock()
				sums = append(sums, sum)
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			counter := &keptCounter{streams: []dstream{in, doubled}}
			h.ssc.AddStreamingListener(counter)
			h.start()
			const batches = 40
			for k := 1; k <= batches; k++ {
				queue.Push(rdd.Parallelize(h.ssc.SparkContext(), []int{k}, 1))
				h.runBatches(1)
			}
			mu.Lock()
			defer mu.Unlock()
			for k := 1; k <= batches; k++ {
				want := 0
				for j := max(1, k-tc.kept+1); j <= k; j++ {
					want += j
				}
				if sums[k-1] != want {
					t.Fatalf("batch %d read a sum of %d from the remembered batches, want %d (batches %d..%d)", k, sums[k-1], want, max(1, k-tc.kept+1), k)
				}
			}
			kept = counter.get()
			if m := slices.Max(kept); m > tc.kept {
				t.Errorf("a DStream held %d RDDs after a batch, want at most %d: memory grows with the run", m, tc.kept)
			}
			if n := len(in.generatedTimes()); n != tc.kept {
				t.Errorf("after %d batches the input holds %d RDDs, want %d", batches, n, tc.kept)
			}
		})
	}
}

// keptCounter records, after every batch, the most RDDs a DStream holds.
type keptCounter struct {
	BaseStreamingListener
	streams []dstream
	mu      sync.Mutex
	kept    []int
}

func (c *keptCounter) OnBatchCompleted(BatchInfo) {
	n := 0
	for _, d := range c.streams {
		n = max(n, len(d.generatedTimes()))
	}
	c.mu.Lock()
	c.kept = append(c.kept, n)
	c.mu.Unlock()
}

func (c *keptCounter) get() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.kept)
}
