package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// Job runs a topology on its own LocalCluster as an engines.Engine: the
// bridge between Storm's model, where a topology runs until it is killed,
// and a benchmark run, which ends when its input does.
//
// The topology is built by Build from the run's source and sink. Its spouts
// must be FiniteSpouts: Run returns nil once every spout task is exhausted,
// every tuple tree has completed (acked, or failed and replayed until it
// completed) and no tuple is left in any queue. It returns the first error
// a task reports (a panic in user code, a failed sink write), since a run
// with errors measures nothing; and ctx.Err() when ctx ends first.
type Job struct {
	name        string
	clusterConf Config
	conf        Config
	build       func(src engines.Source, sink engines.Sink) (*StormTopology, error)
	clock       Clock
	settings    Config

	mu      sync.Mutex
	metrics *TopologyMetrics
	ran     bool
	cluster *LocalCluster // while Run runs
	worker  *topology     // while RunWorker runs
}

var (
	_ engines.Engine          = (*Job)(nil)
	_ engines.InputRunner     = (*Job)(nil)
	_ engines.MetricsReporter = (*Job)(nil)
)

// JobOption configures a Job.
type JobOption func(*Job)

// JobClock makes the job's cluster use clock.
func JobClock(clock Clock) JobOption { return func(j *Job) { j.clock = clock } }

// NewJob returns a job that submits the topology build returns under name,
// with conf over clusterConf (the storm.yaml layer, from ReadConfigFile).
// Both configurations are validated here, so that a bad key is refused
// before the run starts.
func NewJob(name string, clusterConf, conf Config, build func(src engines.Source, sink engines.Sink) (*StormTopology, error), opts ...JobOption) (*Job, error) {
	settings, err := mergeConfigs(namedConfig{"storm.yaml", clusterConf}, namedConfig{"topology config", conf})
	if err != nil {
		return nil, err
	}
	settings[TopologyName] = name
	j := &Job{name: name, clusterConf: clusterConf.clone(), conf: conf.clone(), build: build, clock: WallClock{}, settings: settings}
	for _, o := range opts {
		o(j)
	}
	return j, nil
}

// Settings implements engines.Engine: the topology's effective Storm
// configuration, every key with its value; a Storm key this package does
// not implement is recorded as "VALUE (accepted, no effect here)".
func (j *Job) Settings() engines.Settings {
	s := make(engines.Settings, len(j.settings))
	for k, v := range j.settings {
		if class, _ := classify(k); class == keyNoEffect {
			v = fmt.Sprintf("%v (%s)", v, NoEffectNote)
		}
		s[k] = v
	}
	return s
}

// Metrics implements engines.MetricsReporter: the topology's per-component
// and per-task metrics as they stood when Run finished.
func (j *Job) Metrics() any {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.metrics == nil {
		return nil
	}
	return *j.metrics
}

// errJobRan is returned by a second Run.
var errJobRan = errors.New("core: a Job runs once")

// Run implements engines.Engine.
func (j *Job) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return j.run(ctx, src, sink, nil)
}

// run is Run with the run's coordination store (nil: one in memory).
func (j *Job) run(ctx context.Context, src engines.Source, sink engines.Sink, coord engines.KV) error {
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
	opts := []ClusterOption{WithConfig(j.clusterConf), WithClock(j.clock)}
	if coord != nil {
		opts = append(opts, WithCoordination(coord))
	}
	cluster := NewLocalCluster(opts...)
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology(j.name, j.conf, topology); err != nil {
		return err
	}
	tp, err := cluster.get(j.name)
	if err != nil {
		return err
	}
	errc := tp.errors()
	for _, t := range tp.taskList() {
		if t.spout != nil && t.finite == nil {
			cluster.KillTopologyWithOpts(j.name, KillOptions{})
			return fmt.Errorf("%w: spout %q is not a FiniteSpout, so the job could never tell that its input ended", ErrInvalidTopology, t.comp.id)
		}
	}

	j.mu.Lock()
	j.cluster = cluster
	j.mu.Unlock()
	finish := func(runErr error) error {
		j.mu.Lock()
		j.cluster = nil
		j.mu.Unlock()
		m := tp.metrics()
		j.mu.Lock()
		j.metrics = &m
		j.mu.Unlock()
		cluster.KillTopologyWithOpts(j.name, KillOptions{})
		return runErr
	}
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return finish(ctx.Err())
		case err := <-errc:
			return finish(err)
		case <-poll.C:
			// Twice in a row, so that a tree failing between the reads
			// of one check (and so un-exhausting its spout) is seen.
			if tp.finished() && tp.finished() {
				// An error reported while the last tuples were
				// processed is already in errc, but the select may
				// have taken the tick instead: look before calling
				// the run a success.
				select {
				case err := <-errc:
					return finish(err)
				default:
					return finish(nil)
				}
			}
		}
	}
}

// RunInput implements engines.InputRunner: Run over a log; over a queue,
// the topology's build function gets engines.InputSource(in), from which a
// SourceSpout picks its acking queue connector; over a feed
// (engines.ReceiveForward) or a text socket per partition
// (engines.KindSocket, engines.DialSockets), the spouts read an
// engines.ForwardSource. That is the shape of a Storm spout over a push
// source: a reader goroutine per partition fills a bounded queue and
// NextTuple polls it. A feed or a socket keeps nothing to replay, so the
// spout is unreliable (at-most-once, Spec.Connectors); a socket that closes
// before its partition's end line fails the run with an error naming the
// address, since the records it would have carried are gone.
//
// The spouts commit their offsets of a log to in.Coordination when the run
// gives one (see SourceSpout), so a run started again on the same store
// resumes where the last one committed; otherwise to a store in memory.
func (j *Job) RunInput(ctx context.Context, in engines.Input, sink engines.Sink) error {
	switch in.Kind {
	case engines.KindLog, "":
		return j.run(ctx, in.Log, sink, in.Coordination)
	case engines.KindQueue:
		return j.Run(ctx, engines.InputSource(in), sink)
	case engines.KindFeed:
		src, err := engines.ReceiveForward(in, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		return j.Run(ctx, src, sink)
	case engines.KindSocket:
		src, err := engines.DialSockets(ctx, in.Addrs, 0)
		if err != nil {
			return err
		}
		defer src.Close()
		return j.Run(ctx, src, sink)
	}
	return fmt.Errorf("%w: core reads a log, a queue, a feed or a socket, not %s", engines.ErrSourceKind, in.Kind.Noun())
}

// errNotRunning is returned by KillWorker outside Run.
var errNotRunning = errors.New("core: the job is not running")

// KillWorker kills worker i of the running job's topology and restarts it,
// as LocalCluster.KillWorker does: the fault a harness injects.
func (j *Job) KillWorker(i int) error {
	j.mu.Lock()
	c := j.cluster
	j.mu.Unlock()
	if c == nil {
		return errNotRunning
	}
	return c.KillWorker(j.name, i)
}

// finished reports whether every spout task is exhausted and nothing is in
// flight.
func (tp *topology) finished() bool {
	for _, t := range tp.taskList() {
		if t.spout != nil && (t.finite == nil || !t.exhausted.Load()) {
			return false
		}
	}
	return tp.drained()
}

// errors returns a channel that receives the first error a task of the
// topology reported (already, or from now on): what ends a Job's run.
func (tp *topology) errors() <-chan error {
	errc := make(chan error, 1)
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.onError = func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	if tp.firstErr != nil {
		errc <- tp.firstErr
	}
	return errc
}
