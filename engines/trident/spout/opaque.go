package spout

import (
	"sync"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// OpaquePartitionedSpout is Storm's IOpaquePartitionedTridentSpout: each
// partition's batch starts where the partition's previous batch ended, but a
// replayed txid is emitted anew and may carry different tuples. Every tuple
// still succeeds in exactly one batch.
type OpaquePartitionedSpout interface {
	OutputFields() tuple.Fields
	Partitions() int
	NewOpaqueEmitter(ctx Context) (OpaqueEmitter, error)
}

// OpaqueEmitter emits the batches of the partitions one task owns.
type OpaqueEmitter interface {
	// EmitPartitionBatch emits partition's batch in tx, starting after
	// lastMeta (nil for the partition's first batch), and returns the
	// metadata the next batch starts after.
	EmitPartitionBatch(tx TransactionAttempt, c operation.TridentCollector, partition int, lastMeta []byte) ([]byte, error)
	Close() error
}

// OpaqueSpoutExecutor adapts an OpaquePartitionedSpout to a TridentSpout, as
// Storm's OpaquePartitionedTridentSpoutExecutor: a batch's metadata is kept
// in memory while the batch is in flight, so the next txid can start after
// it, and is written to the TransactionalState only when the batch commits.
// A batch that fails is emitted again from the previous batch's end.
type OpaqueSpoutExecutor struct {
	Spout OpaquePartitionedSpout
}

var _ TridentSpout = OpaqueSpoutExecutor{}

// NewOpaqueSpoutExecutor wraps s.
func NewOpaqueSpoutExecutor(s OpaquePartitionedSpout) OpaqueSpoutExecutor {
	return OpaqueSpoutExecutor{Spout: s}
}

// Kind implements TridentSpout.
func (OpaqueSpoutExecutor) Kind() Kind { return Opaque }

// OutputFields implements TridentSpout.
func (e OpaqueSpoutExecutor) OutputFields() tuple.Fields { return e.Spout.OutputFields() }

// NewEmitter implements TridentSpout.
func (e OpaqueSpoutExecutor) NewEmitter(ctx Context) (Emitter, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	inner, err := e.Spout.NewOpaqueEmitter(ctx)
	if err != nil {
		return nil, err
	}
	return &opaqueEmitter{
		ctx: ctx, inner: inner,
		parts:  ownedPartitions(e.Spout.Partitions(), ctx),
		cached: make(map[int64]map[int][]byte),
	}, nil
}

type opaqueEmitter struct {
	ctx   Context
	inner OpaqueEmitter
	parts []int
	bufs  []bufferCollector
	guard txGuard

	mu     sync.Mutex
	cached map[int64]map[int][]byte // txid -> partition -> meta, batches in flight
}

// EmitBatch emits each owned partition's batch of tx after the batch of the
// nearest lower txid: one still in flight if there is one, else the last
// committed. Every partition's batch is settled (and cached for the next
// txid) before any tuple leaves, as in the transactional executor.
func (e *opaqueEmitter) EmitBatch(tx TransactionAttempt, c operation.TridentCollector) error {
	if err := e.guard.check(tx); err != nil {
		return err
	}
	if e.bufs == nil {
		e.bufs = make([]bufferCollector, len(e.parts))
	}
	e.mu.Lock()
	prev := e.lowerCached(tx.Txid)
	e.mu.Unlock()
	metas := make(map[int][]byte, len(e.parts))
	for i, p := range e.parts {
		buf := &e.bufs[i]
		buf.reset()
		last, ok := prev[p]
		var err error
		if !ok {
			_, last, _, err = e.ctx.State.PreviousPartitionMeta(e.ctx.SpoutID, p, tx.Txid)
		}
		if err == nil {
			metas[p], err = e.inner.EmitPartitionBatch(tx, buf, p, last)
		}
		if err != nil {
			e.guard.block(tx)
			return err
		}
	}
	e.mu.Lock()
	e.cached[tx.Txid] = metas
	e.mu.Unlock()
	for i := range e.bufs {
		e.bufs[i].flush(c)
	}
	return nil
}

func (e *opaqueEmitter) lowerCached(txid int64) map[int][]byte {
	best, found := int64(0), false
	for t := range e.cached {
		if t < txid && (!found || t > best) {
			best, found = t, true
		}
	}
	if !found {
		return nil
	}
	return e.cached[best]
}

// Commit records the batch's metadata: from now on a replay of a later txid
// starts after this batch.
func (e *opaqueEmitter) Commit(tx TransactionAttempt) error {
	e.mu.Lock()
	metas := e.cached[tx.Txid]
	delete(e.cached, tx.Txid)
	e.mu.Unlock()
	for _, p := range e.parts {
		if meta, ok := metas[p]; ok {
			if err := e.ctx.State.SetPartitionMeta(e.ctx.SpoutID, p, tx.Txid, meta); err != nil {
				return err
			}
		}
	}
	return nil
}

// Success forgets metadata older than the committed txid.
func (e *opaqueEmitter) Success(tx TransactionAttempt) error {
	return e.ctx.State.CleanupBefore(e.ctx.SpoutID, tx.Txid)
}

func (e *opaqueEmitter) Close() error { return e.inner.Close() }

func (e *opaqueEmitter) Drained(txid int64) bool {
	if d, ok := e.inner.(Drainer); ok {
		return d.Drained(txid)
	}
	return false
}

// Ready implements Readier for a spout that does.
func (e OpaqueSpoutExecutor) Ready(txid int64) bool {
	if r, ok := e.Spout.(Readier); ok {
		return r.Ready(txid)
	}
	return true
}
