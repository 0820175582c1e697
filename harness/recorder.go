package harness

import (
	"errors"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// ErrSinkClosed is returned by Recorder.Write after the run has ended.
var ErrSinkClosed = errors.New("sink closed: the run has ended")

// Recorder is the sink every engine writes to. It stamps each batch with the
// clock once and keeps, for every result, its final value: the last update,
// or the number of events. Unwindowed outputs are timed as they arrive, from
// the intended emit time of the record they reflect, into the current
// interval's histogram. A windowed result is timed once, by its final
// output, when the run is over. It is safe for concurrent use.
type Recorder struct {
	clock Clock

	mu       sync.Mutex
	interval *resultfile.Histogram
	// results holds every result by window, then key: string-keyed inner
	// maps take Go's fast path for string keys, which matters because the
	// sink's work is part of every engine's measured cost.
	results   map[int64]map[string]result
	outputs   int64
	lastWrite int64
	closed    bool
	contract  contractLog
}

// result is what the recorder keeps of one (key, window).
type result struct {
	value    int64
	at       int64 // arrival of the last output
	intended int64 // the last output's intended time
	event    bool  // the last output was an event
}

// windowLatency is a windowed result's latency, timed at its final output.
type windowLatency struct {
	at      int64
	latency time.Duration
}

var _ engines.Sink = (*Recorder)(nil)

// NewRecorder returns an empty recorder.
func NewRecorder(clock Clock) *Recorder {
	return &Recorder{clock: clock, interval: resultfile.NewHistogram(), results: make(map[int64]map[string]result)}
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
	results := r.results[0]
	for i := range outs {
		o := &outs[i]
		if o.Window != window || results == nil {
			window = o.Window
			if results = r.results[window]; results == nil {
				results = make(map[string]result)
				r.results[window] = results
			}
		}
		if o.Window == 0 {
			r.interval.Record(time.Duration(now - o.Intended))
		}
		v := o.Value
		if o.Event {
			v += results[o.Key].value
			if o.Value != 1 {
				r.contract.mergedEvent(o)
			}
		} else if o.Window == 0 && r.contract.sampling(r.outputs+int64(i)) {
			r.contract.update(o, results[o.Key].value)
		}
		results[o.Key] = result{value: v, at: now, intended: o.Intended, event: o.Event}
	}
	r.outputs += int64(len(outs))
	if len(outs) > 0 {
		r.lastWrite = now
	}
	return nil
}

// roll ends the current interval: it returns the interval's histogram and
// the outputs counted so far, and starts a new interval in fresh, an empty
// histogram.
func (r *Recorder) roll(fresh *resultfile.Histogram) (*resultfile.Histogram, int64) {
	r.mu.Lock()
	h := r.interval
	r.interval = fresh
	n := r.outputs
	r.mu.Unlock()
	return h, n
}

// recorded is what a recorder holds at the end of a run.
type recorded struct {
	final     map[workloads.Key]int64
	windows   []windowLatency
	outputs   int64
	lastWrite int64
	// updates are the results whose last output was an update, not an
	// event; contract is what the recorder noted for the output contract.
	updates  map[workloads.Key]bool
	contract contractLog
}

// close refuses further writes and returns what was recorded.
func (r *Recorder) close() recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	rec := recorded{final: make(map[workloads.Key]int64), outputs: r.outputs, lastWrite: r.lastWrite,
		updates: make(map[workloads.Key]bool), contract: r.contract}
	for w, results := range r.results {
		for k, res := range results {
			rec.final[workloads.Key{Key: k, Window: w}] = res.value
			if !res.event {
				rec.updates[workloads.Key{Key: k, Window: w}] = true
			}
			if w != 0 {
				rec.windows = append(rec.windows, windowLatency{at: res.at, latency: time.Duration(res.at - res.intended)})
			}
		}
	}
	return rec
}
