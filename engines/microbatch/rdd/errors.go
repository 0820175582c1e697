package rdd

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidMaster is returned for a master URL other than local,
	// local[N] or local[*].
	ErrInvalidMaster = errors.New("invalid master URL")
	// ErrInvalidPartitions is returned for a partition count below 1.
	ErrInvalidPartitions = errors.New("invalid number of partitions")
	// ErrEmptyCollection is returned by Reduce on an RDD with no elements,
	// like Spark's "empty collection" UnsupportedOperationException.
	ErrEmptyCollection = errors.New("empty collection")
	// ErrMixedContexts is returned when an operation combines RDDs of two
	// different Contexts.
	ErrMixedContexts = errors.New("RDDs belong to different contexts")
	// ErrTaskKilled is the error of a task, and of its job, killed because
	// the Context was stopped.
	ErrTaskKilled = errors.New("task killed: the context was stopped")
)

// TaskError reports a task that failed: which stage, which partition, and why.
type TaskError struct {
	Stage     string
	Partition int
	Err       error
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("task %d of stage %s failed: %v", e.Partition, e.Stage, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// PanicError is a panic raised by a user function inside a task, turned into
// an error so that one bad record fails the job instead of the process.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic in user function: %v", e.Value) }
