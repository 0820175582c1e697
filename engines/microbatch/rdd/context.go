package rdd

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Context is the entry point of the batch layer, the role of Spark's
// SparkContext: it names RDDs and shuffles, and runs jobs on its
// TaskScheduler. It is safe for concurrent use.
type Context struct {
	master      string
	parallelism int
	sched       TaskScheduler
	nextRDD     atomic.Int64
	nextShuffle atomic.Int64
	nextStage   atomic.Int64
	// stopped is set by Stop: tasks under way are killed at their next
	// check, and no task starts any more.
	stopped atomic.Bool
}

// NewContext returns a Context for a master URL: "local" (one task slot),
// "local[N]" (N slots) or "local[*]" (one slot per CPU), as Spark spells them.
// N is also the default parallelism (spark.default.parallelism in local mode).
func NewContext(master string) (*Context, error) {
	n, err := parseMaster(master)
	if err != nil {
		return nil, err
	}
	return NewContextWithScheduler(master, n, NewLocalScheduler(n)), nil
}

// NewContextWithScheduler returns a Context whose tasks run on sched, with
// parallelism partitions by default. It is the seam for running tasks
// elsewhere than on local goroutines.
func NewContextWithScheduler(master string, parallelism int, sched TaskScheduler) *Context {
	return &Context{master: master, parallelism: max(parallelism, 1), sched: sched}
}

// ParseMaster returns the task slots of a master URL: local (1), local[N]
// or local[*] (GOMAXPROCS); anything else is an ErrInvalidMaster.
func ParseMaster(master string) (int, error) { return parseMaster(master) }

func parseMaster(master string) (int, error) {
	switch {
	case master == "local":
		return 1, nil
	case master == "local[*]":
		return runtime.GOMAXPROCS(0), nil
	case strings.HasPrefix(master, "local[") && strings.HasSuffix(master, "]"):
		n, err := strconv.Atoi(master[len("local[") : len(master)-1])
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%w %q: the thread count must be a positive integer, as in local[2]", ErrInvalidMaster, master)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%w %q (use local, local[N] or local[*])", ErrInvalidMaster, master)
}

// Stop stops the Context, as SparkContext.stop kills the tasks of running
// jobs: a task reading materialised partitions (received blocks, offset
// ranges, checkpoints) is killed within a thousand records, no new task
// starts, and every job under way or submitted later fails with
// ErrTaskKilled. A stopped Context stays stopped.
func (sc *Context) Stop() { sc.stopped.Store(true) }

// Stopped reports whether Stop was called.
func (sc *Context) Stopped() bool { return sc.stopped.Load() }

// runTasks runs a stage on the scheduler unless the Context is stopped;
// each task checks again before it starts.
func (sc *Context) runTasks(stage string, n int, task func(p int) error) error {
	if sc.stopped.Load() {
		return &TaskError{Stage: stage, Partition: 0, Err: ErrTaskKilled}
	}
	return sc.sched.RunTasks(stage, n, func(p int) error {
		if sc.stopped.Load() {
			return ErrTaskKilled
		}
		return task(p)
	})
}

// taskKilled is the panic a killed task's input raises, to unwind the
// user functions reading it; runTask turns it into ErrTaskKilled.
type taskKilled struct{}

// killCheckEvery is how many records a task reads between checks that its
// Context is still running: a check is one atomic load, a thousand records
// a few microseconds of work.
const killCheckEvery = 1024

// Master returns the master URL the Context was created with.
func (sc *Context) Master() string { return sc.master }

// DefaultParallelism is the partition count of a shuffle when none is given.
func (sc *Context) DefaultParallelism() int { return sc.parallelism }

// Scheduler returns the Context's task scheduler.
func (sc *Context) Scheduler() TaskScheduler { return sc.sched }

// TaskScheduler runs the tasks of one stage: the seam between the DAG
// scheduler, which decides what runs, and the place where tasks run. The
// local scheduler runs them on goroutines; a cluster scheduler would ship
// them to worker processes.
type TaskScheduler interface {
	// RunTasks runs task(p) for every p in [0, n), at most Slots() at a time,
	// and returns once all have ended. It returns the error of the first
	// task that failed, as a *TaskError; once a task fails no new task
	// starts. A panicking task is a *PanicError wrapped in a *TaskError.
	RunTasks(stage string, n int, task func(p int) error) error
	// Slots is the number of tasks that can run at once.
	Slots() int
}

// LocalScheduler runs tasks on a bounded set of goroutines, like Spark's
// local[N] executor backend. Goroutines live only while a stage runs, so an
// idle scheduler holds none.
type LocalScheduler struct {
	slots int
}

var _ TaskScheduler = (*LocalScheduler)(nil)

// NewLocalScheduler returns a scheduler with n task slots.
func NewLocalScheduler(n int) *LocalScheduler { return &LocalScheduler{slots: max(n, 1)} }

// Slots implements TaskScheduler.
func (s *LocalScheduler) Slots() int { return s.slots }

// RunTasks implements TaskScheduler.
func (s *LocalScheduler) RunTasks(stage string, n int, task func(p int) error) error {
	if n <= 0 {
		return nil
	}
	if n == 1 || s.slots == 1 {
		for p := range n {
			if err := runTask(stage, p, task); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next     atomic.Int64
		failed   atomic.Bool
		firstErr error
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	for range min(s.slots, n) {
		wg.Go(func() {
			for !failed.Load() {
				p := int(next.Add(1) - 1)
				if p >= n {
					return
				}
				if err := runTask(stage, p, task); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// runTask runs one task, turning a panic into a *PanicError.
func runTask(stage string, p int, task func(p int) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(taskKilled); ok {
				err = &TaskError{Stage: stage, Partition: p, Err: ErrTaskKilled}
				return
			}
			err = &TaskError{Stage: stage, Partition: p, Err: &PanicError{Value: v, Stack: debug.Stack()}}
		}
	}()
	if err := task(p); err != nil {
		if _, ok := err.(*TaskError); ok {
			return err
		}
		return &TaskError{Stage: stage, Partition: p, Err: err}
	}
	return nil
}
