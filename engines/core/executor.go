package core

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/streambench/streambench/engines"
)

// executor is Storm's executor: one goroutine running one or more tasks of
// one component, with one bounded receive queue. Tuples it emits are
// batched per destination task and handed to the transport when a batch is
// full or when the executor has nothing more to read: a spout after each
// round of NextTuple calls, a bolt after the input batches waiting in its
// queue. A bolt waits while a destination queue is full (backpressure); a
// spout never waits: it keeps what did not fit and stops calling NextTuple
// until it has been delivered, while still taking acks and fails.
type executor struct {
	topo   *topology
	asg    *assignment
	comp   *compPlan
	tasks  []*task
	first  int // id of tasks[0]; an executor's tasks are contiguous
	queue  *engines.Queue[Tuple]
	worker *worker
	ctx    context.Context
	exited chan struct{} // closed when run returns

	batches  [][]Tuple // by destination task id: the batch being filled
	dirty    []int     // destinations with a batch being filled
	overflow []outBatch
	// recycle says the tuples this executor receives are not kept after
	// they are processed, so their batches can be reused; settle says a
	// batch can be reused once all its tuples are acked or failed.
	recycle bool
	settle  bool
	timer   *time.Timer
	// Why a spout executor last stopped calling NextTuple, for the
	// __skipped-backpressure-ms and __skipped-max-spout-ms metrics.
	backpressured bool
	maxPendingHit bool
}

// outBatch is a batch waiting for room in its destination's queue.
type outBatch struct {
	dst int
	b   []Tuple
}

func (e *executor) task(id int32) *task { return e.tasks[int(id)-e.first] }

// add appends tup to the batch for its destination, handing the batch on
// when it is full.
func (e *executor) add(tup Tuple) {
	dst := int(tup.dstTask)
	b := e.batches[dst]
	if b == nil {
		b = e.topo.pool.get()
		e.dirty = append(e.dirty, dst)
	}
	b = append(b, tup)
	if len(b) >= e.comp.batchSize {
		e.batches[dst] = nil
		e.send(dst, b)
		return
	}
	e.batches[dst] = b
}

// flush hands on every partial batch.
func (e *executor) flush() {
	for _, dst := range e.dirty {
		if b := e.batches[dst]; b != nil {
			e.batches[dst] = nil
			e.send(dst, b)
		}
	}
	e.dirty = e.dirty[:0]
}

// send hands one batch to the transport. The batch counts as in flight
// from here until its receiver has processed it.
func (e *executor) send(dst int, b []Tuple) {
	e.topo.handed(len(b))
	tr := e.asg.transport
	if e.comp.isSpout {
		// Keep per-destination order: once anything waits, later batches
		// wait behind it.
		if len(e.overflow) == 0 {
			ok, err := tr.TrySend(dst, b)
			if ok {
				return
			}
			if err != nil {
				e.dropped(dst, b, err)
				return
			}
		}
		e.overflow = append(e.overflow, outBatch{dst: dst, b: b})
		return
	}
	if err := tr.Send(e.ctx, dst, b); err != nil {
		e.dropped(dst, b, err)
	}
}

// dropped settles a batch the transport refused. While the assignment
// stops (the transport closed, the executor cancelled) the batch is
// dropped with it, as a dying Storm worker drops what it holds; any other
// refusal (a value the cluster's codec cannot encode, a peer that refused
// this worker) is the task's error, since the tuples would otherwise
// vanish and come back only as timeouts.
func (e *executor) dropped(dst int, b []Tuple, err error) {
	e.topo.settled(len(b))
	if errors.Is(err, engines.ErrTransportClosed) || e.ctx.Err() != nil {
		return
	}
	err = fmt.Errorf("send %d tuples to task %d: %w", len(b), dst, err)
	e.topo.mu.Lock()
	if e.topo.unrecoverable == nil {
		e.topo.unrecoverable = err
	}
	e.topo.mu.Unlock()
	e.tasks[0].reportError(err)
}

// retryOverflow delivers what a spout could not, in order per destination.
func (e *executor) retryOverflow() {
	if len(e.overflow) == 0 {
		return
	}
	tr := e.asg.transport
	var blocked map[int]bool
	kept := e.overflow[:0]
	for _, ob := range e.overflow {
		if blocked[ob.dst] {
			kept = append(kept, ob)
			continue
		}
		ok, err := tr.TrySend(ob.dst, ob.b)
		switch {
		case ok:
		case err != nil:
			e.dropped(ob.dst, ob.b, err)
		default:
			if blocked == nil {
				blocked = make(map[int]bool)
			}
			blocked[ob.dst] = true
			kept = append(kept, ob)
		}
	}
	clear(e.overflow[len(kept):])
	e.overflow = kept
}

// done ends the processing of received batches: their tuples are no longer
// in flight, and their memory can be reused when nothing keeps them.
func (e *executor) done(n int) {
	e.topo.settled(n)
}

// handed counts n tuples handed to the transport: in flight until their
// receiver has processed them (or the assignment dropped them).
func (tp *topology) handed(n int) {
	tp.inflight.Add(int64(n))
	tp.sent.Add(int64(n))
}

// settled counts n tuples processed by their receiver, or dropped.
func (tp *topology) settled(n int) {
	tp.inflight.Add(-int64(n))
	tp.done.Add(int64(n))
}

// batchRef tracks a received batch whose memory is reused once every
// tuple of it has been executed and then acked or failed.
type batchRef struct {
	b        []Tuple
	open     int
	executed bool
}

// settled notes that tuple in was acked or failed; the last one of an
// executed batch returns the batch's memory to the pool.
func (e *executor) settled(in *Tuple) {
	r := in.ref
	if r == nil {
		return
	}
	in.ref = nil
	r.open--
	if r.open == 0 && r.executed {
		e.topo.pool.put(r.b)
	}
}

func (e *executor) release(b []Tuple) {
	if e.recycle {
		e.topo.pool.put(b)
	}
}

// publish makes the tasks' counters visible to metrics readers.
func (e *executor) publish() {
	for _, t := range e.tasks {
		t.stats.publish()
	}
}

// userPanic reports a panic in user code and fails the tuple being
// processed, as Storm reports an exception and the tuple's tree fails.
func (e *executor) userPanic(t *task, in *Tuple, r any) {
	t.reportError(&PanicError{Value: r, Stack: debug.Stack()})
	if in != nil && in.meta.kind == kindData {
		t.fail(in)
	}
}

// run is the executor goroutine.
func (e *executor) run() {
	defer e.asg.wg.Done()
	defer close(e.exited)
	if e.comp.isSpout {
		e.runSpout()
	} else {
		e.runBolt()
	}
}

// newTicker starts a ticker of the topology's clock, or returns nil.
func (e *executor) newTicker(d time.Duration) (Ticker, <-chan time.Time) {
	if d <= 0 {
		return nil, nil
	}
	tk := e.topo.clock.NewTicker(d)
	return tk, tk.C()
}

// batchPool recycles batch memory between executors. A channel keeps it
// simple and allocation-free; a batch that finds the pool full is left to
// the garbage collector.
type batchPool struct {
	free chan []Tuple
	size int
}

func newBatchPool(size, n int) *batchPool {
	return &batchPool{free: make(chan []Tuple, n), size: size}
}

func (p *batchPool) get() []Tuple {
	select {
	case b := <-p.free:
		return b
	default:
		return make([]Tuple, 0, p.size)
	}
}

func (p *batchPool) put(b []Tuple) {
	clear(b)
	select {
	case p.free <- b[:0]:
	default:
	}
}
