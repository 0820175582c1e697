package trident

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// processShared is what the tasks of one process of a running topology
// share: in local mode every task of the topology, in a worker of a
// distributed topology (Job.RunWorker) the tasks placed on it. It holds
// nothing the workers must agree on. What must cross them goes through a
// seam, as in Storm Trident:
//
//   - the transaction metadata (the last committed txid, the spouts' batch
//     offsets) is in txState, this process's handle on the coordination
//     store, which every worker reads and writes under the topology's name
//     (only in-memory metadata, in local mode, is this process's alone);
//   - whether every emitter has drained its input reaches the master
//     coordinator in the tuple tree of the batch's $success tuple (see
//     masterCoordinator), not through memory;
//   - a fatal error is reported by the task that met it and shows in its
//     worker's status (Job.WorkerStatus).
//
// engines/core gives each task a shallow copy of its component, so a
// pointer to processShared reaches every task of the process.
type processShared struct {
	txState txstate.TransactionalState
	clock   func() time.Time
	tconf   tridentConf

	mu       sync.Mutex
	finished map[int]bool  // batch group -> its coordinator, run here, finished
	groups   int           // batch groups that end (every group but DRPC ones)
	done     chan struct{} // closed when every batch group finished here (local mode)
	failed   chan struct{} // closed on this process's first fatal error
	err      error
	errOnce  sync.Once
	reported []error

	metrics batchMetrics
}

// batchMetrics counts what the coordinators and bolts of this process did.
type batchMetrics struct {
	batchesStarted   atomic.Int64
	batchesCommitted atomic.Int64
	batchesFailed    atomic.Int64
	tuplesEmitted    atomic.Int64 // by spouts
	commitNanos      atomic.Int64 // total time from a batch's start to its commit's end
	maxInFlight      atomic.Int64
}

func newProcessShared(groups int, opts *compileOptions) *processShared {
	return &processShared{
		txState: opts.txState, clock: opts.clock, tconf: opts.tconf,
		finished: make(map[int]bool), groups: groups,
		done: make(chan struct{}), failed: make(chan struct{}),
	}
}

// finish records that group's coordinator committed the batch that drained
// its input, and every batch started before it knew.
func (s *processShared) finish(group int) {
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

// fail records a fatal error of a task of this process; the first one wins.
func (s *processShared) fail(component string, task int, err error) {
	s.errOnce.Do(func() {
		s.mu.Lock()
		s.err = &core.TaskError{Component: component, Task: task, Err: err}
		s.mu.Unlock()
		close(s.failed)
	})
}

// report keeps an error an operation of this process reported (the last
// few only), to name in a fatal error.
func (s *processShared) report(component string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reported = append(s.reported, fmt.Errorf("%s: %w", component, err))
	if len(s.reported) > 16 {
		s.reported = s.reported[1:]
	}
}

func (s *processShared) lastReported() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reported) == 0 {
		return nil
	}
	return s.reported[len(s.reported)-1]
}

func (s *processShared) firstErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
