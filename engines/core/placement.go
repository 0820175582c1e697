package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/streambench/streambench/engines"
)

// ExecutorInfo is one executor of a topology: a component and the
// contiguous range of its task ids the executor runs. Executors are listed
// in a fixed order (components by id, then executor by executor), the order
// in which a Placement places them.
type ExecutorInfo struct {
	Component string
	FirstTask int
	LastTask  int
}

// WireCodec encodes the tuple batches that cross worker processes: the
// codec a cluster transport writes into its frames.
type WireCodec interface {
	Name() string
	AppendBatch(buf []byte, batch []Tuple) []byte
	DecodeBatch(payload []byte) ([]Tuple, error)
}

// Placement puts the executors of a distributed topology on worker
// processes, as a Storm assignment maps executors to worker slots: every
// process of the topology builds the same plan (the same tasks, streams and
// groupings) and runs the executors placed on it; tuples for the tasks of
// the others cross the transport.
type Placement struct {
	// Worker is the index of the worker this process is.
	Worker int
	// WorkerOf gives the worker of each executor, indexed as Layout lists
	// the executors.
	WorkerOf []int
	// Transport connects this worker's executors with the other workers':
	// local holds the receive queue of each task run here, remote the
	// worker of every other task. codec encodes the topology's tuples (its
	// Name differs between topologies, so two workers of different
	// topologies refuse each other).
	Transport func(codec WireCodec, local map[int]*engines.Queue[Tuple], remote map[int]int) (engines.Transport[Tuple], error)

	runs []bool // by task id: run by this worker
}

// bind checks the placement against plan p and returns the number of
// workers it uses.
func (pl *Placement) bind(p *plan) (int, error) {
	execs := p.executors()
	if len(pl.WorkerOf) != len(execs) {
		return 0, fmt.Errorf("%w: the placement places %d executors, but the topology has %d", ErrInvalidTopology, len(pl.WorkerOf), len(execs))
	}
	if pl.Transport == nil {
		return 0, fmt.Errorf("%w: the placement has no transport", ErrInvalidTopology)
	}
	workers := pl.Worker + 1
	pl.runs = make([]bool, p.numTasks+1)
	for i, w := range pl.WorkerOf {
		if w < 0 || pl.Worker < 0 {
			return 0, fmt.Errorf("%w: executor %d is placed on worker %d (workers are numbered from 0)", ErrInvalidTopology, i, w)
		}
		workers = max(workers, w+1)
		if w == pl.Worker {
			for id := execs[i].FirstTask; id <= execs[i].LastTask; id++ {
				pl.runs[id] = true
			}
		}
	}
	return workers, nil
}

func (pl *Placement) runsTask(_ *plan, id int) bool { return pl.runs[id] }

// executors lists the plan's executors in placement order: the order in
// which assign lays them out.
func (p *plan) executors() []ExecutorInfo {
	var out []ExecutorInfo
	for _, cp := range p.comps {
		n := cp.executors
		for i := range n {
			lo, hi := i*len(cp.tasks)/n, (i+1)*len(cp.tasks)/n
			out = append(out, ExecutorInfo{Component: cp.id, FirstTask: cp.tasks[lo], LastTask: cp.tasks[hi-1]})
		}
	}
	return out
}

// WorkerStatus is the progress of one worker process of a distributed
// topology, from which the cluster tells that a bounded run has finished:
// every spout exhausted, no tuple tree pending, and every tuple handed to
// the transport processed. Sent and Done count hand-offs monotonically;
// Inflight is this process's side of them (what it sent minus what it
// processed, plus the spout rounds running), so it may be negative while
// another worker holds what this one sent. Summed over the workers, in two
// successive readings that agree (so nothing moved between them), Inflight
// zero and Sent equal to Done mean that nothing is left anywhere: the
// four-counter termination check.
type WorkerStatus struct {
	Exhausted bool  `json:"exhausted"`
	Pending   int64 `json:"pending"`
	Inflight  int64 `json:"inflight"`
	Sent      int64 `json:"sent"`
	Done      int64 `json:"done"`
	// Error is the first error a task of this worker reported, if any.
	Error string `json:"error,omitempty"`
	// Unrecoverable is the first error no replay can cure: a tuple the
	// transport refused for good (a value the topology's codec cannot
	// encode, a peer that refused this worker). Engines on top of core
	// that report replayable failures as errors (Trident) end the run on
	// it.
	Unrecoverable string `json:"unrecoverable,omitempty"`
}

// workerStatus reads the worker's progress.
func (tp *topology) workerStatus() WorkerStatus {
	st := WorkerStatus{Done: tp.done.Load(), Exhausted: true}
	for _, t := range tp.taskList() {
		if t.spout != nil && (t.finite == nil || !t.exhausted.Load()) {
			st.Exhausted = false
		}
		st.Pending += t.pendingCount.Load()
	}
	st.Inflight = tp.inflight.Load()
	st.Sent = tp.sent.Load()
	tp.mu.Lock()
	if tp.firstErr != nil {
		st.Error = tp.firstErr.Error()
	}
	if tp.unrecoverable != nil {
		st.Unrecoverable = tp.unrecoverable.Error()
	}
	tp.mu.Unlock()
	return st
}

// Layout returns the executors of the job's topology over src and sink, in
// the order a Placement places them: what a cluster's master deals out to
// the worker slots. Nothing is opened or started.
func (j *Job) Layout(src engines.Source, sink engines.Sink) ([]ExecutorInfo, error) {
	topology, err := j.build(src, sink)
	if err != nil {
		return nil, fmt.Errorf("build topology %q: %w", j.name, err)
	}
	p, err := buildPlan(j.name, j.clusterConf, j.conf, topology, 0)
	if err != nil {
		return nil, err
	}
	return p.executors(), nil
}

// errNoStatus is returned by WorkerStatus before RunWorker has started.
var errNoStatus = errors.New("core: the job runs no worker")

// WorkerStatus returns the progress of the worker RunWorker runs.
func (j *Job) WorkerStatus() (WorkerStatus, error) {
	j.mu.Lock()
	tp := j.worker
	j.mu.Unlock()
	if tp == nil {
		return WorkerStatus{}, errNoStatus
	}
	return tp.workerStatus(), nil
}

// RunWorker runs one worker process's share of the job's topology: the
// executors pl places on pl.Worker, reading src (each spout task its own
// partitions) and writing to sink, with tuples for other workers' tasks
// sent through pl's transport. A worker does not decide when a bounded
// run is over (another worker may still hold tuples for it): it runs until
// ctx ends, returning ctx.Err(), or until one of its tasks reports an
// error, which it returns. WorkerStatus gives the progress the cluster
// judges the end by. seed fixes the random tuple and edge ids and shuffles
// of this worker's tasks.
func (j *Job) RunWorker(ctx context.Context, src engines.Source, sink engines.Sink, pl Placement, seed uint64) error {
	return j.runWorker(ctx, src, sink, pl, seed, nil)
}

// RunWorkerInput is RunWorker over a log input whose Coordination, the
// store every worker of the topology shares, keeps the spouts' committed
// offsets: a worker process that is killed and started again resumes its
// partitions there (see SourceSpout). Without one, each worker keeps its
// offsets in its own memory, and a restarted worker reads its partitions
// from the start.
func (j *Job) RunWorkerInput(ctx context.Context, in engines.Input, sink engines.Sink, pl Placement, seed uint64) error {
	if in.Kind != engines.KindLog && in.Kind != "" {
		return fmt.Errorf("%w: a worker of a distributed core topology reads a log, not %s", engines.ErrSourceKind, in.Kind.Noun())
	}
	return j.runWorker(ctx, in.Log, sink, pl, seed, in.Coordination)
}

func (j *Job) runWorker(ctx context.Context, src engines.Source, sink engines.Sink, pl Placement, seed uint64, coord engines.KV) error {
	j.mu.Lock()
	if j.ran {
		j.mu.Unlock()
		return errJobRan
	}
	j.ran = true
	j.mu.Unlock()
	topology, err := j.build(src, sink)
	if err != nil {
		return fmt.Errorf("build topology %q: %w", j.name, err)
	}
	opts := []ClusterOption{WithConfig(j.clusterConf), WithClock(j.clock), WithSeed(seed ^ uint64(pl.Worker+1)*0x9e3779b97f4a7c15)}
	if coord != nil {
		opts = append(opts, WithCoordination(coord))
	}
	cluster := NewLocalCluster(opts...)
	defer cluster.Shutdown()
	if err := cluster.submit(j.name, j.conf, topology, &pl); err != nil {
		return err
	}
	tp, err := cluster.get(j.name)
	if err != nil {
		return err
	}
	errc := tp.errors()
	j.mu.Lock()
	j.worker = tp
	j.mu.Unlock()
	var runErr error
	select {
	case <-ctx.Done():
		runErr = ctx.Err()
	case runErr = <-errc:
	}
	m := tp.metrics()
	j.mu.Lock()
	j.metrics = &m
	j.mu.Unlock()
	// The cluster stops a worker at once, as Storm's supervisor kills a
	// worker process: what its queues hold is dropped.
	cluster.KillTopologyWithOpts(j.name, KillOptions{})
	return runErr
}

// Terminated applies the four-counter termination check to two successive
// readings of every worker's status (prev, then cur, indexed alike): every
// spout exhausted and no tree pending, nothing moved between the readings,
// and summed over the workers nothing in flight and every hand-off sent
// also processed. A first reading (prev nil) is never enough.
func Terminated(prev, cur []WorkerStatus) bool {
	if prev == nil || len(prev) != len(cur) {
		return false
	}
	var inflight, sent, done int64
	for i, st := range cur {
		if !st.Exhausted || st.Pending != 0 || st != prev[i] {
			return false
		}
		inflight, sent, done = inflight+st.Inflight, sent+st.Sent, done+st.Done
	}
	return inflight == 0 && sent == done
}
