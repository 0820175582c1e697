package spout

import (
	"errors"
	"fmt"

	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// PartitionedSpout is Storm's IPartitionedTridentSpout, the transactional
// spout: a batch is the union of one batch per partition, each described by
// metadata (offsets) from which it can be emitted again identically.
type PartitionedSpout interface {
	OutputFields() tuple.Fields
	// Partitions returns the number of partitions, 0 to n-1.
	Partitions() int
	NewPartitionedEmitter(ctx Context) (PartitionedEmitter, error)
}

// PartitionedEmitter emits the batches of the partitions one task owns.
type PartitionedEmitter interface {
	// EmitPartitionBatchNew emits the first attempt of partition's batch in
	// tx, starting after lastMeta (nil for the partition's first batch),
	// and returns the metadata that lets EmitPartitionBatch repeat it.
	EmitPartitionBatchNew(tx TransactionAttempt, c operation.TridentCollector, partition int, lastMeta []byte) ([]byte, error)
	// EmitPartitionBatch emits again exactly the batch meta describes.
	EmitPartitionBatch(tx TransactionAttempt, c operation.TridentCollector, partition int, meta []byte) error
	Close() error
}

// PartitionedSpoutExecutor adapts a PartitionedSpout to a TridentSpout, as
// Storm's PartitionedTridentSpoutExecutor: task i of n owns partitions i,
// i+n, ...
type PartitionedSpoutExecutor struct {
	Spout PartitionedSpout
}

var _ TridentSpout = PartitionedSpoutExecutor{}

// NewPartitionedSpoutExecutor wraps s.
func NewPartitionedSpoutExecutor(s PartitionedSpout) PartitionedSpoutExecutor {
	return PartitionedSpoutExecutor{Spout: s}
}

// Kind implements TridentSpout.
func (PartitionedSpoutExecutor) Kind() Kind { return Transactional }

// OutputFields implements TridentSpout.
func (e PartitionedSpoutExecutor) OutputFields() tuple.Fields { return e.Spout.OutputFields() }

// NewEmitter implements TridentSpout.
func (e PartitionedSpoutExecutor) NewEmitter(ctx Context) (Emitter, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	inner, err := e.Spout.NewPartitionedEmitter(ctx)
	if err != nil {
		return nil, err
	}
	return &partitionedEmitter{ctx: ctx, inner: inner, parts: ownedPartitions(e.Spout.Partitions(), ctx)}, nil
}

type partitionedEmitter struct {
	ctx   Context
	inner PartitionedEmitter
	parts []int
	bufs  []bufferCollector
	guard txGuard
}

// EmitBatch emits each owned partition's batch of tx. A txid seen before is
// re-emitted from its recorded metadata; a new txid's metadata is recorded
// before its tuples leave the spout. Every partition's metadata is settled
// before any tuple leaves, so that an operation failing on the tuples of
// one partition cannot leave another partition without the metadata that
// the next txid builds on.
func (e *partitionedEmitter) EmitBatch(tx TransactionAttempt, c operation.TridentCollector) error {
	if err := e.guard.check(tx); err != nil {
		return err
	}
	if e.bufs == nil {
		e.bufs = make([]bufferCollector, len(e.parts))
	}
	for i, p := range e.parts {
		buf := &e.bufs[i]
		buf.reset()
		meta, ok, err := e.ctx.State.PartitionMeta(e.ctx.SpoutID, p, tx.Txid)
		if err == nil && ok {
			err = e.inner.EmitPartitionBatch(tx, buf, p, meta)
		} else if err == nil {
			var last []byte
			if _, last, _, err = e.ctx.State.PreviousPartitionMeta(e.ctx.SpoutID, p, tx.Txid); err == nil {
				if meta, err = e.inner.EmitPartitionBatchNew(tx, buf, p, last); err == nil {
					err = e.ctx.State.SetPartitionMeta(e.ctx.SpoutID, p, tx.Txid, meta)
				}
			}
		}
		if err != nil {
			e.guard.block(tx)
			return err
		}
	}
	for i := range e.bufs {
		e.bufs[i].flush(c)
	}
	return nil
}

func (e *partitionedEmitter) Commit(TransactionAttempt) error { return nil }

// Success forgets metadata older than the committed txid.
func (e *partitionedEmitter) Success(tx TransactionAttempt) error {
	return e.ctx.State.CleanupBefore(e.ctx.SpoutID, tx.Txid)
}

func (e *partitionedEmitter) Close() error { return e.inner.Close() }

func (e *partitionedEmitter) Drained(txid int64) bool {
	if d, ok := e.inner.(Drainer); ok {
		return d.Drained(txid)
	}
	return false
}

// txGuard refuses to emit batches after one whose metadata could not be
// settled, until that one is emitted again: a later txid builds on the
// earlier one's metadata, so emitting it first would make the two overlap.
// The coordinator replays the failed txid and every later one anyway.
type txGuard struct{ blocked int64 }

func (g *txGuard) check(tx TransactionAttempt) error {
	switch {
	case g.blocked == 0:
	case tx.Txid == g.blocked:
		g.blocked = 0
	case tx.Txid > g.blocked:
		return fmt.Errorf("batch %v waits for batch %d to be emitted again: %w", tx, g.blocked, ErrEarlierBatchFailed)
	}
	return nil
}

func (g *txGuard) block(tx TransactionAttempt) {
	if g.blocked == 0 || tx.Txid < g.blocked {
		g.blocked = tx.Txid
	}
}

// ErrEarlierBatchFailed is returned for a batch emitted while an earlier
// one's emission failed and has not been retried.
var ErrEarlierBatchFailed = errors.New("an earlier batch failed to emit")

// bufferCollector holds a batch's tuples until the spout may release them.
type bufferCollector struct {
	vals []tuple.Values
	errs []error
}

func (b *bufferCollector) Emit(v tuple.Values)   { b.vals = append(b.vals, v) }
func (b *bufferCollector) ReportError(err error) { b.errs = append(b.errs, err) }
func (b *bufferCollector) reset()                { b.vals, b.errs = b.vals[:0], b.errs[:0] }
func (b *bufferCollector) flush(c operation.TridentCollector) {
	for _, err := range b.errs {
		c.ReportError(err)
	}
	for i, v := range b.vals {
		c.Emit(v)
		b.vals[i] = nil
	}
	b.reset()
}

// Ready implements Readier for a spout that does.
func (e PartitionedSpoutExecutor) Ready(txid int64) bool {
	if r, ok := e.Spout.(Readier); ok {
		return r.Ready(txid)
	}
	return true
}
