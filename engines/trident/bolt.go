package trident

import (
	"errors"
	"fmt"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// tridentBolt runs one compiled bolt's processors on engines/core, as
// Storm's TridentBoltExecutor around a SubtopologyBolt. It tracks every
// batch in flight and knows when a batch is complete: each upstream task
// ends its part of a batch with a coordination tuple on the direct
// $coord-bg stream that counts the tuples it sent to this task, and once
// every upstream task reported and as many tuples arrived, the batch is
// finished here (for a committer, once the batch's $commit arrived too).
// Finishing runs the processors' finishBatch, sends this task's own counts
// downstream, and acks the tuple held back for it, which is what lets the
// coordinator's $batch (or $commit) tree complete.
//
// A spout bolt is the same with the spout's emitter at its head: a $batch
// tuple from the coordinator makes it emit its part of the batch.
type tridentBolt struct {
	spec   *boltSpec
	shared *processShared

	collector  *core.OutputCollector
	procs      []processor
	emitter    spout.Emitter
	tracked    map[int64]*trackedBatch
	targets    []int // tasks of downstream bolts
	expectedUp int   // coordination tuples that close a batch
	anchor     *core.Tuple
	cur        *trackedBatch
	slab       slab
	taskID     int
}

// trackedBatch is one attempt of one batch in this task.
type trackedBatch struct {
	batch
	txBoxed        any
	received       int
	expected       int
	reported       int
	receivedCommit bool
	delayedAck     *core.Tuple
	failed         bool
	emitted        map[int]int // downstream task -> tuples sent
}

func (b *tridentBolt) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	for i, s := range b.spec.outStream {
		if s != "" {
			d.DeclareStream(s, false, core.NewFields(append([]string{batchIDField}, b.spec.nodes[i].schema.Fields()...)...))
		}
	}
	d.DeclareStream(b.spec.coordStream, true, core.NewFields("id", "count"))
}

func (b *tridentBolt) Prepare(conf core.Config, ctx *core.TopologyContext, c *core.OutputCollector) error {
	b.collector = c
	b.taskID = ctx.ThisTaskID()
	b.tracked = make(map[int64]*trackedBatch)
	for _, comp := range b.spec.downstream {
		b.targets = append(b.targets, ctx.ComponentTasks(comp)...)
	}
	for _, comp := range b.spec.upstream {
		b.expectedUp += len(ctx.ComponentTasks(comp))
	}
	idx, n := ctx.ThisTaskIndex(), len(ctx.ComponentTasks(ctx.ThisComponentID()))
	m := map[string]any(conf)
	b.procs = make([]processor, len(b.spec.nodes))
	for i, nd := range b.spec.nodes {
		if nd.kind == spoutNode {
			e, err := nd.spout.NewEmitter(spout.Context{SpoutID: nd.spoutID, TaskIndex: idx, NumTasks: n, Conf: m, State: b.shared.txState})
			if err != nil {
				return fmt.Errorf("spout %q: %w", nd.spoutID, err)
			}
			b.emitter = e
			b.procs[i] = &passProc{}
		} else if nd.newProc == nil {
			b.procs[i] = &passProc{}
		} else {
			b.procs[i] = nd.newProc()
		}
		i := i
		pc := &procContext{slot: i, conf: m, partitionIdx: idx, numPartitions: n, clock: b.shared.clock, maxPending: b.shared.tconf.maxPending,
			emit:        func(bt *batch, vals tuple.Values) { b.emit(i, vals) },
			emitTuple:   func(bt *batch, t tuple.Tuple) { b.emitTuple(i, t) },
			reportError: func(err error) { b.collector.ReportError(err); b.shared.report(b.spec.id, err) }}
		if err := b.procs[i].prepare(pc); err != nil {
			return fmt.Errorf("%s (%s): %w", b.spec.id, nd.name, err)
		}
	}
	return nil
}

func (b *tridentBolt) Cleanup() {
	for _, p := range b.procs {
		p.cleanup()
	}
	if b.emitter != nil {
		b.emitter.Close()
	}
}

// emit hands values from local node i to its children in this bolt and,
// when another bolt reads it, to engines/core, anchored on the tuple being
// processed and counted per target task for the coordination tuples.
func (b *tridentBolt) emit(i int, vals tuple.Values) {
	b.emitTuple(i, tuple.New(b.spec.nodes[i].schema, vals))
}

// emitTuple is emit for a tuple that may be a view (tuple.Extend).
func (b *tridentBolt) emitTuple(i int, t tuple.Tuple) {
	tb := b.cur
	t = t.WithSchema(b.spec.nodes[i].schema)
	for _, k := range b.spec.children[i] {
		b.procs[k.idx].execute(&tb.batch, k.parent, t)
	}
	if s := b.spec.outStream[i]; s != "" {
		out := core.Values(b.slab.alloc(t.Size() + 1))
		out[0] = tb.txBoxed
		t.CopyTo(tuple.Values(out[1:]))
		for _, task := range b.collector.EmitStream(s, b.anchor, out) {
			tb.emitted[task]++
		}
	}
}

func (b *tridentBolt) Execute(in *core.Tuple) {
	src, stream := in.SourceComponent(), in.SourceStreamID()
	if src == b.spec.mbc {
		tx, _ := in.GetValue(0).(spout.TransactionAttempt)
		switch stream {
		case batchStream:
			b.emitBatch(tx, in)
		case successStream:
			if b.emitter != nil {
				if err := b.emitter.Success(tx); err != nil {
					b.reportErr(fmt.Errorf("spout success of batch %v: %w", tx, err))
				}
			}
			b.collector.Ack(in)
		case drainStream:
			// The answer to the coordinator's question (see
			// masterCoordinator): an ack says that this task's part of
			// batch tx, emitted just before, reached the end of its closed
			// input.
			if d, ok := b.emitter.(spout.Drainer); ok && d.Drained(tx.Txid) {
				b.collector.Ack(in)
			} else {
				b.collector.Fail(in)
			}
		case commitStream:
			// An opaque spout records its batch metadata as part of the commit.
			if b.spec.spoutCommitter {
				if err := b.emitter.Commit(tx); err != nil {
					b.reportErr(fmt.Errorf("spout commit of batch %v: %w", tx, err))
					b.collector.Fail(in)
					return
				}
			}
			if !b.spec.committer {
				b.collector.Ack(in)
				return
			}
			tb := b.track(tx, in)
			if tb == nil {
				return
			}
			tb.receivedCommit = true
			b.checkFinish(tb, in, true)
		default:
			b.collector.Ack(in)
		}
		return
	}
	tx, _ := in.GetValue(0).(spout.TransactionAttempt)
	tb := b.track(tx, in)
	if tb == nil {
		return
	}
	if stream == b.spec.coordStream {
		tb.reported++
		tb.expected += in.GetInt(1)
		b.checkFinish(tb, in, false)
		return
	}
	tb.received++
	if tb.failed {
		b.collector.Fail(in)
		return
	}
	ref, ok := b.spec.inputs[core.GlobalStreamID{ComponentID: src, StreamID: stream}]
	if !ok {
		b.reportErr(fmt.Errorf("tuple from unexpected stream %s/%s", src, stream))
		b.collector.Fail(in)
		return
	}
	vals := in.Values()
	t := tuple.New(ref.schema, tuple.Values(vals[1:len(vals):len(vals)]))
	err := b.run(tb, in, func() { b.procs[ref.idx].execute(&tb.batch, ref.parent, t) })
	if err != nil {
		b.failBatch(tb, err)
		b.collector.Fail(in)
		return
	}
	b.collector.Ack(in)
}

// track returns the tracked attempt for tx, replacing an older attempt; it
// returns nil (and acks in) for a tuple of an attempt already superseded.
func (b *tridentBolt) track(tx spout.TransactionAttempt, in *core.Tuple) *trackedBatch {
	tb := b.tracked[tx.Txid]
	if tb != nil {
		if tx.Attempt < tb.tx.Attempt {
			b.collector.Ack(in)
			return nil
		}
		if tx.Attempt > tb.tx.Attempt {
			// A newer attempt: the old one failed. Release the tuple it held
			// back, so its tree does not wait for the message timeout.
			if tb.delayedAck != nil {
				b.collector.Fail(tb.delayedAck)
			}
			tb = nil
		}
	}
	if tb == nil {
		tb = &trackedBatch{txBoxed: tx, receivedCommit: !b.spec.committer, emitted: make(map[int]int)}
		tb.tx = tx
		tb.slots = make([]any, len(b.procs))
		b.tracked[tx.Txid] = tb
		if err := b.run(tb, in, func() {
			for _, p := range b.procs {
				p.startBatch(&tb.batch)
			}
		}); err != nil {
			b.failBatch(tb, err)
		}
	}
	return tb
}

// checkFinish is Storm's TridentBoltExecutor.checkFinish: it holds back
// the ack of the tuple that will close the batch (the commit tuple for a
// committer, else the first coordination tuple) and finishes the batch
// once everything arrived.
func (b *tridentBolt) checkFinish(tb *trackedBatch, in *core.Tuple, isCommit bool) {
	if tb.failed {
		b.collector.Fail(in)
		return
	}
	delayed := tb.delayedAck == nil && (!b.spec.committer || isCommit)
	if delayed {
		tb.delayedAck = in
	}
	failed := false
	if tb.receivedCommit && tb.reported == b.expectedUp {
		if tb.received == tb.expected {
			b.finishBatch(tb, in)
		} else {
			b.failBatch(tb, fmt.Errorf("batch %v: received %d tuples, upstream sent %d", tb.tx, tb.received, tb.expected))
			b.collector.Fail(in)
			failed = true
		}
	}
	if !delayed && !failed {
		b.collector.Ack(in)
	}
}

func (b *tridentBolt) finishBatch(tb *trackedBatch, anchor *core.Tuple) {
	err := b.run(tb, anchor, func() {
		for i, p := range b.procs {
			if err := p.finishBatch(&tb.batch); err != nil {
				panic(finishError{fmt.Errorf("%s (%s): %w", b.spec.id, b.spec.nodes[i].name, err)})
			}
		}
	})
	delete(b.tracked, tb.tx.Txid)
	if err != nil {
		b.failBatch(tb, err)
		if anchor != tb.delayedAck {
			b.collector.Fail(anchor)
		}
		return
	}
	b.sendCoord(tb, anchor)
	if tb.delayedAck != nil {
		b.collector.Ack(tb.delayedAck)
		tb.delayedAck = nil
	}
}

func (b *tridentBolt) sendCoord(tb *trackedBatch, anchor *core.Tuple) {
	for _, task := range b.targets {
		b.collector.EmitDirect(task, b.spec.coordStream, anchor, core.Values{tb.txBoxed, tb.emitted[task]})
	}
}

func (b *tridentBolt) failBatch(tb *trackedBatch, err error) {
	b.reportErr(err)
	if errors.Is(err, ErrStopRun) {
		// Replaying cannot help: the run fails now, with this error,
		// rather than after trident.max.batch.attempts replays (or never,
		// for a non-transactional spout whose replays carry new records).
		b.shared.fail(b.spec.id, b.taskID, err)
	}
	tb.failed = true
	if tb.delayedAck != nil {
		b.collector.Fail(tb.delayedAck)
		tb.delayedAck = nil
	}
}

func (b *tridentBolt) reportErr(err error) {
	b.collector.ReportError(err)
	b.shared.report(b.spec.id, err)
}

// emitBatch runs the spout's emitter for its part of batch tx, then
// finishes the batch in this bolt at once: a spout bolt waits for no
// upstream task.
func (b *tridentBolt) emitBatch(tx spout.TransactionAttempt, in *core.Tuple) {
	if b.emitter == nil {
		b.collector.Ack(in)
		return
	}
	tb := b.track(tx, in)
	if tb == nil {
		return
	}
	if tb.failed {
		b.collector.Fail(in)
		return
	}
	spoutIdx := b.spec.local[b.spec.spoutNode.id]
	c := &spoutCollector{b: b, idx: spoutIdx}
	err := b.run(tb, in, func() {
		if err := b.emitter.EmitBatch(tx, c); err != nil {
			panic(finishError{fmt.Errorf("spout %q batch %v: %w", b.spec.spoutNode.spoutID, tx, err)})
		}
	})
	if err != nil {
		delete(b.tracked, tx.Txid)
		b.failBatch(tb, err)
		b.collector.Fail(in)
		return
	}
	b.shared.metrics.tuplesEmitted.Add(int64(c.n))
	if b.spec.committer {
		// A state updated right after the spout is updated at commit, in
		// txid order, like any committer: the batch waits for its $commit.
		b.collector.Ack(in)
		return
	}
	tb.delayedAck = in
	b.finishBatch(tb, in)
}

type spoutCollector struct {
	b   *tridentBolt
	idx int
	n   int
}

func (c *spoutCollector) Emit(vals tuple.Values) { c.n++; c.b.emit(c.idx, vals) }
func (c *spoutCollector) ReportError(err error)  { c.b.reportErr(err) }

// finishError carries an error out of a processor through run's recover.
type finishError struct{ err error }

// run calls fn for batch tb with anchor as the tuple emits anchor on. A
// panicking user operation becomes an error that fails the batch, as a
// Storm FailedException does, instead of crashing the worker.
func (b *tridentBolt) run(tb *trackedBatch, anchor *core.Tuple, fn func()) (err error) {
	prevB, prevA := b.cur, b.anchor
	b.cur, b.anchor = tb, anchor
	defer func() {
		b.cur, b.anchor = prevB, prevA
		if r := recover(); r != nil {
			if fe, ok := r.(finishError); ok {
				err = fe.err
				return
			}
			err = fmt.Errorf("batch %v: operation panicked: %v", tb.tx, r)
		}
	}()
	fn()
	return nil
}
