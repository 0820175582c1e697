package microbatch

import (
	"sync"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// coreScheduler gives receivers their cores. In Spark a receiver is a task
// that never ends: it holds one core of local[N] for as long as it runs, and
// the batches' tasks share the cores left, so local[1] with one receiver
// (or local[2] with two) receives data and never processes it. coreScheduler
// reproduces this over the StreamingContext's own task scheduler: every
// task takes one of the N cores for as long as it runs, and every running
// receiver holds one. A task that finds no core free waits for one, until
// a receiver stops or the context is stopped at once (then the task is
// killed).
type coreScheduler struct {
	inner rdd.TaskScheduler
	cores int

	mu        sync.Mutex
	cond      *sync.Cond
	receivers int // cores held by running receivers
	busy      int // cores held by tasks
	closed    bool
}

var _ rdd.TaskScheduler = (*coreScheduler)(nil)

func newCoreScheduler(inner rdd.TaskScheduler) *coreScheduler {
	s := &coreScheduler{inner: inner, cores: inner.Slots()}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Slots implements rdd.TaskScheduler: the cores of the master URL.
func (s *coreScheduler) Slots() int { return s.cores }

// RunTasks implements rdd.TaskScheduler: the inner scheduler runs the
// tasks, each once it holds a core.
func (s *coreScheduler) RunTasks(stage string, n int, task func(p int) error) error {
	return s.inner.RunTasks(stage, n, func(p int) error {
		if !s.acquire() {
			return rdd.ErrTaskKilled
		}
		defer s.release()
		return task(p)
	})
}

func (s *coreScheduler) acquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed && s.busy+s.receivers >= s.cores {
		s.cond.Wait()
	}
	if s.closed {
		return false
	}
	s.busy++
	return true
}

func (s *coreScheduler) release() {
	s.mu.Lock()
	s.busy--
	s.cond.Broadcast()
	s.mu.Unlock()
}

// reserve holds one core for a receiver that starts; it returns the cores
// left for tasks.
func (s *coreScheduler) reserve() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.receivers++
	return s.cores - s.receivers
}

// unreserve gives a stopped receiver's core back to the tasks.
func (s *coreScheduler) unreserve() {
	s.mu.Lock()
	s.receivers--
	s.cond.Broadcast()
	s.mu.Unlock()
}

// close wakes every task waiting for a core, to be killed: the context is
// stopping at once.
func (s *coreScheduler) close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
}
