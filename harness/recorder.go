package harness

import (
	"errors"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
)

// ErrSinkClosed is returned by Recorder.Write after the run has ended.
var ErrSinkClosed = errors.New("sink closed: the run has ended")

// Recorder is the sink every engine writes to. It stamps each batch with the
// clock once, records each output's latency (arrival minus the intended emit
// time of the record it reflects) in the current interval's histogram, and
// keeps the last value written for every result. It is safe for concurrent
// use.
type Recorder struct {
	clock Clock

	mu       sync.Mutex
	interval *Histogram
	// final holds the last value per key, by window then key: string-keyed
	// inner maps take Go's fast path for string keys, which matters because
	// the sink's work is part of every engine's measured cost.
	final     map[int64]map[string]int64
	outputs   int64
	lastWrite int64
	closed    bool
}

var _ engines.Sink = (*Recorder)(nil)

// NewRecorder returns an empty recorder.
func NewRecorder(clock Clock) *Recorder {
	return &Recorder{clock: clock, interval: NewHistogram(), final: make(map[int64]map[string]int64)}
}

// Write implements engines.Sink.
func (r *Recorder) Write(outs []engines.Output) error {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrSinkClosed
	}
	var window int64
	values := r.final[0]
	for i := range outs {
		o := &outs[i]
		r.interval.Record(time.Duration(now - o.Intended))
		if o.Window != window || values == nil {
			window = o.Window
			if values = r.final[window]; values == nil {
				values = make(map[string]int64)
				r.final[window] = values
			}
		}
		values[o.Key] = o.Value
	}
	r.outputs += int64(len(outs))
	if len(outs) > 0 {
		r.lastWrite = now
	}
	return nil
}

// roll ends the current interval: it returns the interval's histogram and
// the outputs counted so far, and starts a new interval.
func (r *Recorder) roll() (*Histogram, int64) {
	fresh := NewHistogram()
	r.mu.Lock()
	h := r.interval
	r.interval = fresh
	n := r.outputs
	r.mu.Unlock()
	return h, n
}

// close refuses further writes and returns the final values, the output
// count and the time of the last write.
func (r *Recorder) close() (map[workloads.Key]int64, int64, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	final := make(map[workloads.Key]int64)
	for w, values := range r.final {
		for k, v := range values {
			final[workloads.Key{Key: k, Window: w}] = v
		}
	}
	return final, r.outputs, r.lastWrite
}
