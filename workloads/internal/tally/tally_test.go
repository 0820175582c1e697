package tally

import (
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestCounter(t *testing.T) {
	c := New()
	steps := []struct {
		key            string
		window, n      int64
		intended       int64
		value, wantInt int64
	}{
		{"a", 10, 1, 15, 1, 15},
		{"a", 10, 2, 12, 3, 15}, // an older record: Intended keeps the latest
		{"a", 20, 1, 21, 1, 21}, // another window of the same key
		{"b", 10, 1, 17, 1, 17},
		{"a", 10, 1, 19, 4, 19},
	}
	for i, s := range steps {
		got := c.Add(s.key, s.window, s.n, 1, int64(i), s.intended)
		want := engines.Output{Key: s.key, Window: s.window, Value: s.value, Partition: 1, Offset: int64(i), Intended: s.wantInt}
		if got != want {
			t.Errorf("step %d: %+v, want %+v", i, got, want)
		}
	}
	if n, in := c.Get("a", 10); n != 4 || in != 19 {
		t.Errorf("Get(a, 10) = %d, %d", n, in)
	}
	if n, in := c.Get("c", 10); n != 0 || in != 0 {
		t.Errorf("Get of an unseen key = %d, %d", n, in)
	}
}
