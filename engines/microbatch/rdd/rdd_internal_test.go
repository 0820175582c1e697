package rdd

import (
	"slices"
	"testing"
)

func TestCollectChunked(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100, chunkLen, chunkLen + 1, 5*chunkLen + 7} {
		want := make([]int, n)
		for i := range want {
			want[i] = i * 3
		}
		c := collectChunked(slices.Values(want))
		if got := slices.Collect(c.values); !slices.Equal(got, want) && !(n == 0 && len(got) == 0) {
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
			for range c.values {
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
