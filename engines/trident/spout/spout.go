package spout

import (
	"fmt"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// Kind is what a spout promises about replays.
type Kind int

// The spout kinds.
const (
	NonTransactional Kind = iota + 1
	Transactional
	Opaque
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case NonTransactional:
		return "non-transactional"
	case Transactional:
		return "transactional"
	case Opaque:
		return "opaque"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// TransactionAttempt names one attempt at a batch: the txid stays the same
// across replays, the attempt number grows.
type TransactionAttempt struct {
	Txid    int64
	Attempt int
}

// String formats the attempt as Storm prints it: txid:attempt.
func (t TransactionAttempt) String() string { return fmt.Sprintf("%d:%d", t.Txid, t.Attempt) }

// Context is what an emitter task is given: its place among the spout's
// tasks, the topology configuration, and the transactional state it keeps
// its batch metadata in.
type Context struct {
	SpoutID   string
	TaskIndex int
	NumTasks  int
	Conf      map[string]any
	State     txstate.TransactionalState
}

// TridentSpout is a spout as Trident's batch coordinator sees it (Storm's
// ITridentSpout): its kind, its output fields, and an emitter per task.
type TridentSpout interface {
	Kind() Kind
	OutputFields() tuple.Fields
	NewEmitter(ctx Context) (Emitter, error)
}

// Emitter emits the batches of one spout task.
type Emitter interface {
	// EmitBatch emits the task's part of batch tx into c. A replay of a txid
	// is an attempt with the same Txid.
	EmitBatch(tx TransactionAttempt, c operation.TridentCollector) error
	// Commit is called while batch tx commits, before it counts as
	// committed (the $commit stream): an opaque spout records its metadata
	// here.
	Commit(tx TransactionAttempt) error
	// Success is called once batch tx has committed (the $success stream):
	// metadata below it can be forgotten.
	Success(tx TransactionAttempt) error
	Close() error
}

// Drainer is implemented by emitters over a bounded source: Drained reports
// whether the last batch emitted for txid reached the end of every partition
// the task reads, and every one of them is closed, so no later batch will
// carry anything.
type Drainer interface {
	Drained(txid int64) bool
}

// Readier is implemented by spouts that can tell whether a new batch would
// carry anything (Storm's BatchCoordinator.isReady): when every spout of a
// batch group is a Readier, the master coordinator starts a new batch only
// once one of them is ready, instead of cycling empty batches while the
// input is idle.
// Replays are emitted regardless. Ready is called from the coordinator's
// task, concurrently with the spout's emitters.
type Readier interface {
	Ready(txid int64) bool
}
