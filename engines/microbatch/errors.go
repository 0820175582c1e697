package microbatch

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidDuration is returned for a batch interval, window, slide,
	// remember or checkpoint duration that is zero, negative, not whole
	// milliseconds or not a multiple of what it must be a multiple of.
	ErrInvalidDuration = errors.New("invalid duration")
	// ErrContextStarted is returned when a DStream or output is added, or
	// a setting changed, after Start: Spark refuses this too.
	ErrContextStarted = errors.New("streaming context already started: add inputs, transformations and outputs before Start")
	// ErrContextStopped is returned by Start on a context that was stopped:
	// a stopped StreamingContext cannot be restarted; create a new one.
	ErrContextStopped = errors.New("streaming context already stopped: a stopped context cannot be restarted, create a new one")
	// ErrNoOutputOperations is returned by Start when the graph has no
	// output operation: DStreams are lazy, so nothing would ever run.
	ErrNoOutputOperations = errors.New("no output operations registered, so nothing to execute: add Print, ForeachRDD or SaveAsTextFiles before Start")
	// ErrNoCheckpointDir is returned by Start when the graph needs a
	// checkpoint directory (state, windowed reduce with an inverse function,
	// the write-ahead log) and none is set.
	ErrNoCheckpointDir = errors.New("the checkpoint directory has not been set: call Checkpoint(dir) before Start")
	// ErrQueueStreamCheckpoint is returned by Start when a QueueStream is used
	// with checkpointing: its queued RDDs cannot be recovered.
	ErrQueueStreamCheckpoint = errors.New("QueueStream does not support checkpointing: its queued datasets cannot be recovered; use another input when a checkpoint directory is set")
	// ErrInvalidCheckpoint is returned when a checkpoint file is corrupt,
	// truncated, of another format version or not a checkpoint at all.
	ErrInvalidCheckpoint = errors.New("invalid checkpoint")
	// ErrIncompatibleCheckpoint is returned by GetOrCreate when the
	// checkpoint was written by a different DStream graph or settings.
	ErrIncompatibleCheckpoint = errors.New("checkpoint is incompatible with this streaming application")
	// ErrInvalidConf is returned for a configuration value that does not
	// parse or is out of range.
	ErrInvalidConf = errors.New("invalid configuration")
	// ErrInvalidArgument is returned for a bad argument to a DStream
	// operation, such as a nil function or a partition count below 1.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrMixedContexts is returned when DStreams of two StreamingContexts
	// are combined.
	ErrMixedContexts = errors.New("DStreams belong to different streaming contexts")
	// ErrReceiverStopped is returned by a receiver's Store methods once the
	// receiver has been stopped.
	ErrReceiverStopped = errors.New("receiver stopped")
	// ErrCorruptLog is returned when a write-ahead log segment holds a
	// damaged record before its end.
	ErrCorruptLog = errors.New("corrupt write-ahead log")
)

// DefinitionError reports a DStream operation defined with a bad argument.
// It is kept by the DStream (see Err) and returned by Start and by output
// operations, so a mistake shows where it was made.
type DefinitionError struct {
	Op  string // the operation, as Spark names it: "window", "reduceByKey"
	Err error
}

func (e *DefinitionError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }

func (e *DefinitionError) Unwrap() error { return e.Err }

// BatchError reports a batch whose job failed: its time, the output
// operation and the cause.
type BatchError struct {
	Time   Time
	Output string
	Err    error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("batch %s: output %s failed: %v", e.Time, e.Output, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
