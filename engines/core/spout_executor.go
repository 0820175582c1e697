package core

import (
	"runtime"
	"time"
)

// runSpout is a spout executor's loop (Storm's SpoutExecutor): take acks
// and fails, rotate the pending map on message-timeout ticks, deliver what
// backpressure held back, and call NextTuple on each task while it is
// active, under its max spout pending, and not backpressured. With nothing
// to do it waits as Storm's progressive wait strategy does: spin, yield,
// then sleep topology.spout.wait.progressive.level3.sleep.millis.
func (e *executor) runSpout() {
	timeoutTicker, timeoutC := e.newTicker(e.topo.plan.timeout)
	if timeoutTicker != nil {
		defer timeoutTicker.Stop()
	}
	sleepMs, _ := e.comp.conf.Int(TopologySpoutWaitSleepMillis)
	sleep := max(time.Duration(sleepMs)*time.Millisecond, 50*time.Microsecond)
	e.timer = time.NewTimer(time.Hour)
	e.timer.Stop()
	defer e.timer.Stop()
	idle := 0
	for {
		if e.ctx.Err() != nil {
			return
		}
		worked := e.drainSpoutQueue(64)
		select {
		case <-timeoutC:
			e.spoutTimeout()
			worked = true
		default:
		}
		if e.round() {
			worked = true
		}
		if worked {
			idle = 0
			continue
		}
		idle++
		if idle < 16 {
			runtime.Gosched()
			continue
		}
		// Sleep, but wake at once for an ack, a timeout or a stop.
		start := time.Now()
		e.timer.Reset(sleep)
		select {
		case b := <-e.queue.C():
			e.spoutBatch(b)
			idle = 0
		case <-timeoutC:
			e.spoutTimeout()
			idle = 0
		case <-e.ctx.Done():
		case <-e.timer.C:
		}
		if !e.timer.Stop() {
			select {
			case <-e.timer.C:
			default:
			}
		}
		e.accountSkip(time.Since(start))
	}
}

// drainSpoutQueue processes up to n waiting batches of acks and fails.
func (e *executor) drainSpoutQueue(n int) bool {
	worked := false
	for range n {
		select {
		case b := <-e.queue.C():
			e.spoutBatch(b)
			worked = true
		default:
			return worked
		}
	}
	return worked
}

// spoutBatch processes acker verdicts for this executor's tasks.
func (e *executor) spoutBatch(b []Tuple) {
	now := e.topo.clock.Now().UnixNano()
	for i := range b {
		m := &b[i]
		t := e.task(m.dstTask)
		switch m.meta.kind {
		case kindAckAck:
			t.spoutDone(m.root, true, now)
		case kindAckFail:
			t.spoutDone(m.root, false, now)
		case kindAckReset:
			if p, bucket, ok := t.pending.get(m.root); ok && bucket != 0 {
				delete(t.pending.buckets[bucket], m.root)
				t.pending.put(m.root, p)
			}
		}
	}
	e.flush()
	for _, t := range e.tasks {
		t.pendingCount.Store(int64(t.pending.len()))
	}
	e.publish()
	e.done(len(b))
	e.release(b)
}

// spoutTimeout rotates each task's pending map, failing the expired tuples.
func (e *executor) spoutTimeout() {
	e.topo.inflight.Add(1)
	defer e.topo.inflight.Add(-1)
	if e.topo.quiescing.Load() {
		return
	}
	for _, t := range e.tasks {
		t.timeout()
		t.pendingCount.Store(int64(t.pending.len()))
	}
	e.flush()
	e.publish()
}

// round is one pass of NextTuple calls over the executor's tasks. It holds
// an in-flight token while it runs, so that a rebalance or a drain that
// sees nothing in flight knows no round is emitting.
func (e *executor) round() bool {
	e.topo.inflight.Add(1)
	defer e.topo.inflight.Add(-1)
	if e.topo.quiescing.Load() {
		e.retryOverflow()
		return false
	}
	active := e.topo.active.Load()
	for _, t := range e.tasks {
		if t.activeSeen != active {
			t.activeSeen = active
			if active {
				t.callSpout(t.spout.Activate)
			} else {
				t.callSpout(t.spout.Deactivate)
			}
		}
	}
	e.retryOverflow()
	if len(e.overflow) > 0 {
		e.flush()
		e.backpressured = true
		return false
	}
	e.backpressured = false
	if !active {
		return false
	}
	emitted := false
	now := e.topo.clock.Now().UnixNano()
	e.maxPendingHit = false
	for _, t := range e.tasks {
		t.emitTime = now
		budget := e.comp.batchSize
		for budget > 0 && len(e.overflow) == 0 {
			if e.comp.maxPending > 0 && t.pending.len() >= e.comp.maxPending {
				e.maxPendingHit = true
				break
			}
			before := t.emits
			e.nextTuple(t)
			t.runImmediate()
			if t.emits == before {
				if t.finite != nil {
					var ex bool
					t.callSpout(func() { ex = t.finite.Exhausted() })
					t.exhausted.Store(ex)
				}
				break
			}
			t.exhausted.Store(false)
			emitted = true
			budget -= int(t.emits - before)
		}
		t.pendingCount.Store(int64(t.pending.len()))
	}
	e.flush()
	e.publish()
	return emitted
}

// nextTuple calls the spout's NextTuple, reporting a panic.
func (e *executor) nextTuple(t *task) {
	defer func() {
		if r := recover(); r != nil {
			e.userPanic(t, nil, r)
		}
	}()
	t.calls.enter()
	defer t.calls.leave()
	t.spout.NextTuple()
}

// accountSkip adds time spent waiting to Storm's skip metrics, by reason.
func (e *executor) accountSkip(d time.Duration) {
	switch {
	case e.backpressured:
		for _, t := range e.tasks {
			t.stats.skippedBackpressureNs += int64(d)
		}
	case e.maxPendingHit:
		for _, t := range e.tasks {
			t.stats.skippedMaxSpoutNs += int64(d)
		}
	default:
		return
	}
	e.publish()
}
