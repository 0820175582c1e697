package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streambench/streambench/engines"
)

// maxErrors is how many recent errors a topology keeps per component, as
// Storm's UI shows the last ones.
const maxErrors = 10

// topology is a running topology: its tasks, fixed for its life, and the
// current assignment of those tasks to executors and workers.
type topology struct {
	cluster *LocalCluster
	plan    *plan
	clock   Clock
	log     *slog.Logger
	tasks   []*task // by task id; tasks[0] is nil; replaced whole under mu
	pool    *batchPool
	started time.Time

	active    atomic.Bool
	quiescing atomic.Bool
	// inflight counts tuples handed to the transport and not yet
	// processed, plus one token per spout round or timer callback running:
	// zero means nothing can be emitting. In a worker of a distributed
	// topology it counts this process's side only (a tuple sent to another
	// worker is processed there), so it can go below zero; sent and done
	// count the same hand-offs monotonically, for the cluster's
	// termination check (WorkerStatus).
	inflight atomic.Int64
	sent     atomic.Int64
	done     atomic.Int64

	// placement is nil in local mode; in a worker process of a cluster it
	// says which executors this process runs.
	placement *Placement
	// coord is the topology's coordination store (see WithCoordination).
	coord engines.KV

	// life serializes the lifecycle operations that stop executors: kill
	// and rebalance.
	life sync.Mutex

	mu       sync.Mutex // guards what follows
	asg      *assignment
	status   string
	errs     []ErrorInfo
	firstErr error
	// unrecoverable is the first error no replay can cure (see
	// WorkerStatus.Unrecoverable).
	unrecoverable error
	onError       func(error)
}

// assignment is one placement of the tasks on executors and workers. A
// rebalance stops one assignment and starts another.
type assignment struct {
	ctx       context.Context
	cancel    context.CancelFunc
	workers   []*worker
	executors []*executor
	transport engines.Transport[Tuple]
	workerOf  []int // worker index by task id
	wg        sync.WaitGroup
	start     time.Time
}

// worker is Storm's worker: in local mode a group of executor goroutines
// that share a context, so that it can be stopped as a group.
type worker struct {
	index     int
	executors []*executor
	ctx       context.Context
	cancel    context.CancelFunc
}

// newTopology creates the tasks of p and opens or prepares each of them;
// in a worker of a distributed topology (pl not nil), only the tasks of
// the executors placed on it.
func newTopology(c *LocalCluster, p *plan, pl *Placement) (*topology, error) {
	maxBatch := 1
	for _, cp := range p.comps {
		maxBatch = max(maxBatch, cp.batchSize)
	}
	tp := &topology{
		cluster: c, plan: p, clock: c.clock, log: c.log,
		tasks:     make([]*task, p.numTasks+1),
		pool:      newBatchPool(maxBatch, 4096),
		started:   c.clock.Now(),
		status:    "ACTIVE",
		placement: pl,
		coord:     c.coord,
	}
	if tp.coord == nil {
		tp.coord = engines.NewMemoryKV()
	}
	for _, cp := range p.comps {
		for _, id := range cp.tasks {
			if pl == nil || pl.runsTask(p, id) {
				tp.tasks[id] = tp.newTask(cp, id, 0)
			}
		}
	}
	var errs []error
	var opened []*task
	for _, t := range tp.taskList() {
		if err := t.open(); err != nil {
			errs = append(errs, &TaskError{Component: t.comp.id, Task: t.id, Err: err})
			break
		}
		opened = append(opened, t)
	}
	if len(errs) > 0 {
		for _, t := range opened {
			t.close()
		}
		return nil, errors.Join(errs...)
	}
	return tp, nil
}

// newTask makes incarnation n of task id: 0 at submission, one more at
// each restart of its worker. Each incarnation draws its root and edge ids
// from a sequence of its own, so a restarted spout never reuses the root
// id of a tree its predecessor left pending at an acker.
func (tp *topology) newTask(cp *compPlan, id, incarnation int) *task {
	t := &task{id: id, comp: cp, topo: tp, stats: newTaskStats(len(cp.streams)), incarnation: incarnation}
	t.context = &TopologyContext{plan: tp.plan, comp: cp, taskID: id, coord: tp.coord}
	t.rng = rng{s: seedFor(tp.plan.seed^bits.RotateLeft64(uint64(incarnation)*0xd1b54a32d192ed03, 29), id)}
	switch {
	case cp.isAcker:
		t.acker = newAcker()
	case cp.isSpout:
		t.spout = cloneComponent(cp.def.spout)
		t.finite, _ = t.spout.(FiniteSpout)
		t.spoutCollector = &SpoutOutputCollector{t: t}
		t.pending = newRotatingMap[pendingTuple](2)
	default:
		switch cp.boltKind {
		case kindBasic:
			t.basic = cloneComponent(cp.def.bolt.(BasicBolt))
			t.basicCollector = &BasicOutputCollector{t: t}
			t.flusher, _ = t.basic.(Flusher)
		case kindRich:
			t.bolt = cloneComponent(cp.def.bolt.(Bolt))
			t.flusher, _ = t.bolt.(Flusher)
		case kindWindowed:
			t.window = newWindowedExecutor(t, cloneComponent(cp.def.bolt.(WindowedBolt)))
			t.bolt = t.window
		}
		t.collector = &OutputCollector{t: t}
	}
	return t
}

// open calls Open or Prepare. It runs before any executor starts.
func (t *task) open() error {
	var err error
	perr := safeCall(func() {
		switch {
		case t.spout != nil:
			err = t.spout.Open(t.comp.conf, t.context, t.spoutCollector)
		case t.basic != nil:
			err = t.basic.Prepare(t.comp.conf, t.context)
		case t.bolt != nil:
			err = t.bolt.Prepare(t.comp.conf, t.context, t.collector)
		}
	})
	if perr != nil {
		return perr
	}
	return err
}

// close calls Close or Cleanup, once the executors have stopped.
func (t *task) close() {
	err := safeCall(func() {
		switch {
		case t.spout != nil:
			t.spout.Close()
		case t.basic != nil:
			t.basic.Cleanup()
		case t.bolt != nil:
			t.bolt.Cleanup()
		}
	})
	if err != nil {
		t.reportError(err)
	}
}

// reportError records an error reported by a task.
func (tp *topology) reportError(err *TaskError) {
	tp.mu.Lock()
	n := 0
	for _, e := range tp.errs {
		if e.Component == err.Component {
			n++
		}
	}
	if n >= maxErrors {
		i := slices.IndexFunc(tp.errs, func(e ErrorInfo) bool { return e.Component == err.Component })
		tp.errs = slices.Delete(tp.errs, i, i+1)
	}
	tp.errs = append(tp.errs, ErrorInfo{Component: err.Component, Task: err.Task, Error: err.Err.Error(), Time: tp.clock.Now()})
	if tp.firstErr == nil {
		tp.firstErr = err
	}
	hook := tp.onError
	tp.mu.Unlock()
	tp.log.Error("task reported an error", "topology", tp.plan.name, "component", err.Component, "task", err.Task, "error", err.Err)
	if hook != nil {
		hook(err)
	}
}

// assign lays the tasks out on workers and executors and starts them.
// executors gives each component's executor count; tasks are split into
// contiguous, nearly equal ranges, one per executor, and executors are dealt
// round-robin over the workers in component order, as Storm's even
// scheduler does.
func (tp *topology) assign(workers int, executors map[string]int) error {
	p := tp.plan
	a := &assignment{workerOf: make([]int, p.numTasks+1), start: tp.clock.Now()}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	for i := range workers {
		w := &worker{index: i}
		w.ctx, w.cancel = context.WithCancel(a.ctx)
		a.workers = append(a.workers, w)
	}
	queues := make([]*engines.Queue[Tuple], p.numTasks+1)
	next := 0
	pl := tp.placement
	for _, cp := range p.comps {
		n := executors[cp.id]
		cp.executors = n
		for i := range n {
			lo, hi := i*len(cp.tasks)/n, (i+1)*len(cp.tasks)/n
			w := a.workers[next%workers]
			if pl != nil {
				w = a.workers[pl.WorkerOf[next]]
			}
			next++
			if pl != nil && w.index != pl.Worker {
				// Another process runs this executor: the transport
				// reaches its tasks there.
				for _, id := range cp.tasks[lo:hi] {
					a.workerOf[id] = w.index
				}
				continue
			}
			e := &executor{
				topo: tp, asg: a, comp: cp, worker: w, ctx: w.ctx, exited: make(chan struct{}),
				first:   cp.tasks[lo],
				queue:   engines.NewQueue[Tuple](cp.queueCap),
				batches: make([][]Tuple, p.numTasks+1),
				recycle: cp.isSpout || cp.isAcker || cp.boltKind == kindBasic,
				settle:  !cp.isSpout && !cp.isAcker && cp.boltKind == kindRich && reusesTuples(cp.def.bolt),
			}
			for _, id := range cp.tasks[lo:hi] {
				t := tp.tasks[id]
				t.exec = e
				e.tasks = append(e.tasks, t)
				queues[id] = e.queue
				a.workerOf[id] = w.index
			}
			w.executors = append(w.executors, e)
			a.executors = append(a.executors, e)
		}
	}
	if pl == nil {
		a.transport = engines.NewLocalTransport(queues)
	} else {
		local, remote := make(map[int]*engines.Queue[Tuple]), make(map[int]int)
		for id := 1; id <= p.numTasks; id++ {
			if queues[id] != nil {
				local[id] = queues[id]
			} else {
				remote[id] = a.workerOf[id]
			}
		}
		tr, err := pl.Transport(newTupleCodec(p), local, remote)
		if err != nil {
			a.cancel()
			return fmt.Errorf("worker %d: transport: %w", pl.Worker, err)
		}
		a.transport = tr
	}
	for _, t := range tp.taskList() {
		t.build(a)
	}
	tp.mu.Lock()
	tp.asg = a
	tp.mu.Unlock()
	a.wg.Add(len(a.executors))
	for _, e := range a.executors {
		go e.run()
	}
	tp.watchStuck(a.ctx)
	return nil
}

func reusesTuples(b Component) bool {
	r, ok := b.(TupleReuser)
	return ok && r.ReuseAckedTuples()
}

// stop stops the current assignment's executors, waits for them, and
// returns how many tuples they still held.
func (tp *topology) stop() int64 {
	tp.mu.Lock()
	a := tp.asg
	tp.mu.Unlock()
	if a == nil {
		return 0
	}
	a.cancel()
	a.wg.Wait()
	a.transport.Close()
	var n int64
	for _, e := range a.executors {
		n += e.discard()
	}
	for _, w := range a.workers {
		w.cancel()
	}
	return n
}

// taskList returns the current tasks this process runs, by id from 1 (in
// a worker of a distributed topology, those of its executors). A killed
// worker's tasks are replaced by new ones (copy on write), so readers
// outside the lifecycle lock take the list under mu.
func (tp *topology) taskList() []*task {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.placement == nil {
		return tp.tasks[1:]
	}
	out := make([]*task, 0, len(tp.tasks))
	for _, t := range tp.tasks[1:] {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// pending returns the tuple trees in flight over all spout tasks.
func (tp *topology) pending() int64 {
	var n int64
	for _, t := range tp.taskList() {
		n += t.pendingCount.Load()
	}
	return n
}

// drained reports whether nothing is in flight: no tuple queued or being
// processed, and no tuple tree incomplete.
func (tp *topology) drained() bool {
	return tp.pending() == 0 && tp.inflight.Load() == 0
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(deadline time.Time, cond func() bool) bool {
	for wait := 50 * time.Microsecond; ; wait = min(2*wait, 5*time.Millisecond) {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}

// quiesceGrace bounds how long a stop waits for queued tuples to be
// processed after the drain wait, before it stops the executors anyway
// (Storm stops the workers with whatever they hold).
const quiesceGrace = 10 * time.Second

// drainAndStop deactivates the spouts, waits up to wait for the tuple trees
// in flight to complete, then stops emitting everywhere and stops the
// executors. With quiesce, it first lets the queues empty (up to
// quiesceGrace), so that nothing queued is lost: a rebalance, or a kill
// with a wait. A kill without a wait stops at once, as Storm's does, and
// drops what the queues held.
func (tp *topology) drainAndStop(wait time.Duration, status string, quiesce bool) {
	tp.mu.Lock()
	tp.status = status
	tp.mu.Unlock()
	tp.active.Store(false)
	if wait > 0 {
		waitFor(time.Now().Add(wait), tp.drained)
	}
	tp.quiescing.Store(true)
	if quiesce {
		waitFor(time.Now().Add(quiesceGrace), func() bool { return tp.inflight.Load() == 0 })
	}
	if n := tp.stop(); n > 0 && quiesce {
		tp.log.Warn("stopped with tuples still queued; they are dropped", "topology", tp.plan.name, "tuples", n)
	}
	tp.inflight.Store(0)
}

// metrics returns the topology's metrics.
func (tp *topology) metrics() TopologyMetrics {
	tp.mu.Lock()
	a := tp.asg
	tasks := tp.tasks
	m := TopologyMetrics{Name: tp.plan.name, Status: tp.status, Errors: slices.Clone(tp.errs)}
	tp.mu.Unlock()
	now := tp.clock.Now()
	m.Uptime = now.Sub(tp.started)
	var elapsed time.Duration
	if a != nil {
		m.Workers = len(a.workers)
		elapsed = now.Sub(a.start)
	}
	for _, cp := range tp.plan.comps {
		cm := ComponentMetrics{Component: cp.id, Type: "bolt", Executors: cp.executors}
		switch {
		case cp.isSpout:
			cm.Type = "spout"
		case cp.isAcker:
			cm.Type = "acker"
		}
		var ts []*task
		for _, id := range cp.tasks {
			if tasks[id] == nil {
				continue // run by another worker process
			}
			ts = append(ts, tasks[id])
			cm.Tasks = append(cm.Tasks, tasks[id].metrics(elapsed))
		}
		cm.TaskMetrics = aggregate(cm.Tasks, ts)
		cm.Receive = receiveQueue(a, cp)
		cm.Builtin[MetricReceivePopulation] = float64(cm.Receive.Population)
		cm.Builtin[MetricReceiveCapacity] = float64(cm.Receive.Capacity)
		cm.Builtin[MetricReceivePctFull] = cm.Receive.PctFull
		m.Components = append(m.Components, cm)
	}
	return m
}

func (tp *topology) String() string { return fmt.Sprintf("topology %q", tp.plan.name) }
