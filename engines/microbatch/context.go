package microbatch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// StreamingContext is the entry point of a streaming application: it holds
// the batch interval, the DStream graph, the receivers and the scheduler.
// Define inputs, transformations and outputs, then Start; a context runs
// once: after Stop it cannot be started again.
type StreamingContext struct {
	conf   *Conf
	set    settings
	sc     *rdd.Context
	ownSC  bool           // sc was created for this context, and is stopped with it
	cores  *coreScheduler // receivers hold cores of it; nil on a given SparkContext
	batch  time.Duration
	clock  Clock
	out    io.Writer
	logger *slog.Logger

	mu            sync.Mutex
	state         contextState
	g             graph
	defErr        error
	checkpointDir string
	rememberDur   time.Duration
	recovered     *checkpointData
	recovery      RecoveryInfo
	ckpt          checkpointWriter

	listeners *listenerBus
	tracker   *receiverTracker
	sched     *jobScheduler

	terminated chan struct{}
	termErr    error
	drainAbort <-chan struct{}
	stopOnce   sync.Once
}

type contextState int

const (
	initialized contextState = iota
	active
	stopped
)

// Option configures a StreamingContext beyond its Conf.
type ContextOption func(*StreamingContext)

// WithClock sets the clock batches and blocks are timed by (default: the
// system clock). Tests pass a ManualClock.
func WithClock(c Clock) ContextOption { return func(s *StreamingContext) { s.clock = c } }

// WithOutput sets where Print writes (default: standard output).
func WithOutput(w io.Writer) ContextOption { return func(s *StreamingContext) { s.out = w } }

// WithLogger sets the logger for receiver errors and restarts (default:
// slog's default logger).
func WithLogger(l *slog.Logger) ContextOption { return func(s *StreamingContext) { s.logger = l } }

// WithSparkContext runs the context's jobs on an existing rdd.Context. Its
// task slots are its owner's: receivers do not hold any of them.
func WithSparkContext(sc *rdd.Context) ContextOption { return func(s *StreamingContext) { s.sc = sc } }

// NewStreamingContext returns a context that cuts its inputs into batches of
// batchDuration, like new StreamingContext(conf, Seconds(1)).
func NewStreamingContext(conf *Conf, batchDuration time.Duration, opts ...ContextOption) (*StreamingContext, error) {
	if conf == nil {
		conf = NewConf()
	}
	if err := checkDuration("batch interval", batchDuration); err != nil {
		return nil, err
	}
	set, err := conf.parse()
	if err != nil {
		return nil, err
	}
	ssc := &StreamingContext{conf: conf.clone(), set: set, batch: batchDuration, clock: SystemClock{}, out: os.Stdout, logger: slog.Default(), terminated: make(chan struct{})}
	for _, o := range opts {
		o(ssc)
	}
	if ssc.sc == nil {
		sc, err := rdd.NewContext(set.master)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidConf, ConfMaster, err)
		}
		par := sc.DefaultParallelism()
		if set.parallelism > 0 {
			par = set.parallelism
		}
		ssc.cores = newCoreScheduler(sc.Scheduler())
		ssc.sc, ssc.ownSC = rdd.NewContextWithScheduler(set.master, par, ssc.cores), true
	}
	if set.gracefulTimeout == 0 {
		ssc.set.gracefulTimeout = 10 * batchDuration
	}
	ssc.listeners = newListenerBus()
	ssc.tracker = newReceiverTracker(ssc)
	ssc.sched = newJobScheduler(ssc)
	return ssc, nil
}

// SparkContext returns the batch-layer context the jobs run on, for building
// static datasets to join with (Spark's ssc.sparkContext).
func (ssc *StreamingContext) SparkContext() *rdd.Context { return ssc.sc }

// BatchDuration returns the batch interval.
func (ssc *StreamingContext) BatchDuration() time.Duration { return ssc.batch }

// Conf returns a copy of the context's configuration.
func (ssc *StreamingContext) Conf() *Conf { return ssc.conf.clone() }

// Clock returns the context's clock.
func (ssc *StreamingContext) Clock() Clock { return ssc.clock }

func (ssc *StreamingContext) started() bool {
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	return ssc.state != initialized
}

// register adds a DStream to the graph, or marks it failed when the context
// has already started.
func (ssc *StreamingContext) register(d dstream) {
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	b := d.base()
	b.id = len(ssc.g.streams)
	if ssc.state != initialized {
		if b.err == nil {
			b.err = &DefinitionError{Op: b.kind, Err: ErrContextStarted}
		}
		return
	}
	ssc.g.streams = append(ssc.g.streams, d)
	if b.input != nil {
		ssc.g.inputs = append(ssc.g.inputs, d)
	}
	if b.err != nil && ssc.defErr == nil {
		ssc.defErr = b.err
	}
}

func (ssc *StreamingContext) recordError(err error) {
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	if ssc.defErr == nil {
		ssc.defErr = err
	}
}

// addOutput registers an output operation on d.
func (ssc *StreamingContext) addOutput(d dstream, name string, job func(t Time) (func() error, error)) error {
	if err := d.base().err; err != nil {
		return err
	}
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	if ssc.state != initialized {
		return &DefinitionError{Op: name, Err: ErrContextStarted}
	}
	ssc.g.outputs = append(ssc.g.outputs, &outputStream{index: len(ssc.g.outputs), name: name, parent: d, job: job})
	return nil
}

// Remember makes every DStream keep its RDDs for at least d, for
// applications that query old batches (Spark's ssc.remember).
func (ssc *StreamingContext) Remember(d time.Duration) error {
	if err := checkDuration("remember duration", d); err != nil {
		return err
	}
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	if ssc.state != initialized {
		return ErrContextStarted
	}
	ssc.rememberDur = d
	return nil
}

// Checkpoint sets the directory checkpoints and the write-ahead log are
// written to. Stateful operations need one.
func (ssc *StreamingContext) Checkpoint(dir string) error {
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	if ssc.state != initialized {
		return ErrContextStarted
	}
	if dir == "" {
		return fmt.Errorf("%w: checkpoint directory is empty", ErrInvalidArgument)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint directory %s: %w", dir, err)
	}
	ssc.checkpointDir = dir
	return nil
}

// AddStreamingListener registers a listener for batch and receiver events.
func (ssc *StreamingContext) AddStreamingListener(l StreamingListener) { ssc.listeners.add(l) }

// validate checks the graph before it runs.
func (ssc *StreamingContext) validate() error {
	if ssc.defErr != nil {
		return ssc.defErr
	}
	for _, d := range ssc.g.streams {
		if err := d.base().err; err != nil {
			return err
		}
	}
	if len(ssc.g.outputs) == 0 {
		return ErrNoOutputOperations
	}
	needsDir := ssc.set.walEnabled
	for _, d := range ssc.g.streams {
		b := d.base()
		if b.mustCheckpoint && ssc.checkpointDir == "" {
			return fmt.Errorf("%w (%s keeps state across batches and must be checkpointed)", ErrNoCheckpointDir, b)
		}
		if _, ok := b.input.(*queueInput); ok && ssc.checkpointDir != "" {
			return ErrQueueStreamCheckpoint
		}
	}
	if needsDir && ssc.checkpointDir == "" {
		return fmt.Errorf("%w (%s=true writes the log under it)", ErrNoCheckpointDir, ConfWALEnable)
	}
	return nil
}

// Start starts the receivers and the batch timer. It returns an error if the
// graph is invalid (no output operations, a bad definition, state without a
// checkpoint directory) or the context was already started or stopped.
func (ssc *StreamingContext) Start() error {
	ssc.mu.Lock()
	switch ssc.state {
	case active:
		ssc.mu.Unlock()
		return ErrContextStarted
	case stopped:
		ssc.mu.Unlock()
		return ErrContextStopped
	}
	if err := ssc.validate(); err != nil {
		ssc.mu.Unlock()
		return err
	}
	ssc.state = active
	ssc.mu.Unlock()

	zero := nextTime(ssc.clock.Now(), ssc.batch).Add(-ssc.batch)
	if ssc.recovered != nil {
		zero = ssc.recovered.ZeroTime
	}
	ssc.g.start(zero, ssc.rememberDur)
	ssc.listeners.start()
	if err := ssc.startRecovered(); err != nil {
		ssc.fail(err)
		return err
	}
	for _, in := range ssc.g.inputs {
		if di, ok := in.base().input.(*directInput); ok && ssc.set.backpressure {
			set := ssc.set
			di.setRate(set.initialRate)
			ssc.AddStreamingListener(&rateController{streamID: in.base().id,
				estimator: NewPIDRateEstimator(ssc.batch, set.pid[0], set.pid[1], set.pid[2], set.pid[3]),
				publish:   di.setRate})
		}
	}
	if err := ssc.tracker.start(); err != nil {
		ssc.fail(err)
		return err
	}
	ssc.sched.start(zero)
	rec := ssc.Recovery()
	ssc.listeners.post(func(l StreamingListener) {
		l.OnStreamingStarted(StreamingStartedEvent{Time: ssc.clock.Now(), Recovery: rec})
	})
	return nil
}

// fail stops the context after an error; AwaitTermination returns err.
func (ssc *StreamingContext) fail(err error) {
	ssc.logger.Error("streaming context stopped by an error", "error", err)
	// The error is recorded before fail returns, not by the stop below: a
	// graceful stop already draining sees the failed batch end and may
	// close the context first, and AwaitTermination must still report it.
	ssc.mu.Lock()
	if ssc.termErr == nil {
		ssc.termErr = err
	}
	ssc.mu.Unlock()
	// A graceful stop under way holds the stop below until its drain ends,
	// and the drain waits for queued batches the failed executor will never
	// run: mark the scheduler stopping now, which ends the drain.
	ssc.sched.mu.Lock()
	ssc.sched.stopping = true
	ssc.sched.cond.Broadcast()
	ssc.sched.mu.Unlock()
	go ssc.stop(false, err)
}

// Stop stops the context. Graceful, it stops the receivers, pushes the data
// they had buffered into blocks, keeps generating batches until every
// received block belongs to one (within spark.streaming.gracefulStopTimeout),
// and waits for every batch to be processed; otherwise it stops receiving
// and generating at once, drops the blocks not yet stored, and kills the
// batch under way, as Spark's stop(stopSparkContext = true) cancels the
// running jobs: its tasks stop within a thousand records, and the batch is
// neither completed nor checkpointed. (A context running on a SparkContext
// it was given, WithSparkContext, waits for the batch instead: the
// SparkContext is not its to stop.) Stop returns once every goroutine of
// the context has ended. A context that was never started is just marked
// stopped.
func (ssc *StreamingContext) Stop(graceful bool) error {
	return ssc.stop(graceful, nil)
}

// StopGracefullyUntil is a graceful Stop that gives up draining, and stops
// at once, when done is closed: for a caller with its own deadline.
func (ssc *StreamingContext) StopGracefullyUntil(done <-chan struct{}) error {
	ssc.mu.Lock()
	ssc.drainAbort = done
	ssc.mu.Unlock()
	return ssc.stop(true, nil)
}

func (ssc *StreamingContext) stop(graceful bool, cause error) error {
	ssc.mu.Lock()
	prev := ssc.state
	abort := ssc.drainAbort
	ssc.state = stopped
	if cause != nil && ssc.termErr == nil {
		ssc.termErr = cause
	}
	ssc.mu.Unlock()
	if prev == initialized {
		ssc.stopOnce.Do(func() { close(ssc.terminated) })
		return nil
	}
	var err error
	ssc.stopOnce.Do(func() {
		if !graceful {
			ssc.abandon()
		} else if abort != nil {
			// A graceful stop cut short becomes a stop at once, even while
			// the receivers are still pushing their last blocks.
			stopped := make(chan struct{})
			defer close(stopped)
			go func() {
				select {
				case <-abort:
					ssc.abandon()
				case <-stopped:
				}
			}()
		}
		ssc.tracker.stopReceivers()
		if graceful {
			err = ssc.sched.drain(ssc.set.gracefulTimeout, abort)
			if err != nil {
				ssc.abandon()
			}
		}
		ssc.sched.stop()
		ssc.tracker.stop()
		ssc.listeners.stop()
		close(ssc.terminated)
	})
	<-ssc.terminated
	return err
}

// abandon is the part of a stop at once that does not wait: receivers drop
// what they have not stored, and the batch under way is killed.
func (ssc *StreamingContext) abandon() {
	ssc.tracker.abandonReceivers()
	if ssc.ownSC {
		ssc.sc.Stop()
		ssc.cores.close()
	}
}

// AwaitTermination blocks until the context stops and returns the error that
// stopped it, if a batch or a receiver failed, or nil after Stop.
func (ssc *StreamingContext) AwaitTermination() error {
	<-ssc.terminated
	ssc.mu.Lock()
	defer ssc.mu.Unlock()
	return ssc.termErr
}

// AwaitTerminationOrTimeout is AwaitTermination for at most d; it reports
// whether the context stopped.
func (ssc *StreamingContext) AwaitTerminationOrTimeout(d time.Duration) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ssc.terminated:
		return true, ssc.AwaitTermination()
	case <-t.C:
		return false, nil
	}
}

var (
	// errDrainTimeout is returned by a graceful stop that ran out of time.
	errDrainTimeout = errors.New("graceful stop timed out before every received block was processed; raise " + ConfGracefulStopTimeout)
	// errDrainAborted is returned by a graceful stop its caller cut short.
	errDrainAborted = errors.New("graceful stop cut short before every received block was processed")
)
