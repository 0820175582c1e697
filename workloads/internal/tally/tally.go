// Package tally is the running count per (key, event-time window) that
// streambench's windowed workloads keep in their hand-written loops, with
// the windowed-output rule every engine follows: each addition is an update
// whose value is the new count and whose Intended is the latest intended
// emit time among the window's records so far, the moment the window's
// input was complete.
package tally

import "github.com/streambench/streambench/engines"

// Counter counts per (key, window). It is not safe for concurrent use: a
// P-way loop gives each worker its own, for the keys it owns.
type Counter struct {
	m map[keyWindow]*count
}

type keyWindow struct {
	key    string
	window int64
}

type count struct {
	n        int64
	intended int64
}

// New returns an empty counter.
func New() *Counter { return &Counter{m: make(map[keyWindow]*count, 1024)} }

// Add adds n to (key, window) on behalf of record (partition, offset)
// intended at the given time, and returns the update to write.
func (c *Counter) Add(key string, window, n int64, partition int32, offset, intended int64) engines.Output {
	k := keyWindow{key, window}
	cnt := c.m[k]
	if cnt == nil {
		cnt = &count{}
		c.m[k] = cnt
	}
	cnt.n += n
	cnt.intended = max(cnt.intended, intended)
	return engines.Output{Key: key, Window: window, Value: cnt.n, Partition: partition, Offset: offset, Intended: cnt.intended}
}

// Get returns the count of (key, window) and the latest intended time of
// its records.
func (c *Counter) Get(key string, window int64) (n, intended int64) {
	if cnt := c.m[keyWindow{key, window}]; cnt != nil {
		return cnt.n, cnt.intended
	}
	return 0, 0
}
