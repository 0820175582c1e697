package core

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers test with errors.Is; the message names the bad thing.
var (
	// ErrInvalidTopology is wrapped by every topology validation error.
	ErrInvalidTopology = errors.New("invalid topology")
	// ErrInvalidConfig is wrapped by errors about configuration keys.
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrNotAlive is returned for a topology name that is not running.
	ErrNotAlive = errors.New("topology not alive")
	// ErrAlreadyAlive is returned when submitting a name already running.
	ErrAlreadyAlive = errors.New("topology already alive")
	// ErrClusterShutdown is returned by a LocalCluster after Shutdown.
	ErrClusterShutdown = errors.New("local cluster is shut down")
	// ErrEmit is wrapped by the error an invalid emit raises: an undeclared
	// stream, a direct emit on a non-direct stream or the other way round,
	// or a tuple whose size differs from the stream's fields.
	ErrEmit = errors.New("invalid emit")
)

// TopologyError describes one reason a topology cannot run.
type TopologyError struct {
	Component string // the component at fault, "" for the topology as a whole
	Reason    string
}

func (e *TopologyError) Error() string {
	if e.Component == "" {
		return "invalid topology: " + e.Reason
	}
	return fmt.Sprintf("invalid topology: component %q: %s", e.Component, e.Reason)
}

// Unwrap returns ErrInvalidTopology.
func (e *TopologyError) Unwrap() error { return ErrInvalidTopology }

// ConfigError names a configuration key that is unknown or has a value of
// the wrong type or range.
type ConfigError struct {
	Key    string
	Value  any
	Reason string
	// Source says where the key came from: "topology config", a file path,
	// or a component's configuration.
	Source string
}

func (e *ConfigError) Error() string {
	src := ""
	if e.Source != "" {
		src = " (in " + e.Source + ")"
	}
	return fmt.Sprintf("config key %q%s: %s", e.Key, src, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// TaskError is an error reported by a task, through ReportError or by a
// panic in user code that the executor recovered (Storm's reportError).
type TaskError struct {
	Component string
	Task      int
	Err       error
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("component %q task %d: %v", e.Component, e.Task, e.Err)
}

// Unwrap returns the reported error.
func (e *TaskError) Unwrap() error { return e.Err }

// PanicError is the error reported for a panic in a spout's or bolt's code.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}
