package microbatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/streambench/streambench/engines"
)

// Pipeline defines a streaming application over the harness's input: it
// receives the input DStream of source records and the sink, and defines
// its transformations and output operations (typically a ForeachRDD that
// writes each partition to the sink).
type Pipeline func(ssc *StreamingContext, input *DStream[engines.Record], sink engines.Sink) error

// EngineConfig configures an Engine.
type EngineConfig struct {
	// BatchInterval is the batch interval (default 1 s).
	BatchInterval time.Duration
	// Guarantee chooses the input and the fault-tolerance machinery:
	// at-most-once reads the source with an unreliable receiver and no
	// write-ahead log; at-least-once with a reliable receiver whose offsets
	// advance only once a block is in the write-ahead log; exactly-once
	// with a direct stream read by offset ranges, checkpointed with the
	// state, which needs the pipeline's output to be idempotent.
	Guarantee engines.Guarantee
	// Parallelism is N of local[N] (default 2).
	Parallelism int
	// CheckpointDir is where checkpoints and the write-ahead log go; when
	// empty, a temporary directory is used (stateful pipelines need one)
	// and removed after the run.
	CheckpointDir string
	// Conf holds further settings (spark.streaming.blockInterval, ...).
	Conf *Conf
}

// Engine runs a Pipeline as an engines.Engine: it creates a StreamingContext
// over the harness's Source and Sink, starts it, and stops it gracefully
// once the source is drained and every received record processed.
type Engine struct {
	cfg      EngineConfig
	conf     *Conf
	pipeline Pipeline
	input    string
	// masterSet is true when the configuration names spark.master; else
	// the run's master is local[Parallelism + receivers].
	masterSet bool

	mu      sync.Mutex
	batches []BatchMetrics
	ran     bool
	ssc     *StreamingContext // of the run, once it has begun
}

var (
	_ engines.Engine          = (*Engine)(nil)
	_ engines.InputRunner     = (*Engine)(nil)
	_ engines.MetricsReporter = (*Engine)(nil)
)

// NewEngine checks cfg against what the guarantee needs and returns an
// Engine. A configuration that cannot keep the promise is refused: a
// write-ahead log switched off for at-least-once, or backpressure without a
// receiver or direct input, say.
func NewEngine(cfg EngineConfig, pipeline Pipeline) (*Engine, error) {
	if pipeline == nil {
		return nil, fmt.Errorf("%w: nil pipeline", ErrInvalidArgument)
	}
	if cfg.BatchInterval == 0 {
		cfg.BatchInterval = time.Second
	}
	if err := checkDuration("batch interval", cfg.BatchInterval); err != nil {
		return nil, err
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = 2
	}
	if cfg.Parallelism < 0 {
		return nil, fmt.Errorf("%w: parallelism %d must be positive", ErrInvalidArgument, cfg.Parallelism)
	}
	conf := NewConf()
	if cfg.Conf != nil {
		conf = cfg.Conf.clone()
	}
	_, masterSet := conf.values[ConfMaster]
	if !masterSet {
		conf.SetMaster(fmt.Sprintf("local[%d]", cfg.Parallelism))
	}
	if _, set := conf.values[ConfGracefulStopTimeout]; !set {
		// The harness bounds the drain with its own deadline (the run's
		// context); Spark's 10 batch intervals would drop a backlog.
		conf.Set(ConfGracefulStopTimeout, "24h")
	}
	if _, set := conf.values[ConfBlockInterval]; !set {
		// Ten blocks per batch, at most Spark's 200 ms: a batch's blocks are
		// its map tasks, and ten of them keep every slot of local[N] busy
		// to the end of the stage, where Spark's default gives a 1 s batch
		// five tasks and leaves a slot idle for the last one.
		conf.Set(ConfBlockInterval, min(200*time.Millisecond, max((cfg.BatchInterval/10).Truncate(time.Millisecond), time.Millisecond)).String())
	}
	e := &Engine{cfg: cfg, conf: conf, pipeline: pipeline, masterSet: masterSet}
	walSet, walExplicit := conf.values[ConfWALEnable]
	switch cfg.Guarantee {
	case engines.AtMostOnce:
		e.input = "unreliable receiver"
	case engines.AtLeastOnce:
		if walExplicit && walSet != "true" {
			return nil, &engines.ConfError{Key: ConfWALEnable, Err: fmt.Errorf("at-least-once needs %s=true: without the write-ahead log, blocks a receiver stored but no batch processed are lost with the process", ConfWALEnable)}
		}
		conf.Set(ConfWALEnable, "true")
		e.input = "reliable receiver + write-ahead log"
	case engines.ExactlyOnce:
		if walExplicit && walSet == "true" {
			return nil, &engines.ConfError{Key: ConfWALEnable, Err: fmt.Errorf("exactly-once reads the source directly by offset ranges and has no receiver: %s=true does not apply; remove it", ConfWALEnable)}
		}
		e.input = "direct stream + checkpointed offsets and state"
	default:
		return nil, fmt.Errorf("microbatch: unknown guarantee %v (known: at-most-once, at-least-once, exactly-once)", cfg.Guarantee)
	}
	if _, err := conf.parse(); err != nil {
		return nil, err
	}
	return e, nil
}

// setInput names the input the run used, for Settings.
func (e *Engine) setInput(s string) {
	e.mu.Lock()
	e.input = s
	e.mu.Unlock()
}

// Settings implements engines.Engine.
func (e *Engine) Settings() engines.Settings {
	e.mu.Lock()
	defer e.mu.Unlock()
	input := e.input
	s := engines.Settings{"batchInterval": e.cfg.BatchInterval.String(), "guarantee": e.cfg.Guarantee.String(), "input": input}
	for k, v := range e.conf.All() {
		if v != "" {
			s[k] = v
		}
	}
	return s
}

// BatchMetrics is one batch as a StreamingListener saw it.
type BatchMetrics struct {
	BatchTimeMs       int64   `json:"batchTimeMs"`
	Records           int64   `json:"records"`
	SchedulingDelayMs float64 `json:"schedulingDelayMs"`
	ProcessingDelayMs float64 `json:"processingDelayMs"`
	TotalDelayMs      float64 `json:"totalDelayMs"`
}

// EngineMetrics is what Metrics reports: every batch, and a summary.
type EngineMetrics struct {
	Batches               []BatchMetrics `json:"batches"`
	NumBatches            int            `json:"numBatches"`
	Records               int64          `json:"records"`
	MaxProcessingDelayMs  float64        `json:"maxProcessingDelayMs"`
	MeanProcessingDelayMs float64        `json:"meanProcessingDelayMs"`
	MaxSchedulingDelayMs  float64        `json:"maxSchedulingDelayMs"`
	MaxTotalDelayMs       float64        `json:"maxTotalDelayMs"`
}

// Metrics implements engines.MetricsReporter: the per-batch input size and
// delays, as Spark's streaming UI shows them.
func (e *Engine) Metrics() any {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := EngineMetrics{Batches: append([]BatchMetrics(nil), e.batches...), NumBatches: len(e.batches)}
	var sum float64
	for _, b := range e.batches {
		m.Records += b.Records
		m.MaxProcessingDelayMs = max(m.MaxProcessingDelayMs, b.ProcessingDelayMs)
		m.MaxSchedulingDelayMs = max(m.MaxSchedulingDelayMs, b.SchedulingDelayMs)
		m.MaxTotalDelayMs = max(m.MaxTotalDelayMs, b.TotalDelayMs)
		sum += b.ProcessingDelayMs
	}
	if len(e.batches) > 0 {
		m.MeanProcessingDelayMs = sum / float64(len(e.batches))
	}
	return m
}

// killing reports whether the run's batches are being killed (a stop at
// once has begun).
func (e *Engine) killing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ssc != nil && e.ssc.sc.Stopped()
}

func (e *Engine) OnBatchCompleted(b BatchInfo) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	e.mu.Lock()
	e.batches = append(e.batches, BatchMetrics{BatchTimeMs: b.BatchTime.Milliseconds(), Records: b.NumRecords(),
		SchedulingDelayMs: ms(b.SchedulingDelay()), ProcessingDelayMs: ms(b.ProcessingDelay()), TotalDelayMs: ms(b.TotalDelay())})
	e.mu.Unlock()
}

// engineListener feeds batch metrics to the Engine.
type engineListener struct {
	BaseStreamingListener
	e *Engine
}

func (l engineListener) OnBatchCompleted(b BatchInfo) { l.e.OnBatchCompleted(b) }

// Run implements engines.Engine.
func (e *Engine) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	return e.RunInput(ctx, engines.LogInput(src), sink)
}

// receiversOf is how many receivers RunInput starts for in: one per
// partition, but none for a direct stream or a directory.
func receiversOf(in engines.Input, g engines.Guarantee) int {
	switch in.Kind {
	case engines.KindLog, "":
		if g == engines.ExactlyOnce {
			return 0
		}
		return in.Log.Partitions()
	case engines.KindQueue:
		return in.Queue.Partitions()
	case engines.KindFeed:
		return in.Feed.Partitions()
	case engines.KindSocket:
		return len(in.Addrs)
	}
	return 0
}

// RunInput implements engines.InputRunner. A log is read as EngineConfig's
// guarantee says (a receiver, or a direct stream). A queue is read by one
// receiver per partition, MessageQueueStream: reliable at at-least-once
// (a message is acked once its block is in the write-ahead log), acking on
// receipt at at-most-once. A feed is read by an unreliable receiver per
// partition, FeedStream. A text socket per
// partition (engines.KindSocket) is read by one unreliable socket receiver
// per partition, SocketRecordStream: at-most-once, since a socket keeps
// nothing to replay; a connection the harness closes restarts the receiver,
// which connects again, as Spark's does. A directory (engines.KindFiles) is
// read by FileRecordStream, Spark's textFileStream: each file once, the
// processed files kept in the checkpoint with the state, which gives
// exactly-once with an idempotent output. The application stops gracefully
// once every partition's end line is in.
func (e *Engine) RunInput(ctx context.Context, in engines.Input, sink engines.Sink) error {
	var open func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{})
	switch in.Kind {
	case engines.KindLog, "":
		open = func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{}) {
			if e.cfg.Guarantee == engines.ExactlyOnce {
				input := DirectStream(ssc, in.Log)
				return input, input.input.(*directInput).drained
			}
			return SourceStream(ssc, in.Log, e.cfg.Guarantee == engines.AtLeastOnce), ssc.tracker.allStopped()
		}
	case engines.KindQueue:
		if e.cfg.Guarantee == engines.ExactlyOnce {
			return fmt.Errorf("%w: a queue has no offsets to cut exactly-once batches by; read the log", engines.ErrSourceKind)
		}
		reliable := e.cfg.Guarantee == engines.AtLeastOnce
		e.setInput(map[bool]string{true: "reliable queue receiver (acks once the block is in the write-ahead log)", false: "queue receiver acking on receipt"}[reliable])
		open = func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{}) {
			return MessageQueueStream(ssc, in.Queue, reliable), ssc.tracker.allStopped()
		}
	case engines.KindFeed:
		if e.cfg.Guarantee != engines.AtMostOnce {
			return fmt.Errorf("%w: a feed keeps nothing to replay: microbatch reads it at at-most-once only", engines.ErrSourceKind)
		}
		e.setInput("unreliable feed receiver")
		open = func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{}) {
			return FeedStream(ssc, in.Feed), ssc.tracker.allStopped()
		}
	case engines.KindSocket:
		e.setInput("socket receiver per partition (socketTextStream), unreliable")
		open = func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{}) {
			return SocketRecordStream(ssc, in.Addrs), ssc.tracker.allStopped()
		}
	case engines.KindFiles:
		e.setInput("textFileStream: new files each batch, each read once, remembered in the checkpoint")
		open = func(ssc *StreamingContext) (*DStream[engines.Record], <-chan struct{}) {
			input, prog := FileRecordStream(ssc, in.Dir, in.Partitions)
			return input, prog.Drained()
		}
	default:
		return fmt.Errorf("%w: microbatch reads a log, a queue, a feed, a socket or files, not %s", engines.ErrSourceKind, in.Kind.Noun())
	}
	e.mu.Lock()
	if e.ran {
		e.mu.Unlock()
		return errors.New("microbatch: an Engine runs once; build a new one")
	}
	e.ran = true
	if !e.masterSet {
		// A receiver holds a core for as long as it runs, as in Spark, so
		// the run gets one core per receiver on top of the Parallelism its
		// batches run on: Spark's advice of local[n] with n above the
		// number of receivers.
		e.conf.SetMaster(fmt.Sprintf("local[%d]", e.cfg.Parallelism+receiversOf(in, e.cfg.Guarantee)))
	}
	e.mu.Unlock()
	ssc, err := NewStreamingContext(e.conf, e.cfg.BatchInterval, WithOutput(io.Discard), WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.ssc = ssc
	e.mu.Unlock()
	dir := e.cfg.CheckpointDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "streambench-microbatch-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if err := ssc.Checkpoint(dir); err != nil {
		return err
	}
	input, drained := open(ssc)
	ssc.AddStreamingListener(engineListener{e: e})
	if err := e.pipeline(ssc, input, sink); err != nil {
		return err
	}
	if err := ssc.Start(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		ssc.Stop(false)
		return ctx.Err()
	case <-ssc.terminated:
		return ssc.AwaitTermination()
	case <-drained:
	}
	if err := ssc.StopGracefullyUntil(ctx.Done()); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return ssc.AwaitTermination()
}
