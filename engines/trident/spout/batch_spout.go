package spout

import (
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// BatchSpout is Storm's IBatchSpout, the simplest Trident spout: asked to
// emit batch batchID, it emits whatever it has. It is non-transactional: if
// it does not cache its batches, a replayed batchID carries other tuples, and
// no state can be exact over it.
type BatchSpout interface {
	Open(conf map[string]any, ctx Context) error
	EmitBatch(batchID int64, c operation.TridentCollector) error
	// Ack tells the spout that batch batchID committed.
	Ack(batchID int64)
	Close() error
	OutputFields() tuple.Fields
}

// BatchSpoutExecutor adapts a BatchSpout to a TridentSpout, as Storm's
// BatchSpoutExecutor does. Only the first task of the spout emits.
type BatchSpoutExecutor struct {
	Spout BatchSpout
}

var _ TridentSpout = BatchSpoutExecutor{}

// NewBatchSpoutExecutor wraps s.
func NewBatchSpoutExecutor(s BatchSpout) BatchSpoutExecutor { return BatchSpoutExecutor{Spout: s} }

// Kind implements TridentSpout.
func (BatchSpoutExecutor) Kind() Kind { return NonTransactional }

// OutputFields implements TridentSpout.
func (e BatchSpoutExecutor) OutputFields() tuple.Fields { return e.Spout.OutputFields() }

// NewEmitter implements TridentSpout: it opens the spout in the first
// task. A BatchSpout knows nothing of partitions, so only one task emits;
// the others emit nothing and so add nothing to a batch.
func (e BatchSpoutExecutor) NewEmitter(ctx Context) (Emitter, error) {
	if ctx.TaskIndex > 0 {
		return idleEmitter{}, nil
	}
	if err := e.Spout.Open(ctx.Conf, ctx); err != nil {
		return nil, err
	}
	return &batchEmitter{s: e.Spout}, nil
}

type batchEmitter struct{ s BatchSpout }

func (b *batchEmitter) EmitBatch(tx TransactionAttempt, c operation.TridentCollector) error {
	return b.s.EmitBatch(tx.Txid, c)
}
func (b *batchEmitter) Commit(TransactionAttempt) error { return nil }
func (b *batchEmitter) Success(tx TransactionAttempt) error {
	b.s.Ack(tx.Txid)
	return nil
}
func (b *batchEmitter) Close() error { return b.s.Close() }

func (b *batchEmitter) Drained(txid int64) bool {
	if d, ok := b.s.(Drainer); ok {
		return d.Drained(txid)
	}
	return false
}

// idleEmitter is the emitter of a BatchSpout's other tasks.
type idleEmitter struct{}

func (idleEmitter) EmitBatch(TransactionAttempt, operation.TridentCollector) error { return nil }
func (idleEmitter) Commit(TransactionAttempt) error                                { return nil }
func (idleEmitter) Success(TransactionAttempt) error                               { return nil }
func (idleEmitter) Close() error                                                   { return nil }
func (idleEmitter) Drained(int64) bool                                             { return true }

// Ready implements Readier for a spout that does.
func (e BatchSpoutExecutor) Ready(txid int64) bool {
	if r, ok := e.Spout.(Readier); ok {
		return r.Ready(txid)
	}
	return true
}
