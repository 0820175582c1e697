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

// Job runs a Trident topology on its own engines/core LocalCluster as an
// engines.Engine. The topology is built by a function of the run's source
// and sink; its spouts must read bounded input (a source spout over the
// run's engines.Source does). Run returns nil once the batch that reached
// the end of every closed partition has committed, in every batch group
// (so every record was processed and its effect committed exactly as the
// states promise); the first fatal error (a batch failing
// trident.max.batch.attempts times, a coordination store error); or
// ctx.Err().
type Job struct {
	name     string
	conf     core.Config
	tconf    tridentConf
	coreConf core.Config
	build    func(src engines.Source, sink engines.Sink) (*TridentTopology, error)
	txState  txstate.TransactionalState
	ownState bool // txState was given by WithTransactionalState
	txWhere  string
	clock    core.Clock

	// extra are the settings JobFor chose outside the Storm configuration
	// (the batch size, the state kind), recorded with it.
	extra engines.Settings

	mu      sync.Mutex
	ran     bool
	metrics *JobMetrics
	worker  *workerRun // while and after RunWorker runs
}

var (
	_ engines.Engine          = (*Job)(nil)
	_ engines.InputRunner     = (*Job)(nil)
	_ engines.MetricsReporter = (*Job)(nil)
)

// JobOption configures a Job.
type JobOption func(*Job)

// WithTransactionalState keeps the coordination metadata in s (a
// txstate.Bolt file to resume after a restart); in memory by default.
func WithTransactionalState(s txstate.TransactionalState) JobOption {
	return func(j *Job) { j.txState, j.ownState = s, true }
}

// WithClock runs the job on clock instead of the wall clock: the batch
// coordinators time topology.trident.batch.emit.interval.millis and the
// windows by it, and the engines/core cluster under the job its message
// timeouts and ticks, as Storm's simulated time drives a whole local
// cluster. A test gives a core.ManualClock and moves it by hand: a new
// batch starts when the clock has moved an emit interval past the last
// one's start, and not before.
func WithClock(clock core.Clock) JobOption { return func(j *Job) { j.clock = clock } }

// NewJob returns a job that submits the topology build returns under name
// with conf, a Storm configuration with Trident's keys among engines/core's.
// Trident's keys are checked here; engines/core checks the rest when the
// topology is submitted.
func NewJob(name string, conf core.Config, build func(src engines.Source, sink engines.Sink) (*TridentTopology, error), opts ...JobOption) (*Job, error) {
	if build == nil {
		return nil, errors.New("trident job needs a topology builder")
	}
	tconf, coreConf, err := splitConfig(conf)
	if err != nil {
		return nil, err
	}
	j := &Job{name: name, conf: conf, tconf: tconf, coreConf: coreConf, build: build, clock: core.WallClock{}}
	for _, o := range opts {
		o(j)
	}
	if j.txState == nil {
		j.txState, j.txWhere = txstate.NewMemory(), "memory"
	} else {
		j.txWhere = fmt.Sprintf("%T", j.txState)
	}
	return j, nil
}

// Settings implements engines.Engine: engines/core's defaults under the
// job's configuration, and Trident's keys with their effective values.
func (j *Job) Settings() engines.Settings {
	s := engines.Settings{}
	for k, v := range core.DefaultConfig() {
		s[k] = v
	}
	for k, v := range j.coreConf {
		s[k] = v
	}
	s[core.TopologyName] = j.name
	s[core.TopologyMaxSpoutPending] = j.tconf.maxPending
	s[TopologyTridentBatchEmitIntervalMillis] = j.tconf.emitInterval.Milliseconds()
	s[TridentMaxBatchAttempts] = j.tconf.maxAttempts
	for k, v := range j.extra {
		s[k] = v
	}
	j.mu.Lock()
	s[SettingTransactionalState] = j.txWhere
	j.mu.Unlock()
	return s
}

// JobMetrics are a Trident run's metrics: the batch coordinators' counts
// and the engines/core metrics of the compiled topology. For a worker of a
// distributed topology (RunWorker) they are that worker's alone: the batch
// counts and times are the coordinators' it ran (zero on a worker that ran
// none), TuplesEmitted its emitters', and Core its tasks'; a cluster adds
// the workers' counts up.
type JobMetrics struct {
	BatchesStarted   int64 `json:"batches_started"`
	BatchesCommitted int64 `json:"batches_committed"`
	BatchesFailed    int64 `json:"batches_failed"`
	// TuplesEmitted counts the tuples the spouts emitted, replays included.
	TuplesEmitted int64 `json:"tuples_emitted"`
	// MeanBatchMillis is the mean time from a batch's start to the end of
	// its commit, replays included.
	MeanBatchMillis float64 `json:"mean_batch_ms"`
	MaxInFlight     int64   `json:"max_batches_in_flight"`
	// Core holds the per-component metrics of the compiled topology.
	Core *core.TopologyMetrics `json:"core,omitempty"`
}

// Metrics implements engines.MetricsReporter.
func (j *Job) Metrics() any {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.metrics == nil {
		return nil
	}
	return *j.metrics
}

var errJobRan = errors.New("trident: a Job runs once")

// SettingTransactionalState is the setting a Job's Settings name where
// its transaction metadata lives: memory, the run's coordination store, or
// the type of the TransactionalState it was given.
const SettingTransactionalState = "trident.transactional.state"

// storePrefix turns a topology name into a coordination-store prefix.
func storePrefix(name string) string {
	out := []byte("trident-")
	for _, c := range []byte(name) {
		if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			out = append(out, c)
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

// Run implements engines.Engine.
func (j *Job) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	j.mu.Lock()
	if j.ran {
		j.mu.Unlock()
		return errJobRan
	}
	j.ran = true
	j.mu.Unlock()

	c, err := j.compileFor(src, sink)
	if err != nil {
		return err
	}
	cluster := core.NewLocalCluster(core.WithClock(j.clock))
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology(j.name, j.coreConf, c.topology); err != nil {
		return err
	}
	var runErr error
	select {
	case <-c.shared.done:
	case <-c.shared.failed:
		runErr = c.shared.firstErr()
	case <-ctx.Done():
		runErr = ctx.Err()
	}
	cm, cerr := cluster.Metrics(j.name)
	if err := cluster.KillTopologyWithOpts(j.name, core.KillOptions{WaitSecs: 0}); err != nil && runErr == nil {
		runErr = err
	}
	// The batch counts once every task stopped, so they include the
	// commits that raced with the end of the run.
	m := c.shared.metrics.snapshot()
	if cerr == nil {
		m.Core = &cm
	}
	j.mu.Lock()
	j.metrics = &m
	j.mu.Unlock()
	return runErr
}

// RunInput implements engines.InputRunner: Run over a log, or over a text
// socket per partition (engines.KindSocket) read through an
// engines.ForwardSource, which only moves forward. Over it JobFor's
// at-most-once spout, the non-transactional batch spout, emits each batch
// from what the sockets delivered; a transactional or opaque spout would
// need to fetch a batch again, which a socket cannot give, so the socket
// connector offers at-most-once only (Spec.Connectors). A connection that
// closes before its partition's end line fails the run with an error
// naming the address. A queue or a feed is read the same way, through
// engines.ReceiveForward: the non-transactional spout over a reader that
// acks a queue's messages as they arrive (the plainest form of storm-jms's
// Trident spout), at-most-once.
//
// When the run gives a coordination store (in.Coordination) and the job
// was not given a TransactionalState of its own, the transaction metadata
// lives there, under the topology's name, as Storm keeps it in ZooKeeper:
// a topology restarted on the same store resumes after the last committed
// txid and replays the batches in flight from their recorded offsets.
func (j *Job) RunInput(ctx context.Context, in engines.Input, sink engines.Sink) error {
	if err := j.useCoordination(ctx, in); err != nil {
		return err
	}
	switch in.Kind {
	case engines.KindLog, "":
		return j.Run(ctx, in.Log, sink)
	case engines.KindSocket:
		src, err := engines.DialSockets(ctx, in.Addrs, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		return j.Run(ctx, src, sink)
	case engines.KindQueue, engines.KindFeed:
		src, err := engines.ReceiveForward(in, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		return j.Run(ctx, src, sink)
	}
	return fmt.Errorf("%w: trident reads a log, a socket, a queue or a feed, not %s", engines.ErrSourceKind, in.Kind.Noun())
}

func (m *batchMetrics) snapshot() JobMetrics {
	out := JobMetrics{
		BatchesStarted:   m.batchesStarted.Load(),
		BatchesCommitted: m.batchesCommitted.Load(),
		BatchesFailed:    m.batchesFailed.Load(),
		TuplesEmitted:    m.tuplesEmitted.Load(),
		MaxInFlight:      m.maxInFlight.Load(),
	}
	if out.BatchesCommitted > 0 {
		out.MeanBatchMillis = float64(m.commitNanos.Load()) / float64(out.BatchesCommitted) / 1e6
	}
	return out
}
