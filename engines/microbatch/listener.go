package microbatch

import (
	"maps"
	"sync"
	"time"
)

// StreamingListener receives a streaming application's events, Spark's
// StreamingListener. Events are delivered in order on one goroutine, after
// the fact: a slow listener delays other listeners, never the batches.
// Embed BaseStreamingListener to implement only the events you need.
type StreamingListener interface {
	OnStreamingStarted(StreamingStartedEvent)
	OnReceiverStarted(ReceiverInfo)
	OnReceiverError(ReceiverInfo)
	OnReceiverStopped(ReceiverInfo)
	OnBatchSubmitted(BatchInfo)
	OnBatchStarted(BatchInfo)
	OnBatchCompleted(BatchInfo)
	OnOutputOperationStarted(OutputOperationInfo)
	OnOutputOperationCompleted(OutputOperationInfo)
}

// BaseStreamingListener ignores every event.
type BaseStreamingListener struct{}

var _ StreamingListener = BaseStreamingListener{}

func (BaseStreamingListener) OnStreamingStarted(StreamingStartedEvent)       {}
func (BaseStreamingListener) OnReceiverStarted(ReceiverInfo)                 {}
func (BaseStreamingListener) OnReceiverError(ReceiverInfo)                   {}
func (BaseStreamingListener) OnReceiverStopped(ReceiverInfo)                 {}
func (BaseStreamingListener) OnBatchSubmitted(BatchInfo)                     {}
func (BaseStreamingListener) OnBatchStarted(BatchInfo)                       {}
func (BaseStreamingListener) OnBatchCompleted(BatchInfo)                     {}
func (BaseStreamingListener) OnOutputOperationStarted(OutputOperationInfo)   {}
func (BaseStreamingListener) OnOutputOperationCompleted(OutputOperationInfo) {}

// StreamingStartedEvent is posted when the context starts.
type StreamingStartedEvent struct {
	Time time.Time
	// Recovery says whether the application was created or recovered
	// from a checkpoint, and what recovery did.
	Recovery RecoveryInfo
}

// ReceiverInfo describes a receiver's state.
type ReceiverInfo struct {
	StreamID         int
	Name             string
	Active           bool
	LastErrorMessage string
	LastError        string
	LastErrorTime    time.Time
}

// StreamInputInfo is what one input stream put in a batch.
type StreamInputInfo struct {
	InputStreamID int
	NumRecords    int64
	// Metadata describes the input, such as the offset ranges or the files
	// of the batch.
	Metadata map[string]string
}

// OutputOperationInfo describes one output operation of one batch.
type OutputOperationInfo struct {
	BatchTime     Time
	ID            int
	Name          string
	StartTime     time.Time
	EndTime       time.Time
	FailureReason string
}

// Duration is how long the operation ran.
func (o OutputOperationInfo) Duration() time.Duration { return o.EndTime.Sub(o.StartTime) }

// BatchInfo describes a batch as Spark's StreamingListener reports it.
type BatchInfo struct {
	BatchTime            Time
	StreamIDToInputInfo  map[int]StreamInputInfo
	SubmissionTime       time.Time
	ProcessingStartTime  time.Time
	ProcessingEndTime    time.Time
	OutputOperationInfos map[int]OutputOperationInfo
}

func (b BatchInfo) clone() BatchInfo {
	b.StreamIDToInputInfo = maps.Clone(b.StreamIDToInputInfo)
	b.OutputOperationInfos = maps.Clone(b.OutputOperationInfos)
	return b
}

// NumRecords is the number of records the batch received from every input.
func (b BatchInfo) NumRecords() int64 {
	var n int64
	for _, in := range b.StreamIDToInputInfo {
		n += in.NumRecords
	}
	return n
}

// SchedulingDelay is how long the batch waited for earlier batches: from
// its submission to the start of its first job.
func (b BatchInfo) SchedulingDelay() time.Duration {
	if b.ProcessingStartTime.IsZero() {
		return 0
	}
	return b.ProcessingStartTime.Sub(b.SubmissionTime)
}

// ProcessingDelay is how long the batch's jobs ran.
func (b BatchInfo) ProcessingDelay() time.Duration {
	if b.ProcessingEndTime.IsZero() {
		return 0
	}
	return b.ProcessingEndTime.Sub(b.ProcessingStartTime)
}

// TotalDelay is the scheduling delay plus the processing delay, as Spark
// defines it.
func (b BatchInfo) TotalDelay() time.Duration { return b.SchedulingDelay() + b.ProcessingDelay() }

// listenerBus delivers events to listeners in order on one goroutine.
type listenerBus struct {
	mu        sync.Mutex
	cond      *sync.Cond
	listeners []StreamingListener
	events    []func(StreamingListener)
	running   bool
	closing   bool
	exited    chan struct{}
}

func newListenerBus() *listenerBus {
	b := &listenerBus{exited: make(chan struct{})}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *listenerBus) add(l StreamingListener) {
	b.mu.Lock()
	b.listeners = append(b.listeners, l)
	b.mu.Unlock()
}

func (b *listenerBus) start() {
	b.mu.Lock()
	b.running = true
	b.mu.Unlock()
	go func() {
		defer close(b.exited)
		for {
			b.mu.Lock()
			for len(b.events) == 0 && !b.closing {
				b.cond.Wait()
			}
			if len(b.events) == 0 {
				b.mu.Unlock()
				return
			}
			ev := b.events[0]
			b.events = b.events[1:]
			ls := append([]StreamingListener(nil), b.listeners...)
			b.mu.Unlock()
			for _, l := range ls {
				ev(l)
			}
		}
	}()
}

func (b *listenerBus) post(ev func(StreamingListener)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running || b.closing {
		return
	}
	b.events = append(b.events, ev)
	b.cond.Signal()
}

// stop delivers the events already posted, then ends the goroutine.
func (b *listenerBus) stop() {
	b.mu.Lock()
	wasRunning := b.running
	b.closing = true
	b.cond.Broadcast()
	b.mu.Unlock()
	if wasRunning {
		<-b.exited
	}
}
