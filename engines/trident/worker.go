package trident

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// A Trident topology runs distributed the way engines/core's do (see
// core.Placement): every worker process compiles the same topology, runs
// the executors placed on it, and sends the tuples for the others' tasks
// over the transport. Nothing of Trident's coordination is shared in
// memory between workers; as in Storm Trident, it travels on system
// streams and in tuple trees, or sits in the coordination store:
//
//   - $batch, $commit and $success from the master batch coordinator
//     ($mastercoord-bg<N>, one spout task somewhere in the cluster) reach
//     the emitters and committers wherever they run, and their acks,
//     through the ackers, tell it that a batch was processed or committed;
//   - the emitters' answers to $drain tell it that the input is drained
//     (see masterCoordinator), which makes it exhausted, the signal a
//     cluster ends a bounded run by;
//   - the transaction metadata (the last committed txid, each partition's
//     batch offsets) is in the coordination store, under the topology's
//     name: every worker opens its own txstate.Store over the same
//     engines.KV. Each key has one writer (the coordinator writes the
//     committed txid, the emitter task that owns a partition that
//     partition's offsets), so a worker's copy of the keys it writes is
//     always current, and a worker restarted elsewhere loads them again.
//
// Per worker, not shared: the batch metrics (JobMetrics counts what this
// worker's tasks did), the memory states (an in-memory map state holds the
// keys of the partitions this worker runs, which is what a grouped
// persistentAggregate needs; a state queried from another bolt needs a
// store the workers share; a bbolt state file belongs to one process, so
// each worker opens its own), and a spout's readiness (spout.Readier): the
// coordinator sees where the batches of the emitters in its own process
// reached, and for partitions read elsewhere assumes that a batch would
// carry something if the partition holds any record, so it may start
// batches that turn out empty, never skip one that is not.

// workerRun is the worker a Job runs with RunWorker.
type workerRun struct {
	name    string
	cluster *core.LocalCluster
	shared  *processShared

	mu    sync.Mutex
	final *core.WorkerStatus // once RunWorker returned
}

// status is core's status of this worker with Error set to the first
// fatal Trident error of its tasks. engines/core's Error is the first error
// any task reported, but a Trident bolt reports every failed batch, as
// Storm's does, and a failed batch is replayed: only a batch failing
// trident.max.batch.attempts times, a sink that refuses writes
// (ErrStopRun) or a coordination store that refuses the committed txid
// ends the run.
func (w *workerRun) status() (core.WorkerStatus, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.final != nil {
		return *w.final, nil
	}
	st, err := w.cluster.WorkerStatus(w.name)
	if err != nil {
		return st, err
	}
	st.Error = st.Unrecoverable
	if err := w.shared.firstErr(); err != nil {
		st.Error = err.Error()
	}
	return st, nil
}

// stop records the last status, for WorkerStatus after RunWorker returned.
func (w *workerRun) stop() {
	st, err := w.status()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.final = &st
	} else {
		w.final = &core.WorkerStatus{Error: err.Error()}
	}
}

// Errors of the distributed mode.
var (
	// ErrNoSharedMetadata is returned by RunWorker for a topology of
	// several workers whose transaction metadata is not in a coordination
	// store: each worker would have its own txids.
	ErrNoSharedMetadata = errors.New("trident: the workers of a distributed topology need their transaction metadata in a coordination store they share")
	errNoWorker         = errors.New("trident: the job runs no worker")
)

// compileFor builds and compiles the job's topology over src and sink.
func (j *Job) compileFor(src engines.Source, sink engines.Sink) (*compiled, error) {
	topo, err := j.build(src, sink)
	if err != nil {
		return nil, fmt.Errorf("build trident topology %q: %w", j.name, err)
	}
	j.mu.Lock()
	st := j.txState
	j.mu.Unlock()
	return topo.compile(&compileOptions{txState: st, clock: j.clock.Now, tconf: j.tconf})
}

// Layout returns the executors of the engines/core topology the job's
// Trident topology over src and sink compiles into (the master batch
// coordinators, the spout bolts, the other bolts and the ackers), in the
// order a core.Placement places them, as core.Job.Layout does. Nothing is
// opened or started.
func (j *Job) Layout(src engines.Source, sink engines.Sink) ([]core.ExecutorInfo, error) {
	c, err := j.compileFor(src, sink)
	if err != nil {
		return nil, err
	}
	cj, err := core.NewJob(j.name, nil, j.coreConf, func(engines.Source, engines.Sink) (*core.StormTopology, error) { return c.topology, nil })
	if err != nil {
		return nil, err
	}
	return cj.Layout(src, sink)
}

// RunWorker runs one worker process's share of the job's topology, as
// core.Job.RunWorker does: the executors pl places on pl.Worker, reading
// src and writing to sink, with tuples for other workers' tasks sent
// through pl's transport. Every worker must be given the same topology and
// configuration. A worker does not decide when a bounded run is over: it
// runs until ctx ends, returning ctx.Err(), or until one of its tasks meets
// a fatal Trident error (a batch failed trident.max.batch.attempts times,
// a sink refused its outputs, the coordination store refused a commit),
// which it returns. WorkerStatus gives the progress the cluster judges the
// end by: the worker running a batch group's master coordinator reports
// it exhausted once the batch that drained the input, and every batch
// before it, has committed. seed fixes the random tuple and edge ids and
// shuffles of this worker's tasks.
//
// With more than one worker the transaction metadata must be in a
// coordination store (RunWorkerInput with engines.Input.Coordination, or
// WithTransactionalState given a *txstate.Store); in-memory metadata
// cannot be shared, and RunWorker refuses with ErrNoSharedMetadata. A
// topology with DRPC streams is refused: LocalDRPC lives in one process.
func (j *Job) RunWorker(ctx context.Context, src engines.Source, sink engines.Sink, pl core.Placement, seed uint64) error {
	j.mu.Lock()
	if j.ran {
		j.mu.Unlock()
		return errJobRan
	}
	j.ran = true
	_, shared := j.txState.(*txstate.Store)
	where := j.txWhere
	j.mu.Unlock()
	workers := pl.Worker + 1
	for _, w := range pl.WorkerOf {
		workers = max(workers, w+1)
	}
	if workers > 1 && !shared {
		return fmt.Errorf("%w: topology %q has %d workers but its metadata is in %s; run each worker with RunWorkerInput and the run's coordination store", ErrNoSharedMetadata, j.name, workers, where)
	}
	c, err := j.compileFor(src, sink)
	if err != nil {
		return err
	}
	if c.drpc {
		return fmt.Errorf("%w: topology %q serves DRPC streams, whose LocalDRPC lives in one process; run it with Run", ErrInvalidTopology, j.name)
	}
	// Each worker draws its ids from its own sequence, as core's workers do.
	cluster := core.NewLocalCluster(core.WithClock(j.clock), core.WithSeed(seed^uint64(pl.Worker+1)*0x9e3779b97f4a7c15))
	defer cluster.Shutdown()
	if err := cluster.SubmitTopologyPlaced(j.name, j.coreConf, c.topology, &pl); err != nil {
		return err
	}
	w := &workerRun{name: j.name, cluster: cluster, shared: c.shared}
	j.mu.Lock()
	j.worker = w
	j.mu.Unlock()
	var runErr error
	select {
	case <-ctx.Done():
		runErr = ctx.Err()
	case <-c.shared.failed:
		runErr = c.shared.firstErr()
	}
	w.stop()
	cm, cerr := cluster.Metrics(j.name)
	// The worker stops at once, as Storm's supervisor kills a worker
	// process: what its queues hold is dropped.
	cluster.KillTopologyWithOpts(j.name, core.KillOptions{})
	m := c.shared.metrics.snapshot()
	if cerr == nil {
		m.Core = &cm
	}
	j.mu.Lock()
	j.metrics = &m
	j.mu.Unlock()
	return runErr
}

// WorkerStatus returns the progress of the worker RunWorker runs (after it
// returned, as it stood then), for the cluster's four-counter termination
// check (core.WorkerStatus). Its Error is the first fatal Trident error of
// the worker's tasks; the errors of batches that were replayed show in
// the metrics only.
func (j *Job) WorkerStatus() (core.WorkerStatus, error) {
	j.mu.Lock()
	w := j.worker
	j.mu.Unlock()
	if w == nil {
		return core.WorkerStatus{}, errNoWorker
	}
	return w.status()
}

// RunWorkerInput is RunWorker over a run's input: its log (engines.KindLog,
// the only kind a worker reads: a socket, a queue or a feed hands each
// record to one reader, and a worker's spout tasks read only their own
// partitions) and its coordination store. When in.Coordination is set and
// the job was not given a TransactionalState of its own, the transaction
// metadata lives there under the topology's name, as RunInput keeps it,
// so that every worker sees the same txids.
func (j *Job) RunWorkerInput(ctx context.Context, in engines.Input, sink engines.Sink, pl core.Placement, seed uint64) error {
	if in.Kind != engines.KindLog && in.Kind != "" {
		return fmt.Errorf("%w: a trident worker reads a log, not %s", engines.ErrSourceKind, in.Kind.Noun())
	}
	if err := j.useCoordination(ctx, in); err != nil {
		return err
	}
	return j.RunWorker(ctx, in.Log, sink, pl, seed)
}

// useCoordination keeps the metadata in the run's coordination store,
// unless the job was given a TransactionalState of its own.
func (j *Job) useCoordination(ctx context.Context, in engines.Input) error {
	if in.Coordination == nil || j.ownState {
		return nil
	}
	st, err := txstate.OpenStore(ctx, in.Coordination, storePrefix(j.name))
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.txState, j.txWhere = st, "coordination store, under "+storePrefix(j.name)
	j.mu.Unlock()
	return nil
}
