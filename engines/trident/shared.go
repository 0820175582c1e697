package trident

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streambench/streambench/engines/trident/txstate"
)

// runShared is what every task of one running topology shares in local
// mode: the coordination metadata, the clock, the record of which batches
// drained a bounded source, the first fatal error, and the batch metrics.
// engines/core gives each task a shallow copy of its component, so a
// pointer to runShared reaches them all.
type runShared struct {
	txState txstate.TransactionalState
	clock   func() time.Time
	tconf   tridentConf

	mu         sync.Mutex
	spoutTasks map[int]int           // batch group -> spout emitter tasks
	drained    map[int]map[int64]int // batch group -> txid -> tasks that drained
	finished   map[int]bool          // batch group -> coordinator stopped after the drained batch committed
	groups     int
	done       chan struct{} // closed when every batch group finished
	failed     chan struct{} // closed on the first fatal error
	err        error
	errOnce    sync.Once
	reported   []error

	metrics batchMetrics
}

// batchMetrics counts what the coordinators and bolts did.
type batchMetrics struct {
	batchesStarted   atomic.Int64
	batchesCommitted atomic.Int64
	batchesFailed    atomic.Int64
	tuplesEmitted    atomic.Int64 // by spouts
	commitNanos      atomic.Int64 // total time from a batch's start to its commit's end
	maxInFlight      atomic.Int64
}

func newRunShared(groups int, opts *compileOptions) *runShared {
	return &runShared{
		txState: opts.txState, clock: opts.clock, tconf: opts.tconf,
		spoutTasks: make(map[int]int), drained: make(map[int]map[int64]int), finished: make(map[int]bool),
		groups: groups, done: make(chan struct{}), failed: make(chan struct{}),
	}
}

// markDrained records that one spout task's batch txid reached the end of
// a closed source.
func (s *runShared) markDrained(group int, txid int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drained[group] == nil {
		s.drained[group] = make(map[int64]int)
	}
	s.drained[group][txid]++
}

// allDrained reports whether every spout task of group drained at txid,
// and forgets older txids.
func (s *runShared) allDrained(group int, txid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.drained[group]
	for t := range m {
		if t < txid {
			delete(m, t)
		}
	}
	return m[txid] >= s.spoutTasks[group] && s.spoutTasks[group] > 0
}

// finish records that group's coordinator committed its drained batch.
func (s *runShared) finish(group int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished[group] {
		return
	}
	s.finished[group] = true
	if len(s.finished) == s.groups {
		close(s.done)
	}
}

// fail records a fatal error; the first one wins.
func (s *runShared) fail(err error) {
	s.errOnce.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.failed)
	})
}

// report keeps an error an operation reported (the last few only).
func (s *runShared) report(component string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reported = append(s.reported, fmt.Errorf("%s: %w", component, err))
	if len(s.reported) > 16 {
		s.reported = s.reported[1:]
	}
}

func (s *runShared) lastReported() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reported) == 0 {
		return nil
	}
	return s.reported[len(s.reported)-1]
}

func (s *runShared) firstErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
