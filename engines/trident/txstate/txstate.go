// Package txstate keeps a Trident topology's coordination metadata: the last
// committed transaction id and, per spout partition and txid, what the spout
// emitted (its offsets). Storm keeps this in ZooKeeper through its
// TransactionalState and RotatingTransactionalState classes; here it sits
// behind the small TransactionalState interface, with an in-memory
// implementation for local mode and tests, and a bbolt file that survives a
// process kill. The cluster deployment backs it with the coordination store.
//
// The metadata is what makes replays exact. A transactional spout records a
// batch's metadata before it emits the batch, so a replay of that txid, even
// in a new process, re-emits exactly the same tuples; an opaque spout
// records it at commit, and resumes a failed txid from the previous txid's
// end, so a replay may carry different tuples.
package txstate

import "errors"

// TransactionalState is a topology's coordination metadata. Implementations
// are safe for concurrent use; every write is durable when it returns (as far
// as the implementation is durable at all).
type TransactionalState interface {
	// LastCommitted returns the txid of the last batch whose commit
	// completed, or 0 before the first.
	LastCommitted() (int64, error)
	// SetLastCommitted records txid as committed.
	SetLastCommitted(txid int64) error

	// PartitionMeta returns what spout recorded for partition in txid.
	PartitionMeta(spout string, partition int, txid int64) (meta []byte, ok bool, err error)
	// PreviousPartitionMeta returns the metadata of the highest txid below
	// txid recorded for partition, and that txid; ok is false when none is.
	PreviousPartitionMeta(spout string, partition int, txid int64) (prevTxid int64, meta []byte, ok bool, err error)
	// SetPartitionMeta records meta for partition in txid, replacing any.
	SetPartitionMeta(spout string, partition int, txid int64, meta []byte) error
	// CleanupBefore forgets spout's metadata of txids below txid, keeping
	// for each partition its most recent entry below txid (the base the
	// next batch builds on), as Storm's RotatingTransactionalState does.
	CleanupBefore(spout string, txid int64) error
}

// ErrCorrupt is returned when stored metadata cannot be decoded.
var ErrCorrupt = errors.New("corrupt transactional state")
