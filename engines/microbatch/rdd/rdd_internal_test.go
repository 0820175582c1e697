package rdd

import (
	"errors"
	"iter"
	"slices"
	"testing"
)

func TestCollectChunked(t *testing.T) {
	sc, _ := NewContext("local")
	for _, n := range []int{0, 1, 15, 16, 17, 100, chunkLen, chunkLen + 1, 5*chunkLen + 7} {
		want := make([]int, n)
		for i := range want {
			want[i] = i * 3
		}
		c := collectChunked(slices.Values(want))
		if got := slices.Collect(c.killable(sc)); !slices.Equal(got, want) && !(n == 0 && len(got) == 0) {
			t.Errorf("n=%d: got %d values, want %d", n, len(got), n)
		}
		for i, chunk := range c {
			if len(chunk) == 0 || cap(chunk) > chunkLen {
				t.Errorf("n=%d: chunk %d has %d of %d", n, i, len(chunk), cap(chunk))
			}
		}
		// Stopping early stops.
		if n > 2 {
			seen := 0
			for range c.killable(sc) {
				seen++
				if seen == 2 {
					break
				}
			}
			if seen != 2 {
				t.Errorf("n=%d: early stop saw %d", n, seen)
			}
		}
	}
}

// TestStopKillsTasks: once its Context is stopped, a task reading a
// materialised partition (received blocks, a cached RDD) is killed within
// killCheckEvery records, its job fails with ErrTaskKilled, and no later
// job runs a task.
func TestStopKillsTasks(t *testing.T) {
	for _, tc := range []struct {
		name string
		rdd  func(sc *Context, data []int) *RDD[int]
	}{
		{"received blocks", func(sc *Context, data []int) *RDD[int] { return FromPartitions(sc, "BlockRDD", [][]int{data}, nil) }},
		{"cached", func(sc *Context, data []int) *RDD[int] {
			r := Map(FromPartitions(sc, "BlockRDD", [][]int{data}, nil), func(v int) int { return v }).Persist()
			if _, err := r.Count(); err != nil {
				t.Fatal(err)
			}
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, _ := NewContext("local[2]")
			r := tc.rdd(sc, make([]int, 10*killCheckEvery))
			read := 0
			err := r.ForeachPartition(func(_ int, it iter.Seq[int]) error {
				for range it {
					if read++; read == 10 {
						sc.Stop()
					}
				}
				return nil
			})
			if !errors.Is(err, ErrTaskKilled) || read > killCheckEvery {
				t.Errorf("ForeachPartition = %v after %d records, want ErrTaskKilled within %d", err, read, killCheckEvery)
			}
			ran := false
			if err := r.ForeachPartition(func(int, iter.Seq[int]) error { ran = true; return nil }); !errors.Is(err, ErrTaskKilled) || ran {
				t.Errorf("a job after Stop: %v, a task ran %v", err, ran)
			}
		})
	}
}
