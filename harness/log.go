package harness

import (
	"context"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/sources/files"
	"github.com/streambench/streambench/harness/sources/socket"
)

// Log is a run's source as the harness sees it: the engines.Source the
// engine reads, with the producer side the driver publishes into and the
// counters the meter reads. GeneratorSource is the in-process one; a
// JetStream stream is the durable one (harness/sources/jetstream); a
// socket per partition (harness/sources/socket) and a directory of files
// (harness/sources/files) are the text sources, read by other kinds of
// connector (Input).
//
// Publish, Close and Published are called by the driver's goroutine and
// the run after it; Input, ReadOffsets, Read and Progress are safe for concurrent
// use with everything.
type Log interface {
	// Partitions returns the number of partitions.
	Partitions() int
	// Input returns the source as the engine reads it: a replayable log
	// (engines.Source) or another kind, with its connector's handle.
	Input() engines.Input
	// Publish appends the records of partition p up to offset end, with
	// intended emit times from intended(offset). It may block while the log
	// is full (a broker's window of unacknowledged messages), which the
	// driver counts as send delay. An error ends the run.
	Publish(p int, end int64, intended func(offset int64) int64) error
	// Close ends every partition: the run's input is over. It returns once
	// everything published is in the log.
	Close() error
	// Published returns the records in the log per partition: what the
	// oracle is asked about.
	Published() []int64
	// ReadOffsets returns per partition the highest offset the engine
	// fetched + 1, from which the driver bounds the backlog.
	ReadOffsets() []int64
	// Read returns how many distinct records the engine has fetched.
	Read() int64
	// Progress receives a value (without blocking the sender) when the
	// engine fetches, to wake a driver waiting for room.
	Progress() <-chan struct{}
}

var _ Log = (*GeneratorSource)(nil)

// Dropper is a Log that loses records on the way to the engine (a socket
// with no client connected, or a full buffer): Dropped returns how many
// published records it dropped, the run's sends_dropped. The oracle is
// still asked about every published record, so the verifier reports them
// as lost.
type Dropper interface {
	Dropped() int64
}

// ConnectWaiter is a Log that records reach only once the engine has
// connected to it (a socket): the driver waits for WaitConnected before its
// first publish, so the engine's start-up shows as send delay and latency,
// as with a log, and not as records dropped before anyone listened.
type ConnectWaiter interface {
	WaitConnected(ctx context.Context) error
}

var (
	_ ConnectWaiter = (*socket.Log)(nil)
	_ Log           = (*socket.Log)(nil)
	_ Dropper       = (*socket.Log)(nil)
	_ Log           = (*files.Log)(nil)
)
