package core

import (
	"time"
)

// maxBatchesPerFlush bounds how many waiting input batches a bolt executes
// before it flushes its outputs, so that downstream sees tuples promptly.
const maxBatchesPerFlush = 16

// runBolt is a bolt (or acker) executor's loop (Storm's BoltExecutor): wait
// for a batch, a tick or the stop; execute the batch and whatever else is
// waiting; flush.
func (e *executor) runBolt() {
	tickTicker, tickC := e.newTicker(e.comp.tick)
	if tickTicker != nil {
		defer tickTicker.Stop()
	}
	var sysPeriod time.Duration
	switch {
	case e.comp.isAcker:
		sysPeriod = e.topo.plan.timeout
	case e.comp.boltKind == kindWindowed:
		sysPeriod = e.windowTimerPeriod()
	}
	sysTicker, sysC := e.newTicker(sysPeriod)
	if sysTicker != nil {
		defer sysTicker.Stop()
	}
	for {
		select {
		case b := <-e.queue.C():
			e.boltBatches(b)
		case now := <-tickC:
			e.token(func() { e.tickTasks(now) })
		case now := <-sysC:
			e.token(func() { e.systemTick(now) })
		case <-e.ctx.Done():
			return
		}
	}
}

// token runs a timer-driven piece of work holding an in-flight token,
// unless the topology is quiescing for a rebalance or a kill.
func (e *executor) token(fn func()) {
	e.topo.inflight.Add(1)
	defer e.topo.inflight.Add(-1)
	if e.topo.quiescing.Load() {
		return
	}
	fn()
	e.flush()
	e.publish()
}

// boltBatches executes b and the batches waiting behind it, then flushes.
func (e *executor) boltBatches(b []Tuple) {
	n := 0
	var held [maxBatchesPerFlush][]Tuple
	for i := 0; ; i++ {
		var ref *batchRef
		if e.settle {
			ref = &batchRef{b: b, open: len(b)}
			for j := range b {
				b[j].ref = ref
			}
		}
		e.executeBatch(b)
		n += len(b)
		if ref != nil {
			ref.executed = true
			if ref.open == 0 {
				e.topo.pool.put(b)
			}
		} else {
			held[i] = b
		}
		if i+1 == maxBatchesPerFlush {
			break
		}
		select {
		case b = <-e.queue.C():
			continue
		default:
		}
		break
	}
	for _, t := range e.tasks {
		if t.flusher != nil {
			t.callBolt(t.flusher.Flush)
		}
	}
	e.flush()
	e.publish()
	e.done(n)
	for _, hb := range held {
		if hb != nil {
			e.release(hb)
		}
	}
}

// executeBatch runs every tuple of b, carrying on after a panicking one.
func (e *executor) executeBatch(b []Tuple) {
	for i := 0; i < len(b); {
		i = e.executeFrom(b, i)
	}
}

func (e *executor) executeFrom(b []Tuple, i int) (next int) {
	defer func() {
		if r := recover(); r != nil {
			in := &b[next]
			e.userPanic(e.task(in.dstTask), in, r)
			next++
		}
	}()
	for next = i; next < len(b); next++ {
		in := &b[next]
		t := e.task(in.dstTask)
		switch in.meta.kind {
		case kindData:
			t.execute(in)
		case kindAckInit, kindAckAck, kindAckFail, kindAckReset:
			// The acker is a bolt to Storm's metrics: each message is
			// executed and acked.
			t.stats.executed++
			t.stats.acked++
			if out, ok := t.acker.handle(in); ok {
				e.add(out)
			}
		}
	}
	return next
}

// execute runs one input tuple through the task's bolt, measuring a sample
// of execute latencies (topology.stats.sample.rate).
func (t *task) execute(in *Tuple) {
	s := &t.stats
	s.sampleCtr++
	var start int64
	if s.sampleCtr%t.comp.sampleN == 0 {
		start = t.topo.clock.Now().UnixNano()
		in.started = start
	}
	s.executed++
	t.calls.enter()
	defer t.calls.leave()
	if t.basic != nil {
		bc := t.basicCollector
		bc.input = in
		err := t.basic.Execute(in, bc)
		bc.input = nil
		if err != nil {
			if isReported(err) {
				t.reportError(err)
			}
			t.fail(in)
		} else {
			t.ack(in)
		}
	} else {
		t.bolt.Execute(in)
	}
	if start != 0 {
		s.execLatNs += t.topo.clock.Now().UnixNano() - start
		s.execLatN++
	}
}

// tickTasks sends a tick tuple to each task (Storm's system tick, from
// __system on __tick, every topology.tick.tuple.freq.secs).
func (e *executor) tickTasks(time.Time) {
	secs := int(e.comp.tick / time.Second)
	for _, t := range e.tasks {
		tick := &Tuple{values: Values{secs}, meta: tickMeta, srcTask: -1, dstTask: int32(t.id)}
		t.callBolt(func() { t.execute(tick) })
	}
}

// systemTick rotates an acker's pending map or evaluates a windowed bolt's
// triggers.
func (e *executor) systemTick(now time.Time) {
	for _, t := range e.tasks {
		switch {
		case t.acker != nil:
			t.acker.rotate()
		case t.window != nil:
			t.callBolt(func() { t.window.onTimer(now) })
		}
	}
}

// callBolt runs bolt code, reporting a panic as the task's error.
func (t *task) callBolt(fn func()) {
	if err := safeCall(fn); err != nil {
		t.reportError(err)
	}
}
