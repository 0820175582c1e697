package core

import "sync/atomic"

// task is one instance of a component: Storm's task. Tasks are created at
// submission and live as long as the topology, whichever executor runs them
// (a rebalance moves tasks between executors, not their state). Everything
// but the atomics is touched only by the goroutine of the task's current
// executor.
type task struct {
	id          int
	incarnation int // 0 at submission, +1 at each restart
	comp        *compPlan
	topo        *topology
	context     *TopologyContext
	calls       callWatch // inside Execute or NextTuple, for the stuck report

	spout   Spout
	finite  FiniteSpout
	bolt    Bolt
	basic   BasicBolt
	flusher Flusher

	exec   *executor
	routes [][]grouper    // per stream index, one grouper per non-direct subscription
	direct []map[int]bool // per stream index, the tasks that may receive EmitDirect
	custom map[*subscription]*customGrouper
	rng    rng
	// targets is the scratch slice emits return.
	targets []int

	// Spouts.
	spoutCollector *SpoutOutputCollector
	pending        *rotatingMap[pendingTuple]
	immediate      []any // message ids to ack after NextTuple returns (no ackers)
	emitTime       int64 // clock reading for the current NextTuple round
	emits          int64 // spout emits so far, to tell whether NextTuple emitted
	activeSeen     bool
	exhausted      atomic.Bool
	pendingCount   atomic.Int64

	// Bolts.
	collector      *OutputCollector
	basicCollector *BasicOutputCollector

	// Ackers.
	acker *acker

	// Windowed bolts: the executor of the window, and while a window is
	// being executed, its tuples, on which emits are anchored.
	window        *windowedExecutor
	windowAnchors []*Tuple

	stats taskStats
}

// pendingTuple is a spout tuple in flight.
type pendingTuple struct {
	msgID   any
	emitted int64 // ns, for the complete latency
}

func (t *task) tracking() bool { return len(t.topo.plan.ackers) > 0 }

// route returns the targets of values on stream m, or of a direct emit.
func (t *task) route(m *streamMeta, streamID string, values Values, direct int) []int {
	if m == nil {
		t.emitError("stream %q is not declared (declare it in DeclareOutputFields)", streamID)
	}
	if len(values) != m.fields.Size() {
		t.emitError("stream %q has fields %v but %d values were emitted", streamID, m.fields, len(values))
	}
	out := t.targets[:0]
	if direct >= 0 {
		if !m.direct {
			t.emitError("EmitDirect on stream %q, which is not direct; declare it with DeclareStream(%q, true, fields)", streamID, streamID)
		}
		if !t.direct[m.index][direct] {
			t.emitError("EmitDirect to task %d, which does not subscribe to stream %q with DirectGrouping", direct, streamID)
		}
		out = append(out, direct)
	} else {
		if m.direct {
			t.emitError("stream %q is direct; emit on it with EmitDirect", streamID)
		}
		for _, g := range t.routes[m.index] {
			out = g.choose(values, out)
		}
	}
	t.targets = out
	return out
}

// emit sends a bolt's tuple to its targets, anchoring it on anchors:
// for each target and each anchor, a new edge id is XORed into the anchor's
// ack value and recorded in the new tuple's message id under every root
// of the anchor (Storm's OutputCollector emit).
func (t *task) emit(m *streamMeta, streamID string, a1 *Tuple, as []*Tuple, values Values, direct int) []int {
	out := t.route(m, streamID, values, direct)
	e := t.exec
	track := t.tracking()
	if a1 == nil && as == nil && t.windowAnchors != nil {
		as = t.windowAnchors
	}
	for _, dst := range out {
		tup := Tuple{values: values, meta: m, srcTask: int32(t.id), dstTask: int32(dst)}
		if track {
			if a1 != nil && as == nil {
				if a1.root != 0 {
					edge := t.rng.id()
					a1.ackVal ^= edge
					tup.root, tup.edge = a1.root, edge
					for _, x := range a1.extra() {
						tup.putXor(x.root, edge)
					}
				}
			} else {
				for _, a := range as {
					if a == nil || a.root == 0 {
						continue
					}
					edge := t.rng.id()
					a.ackVal ^= edge
					tup.putXor(a.root, edge)
					for _, x := range a.extra() {
						tup.putXor(x.root, edge)
					}
				}
			}
		}
		e.add(tup)
	}
	t.stats.emitted[m.index]++
	t.stats.transferred += int64(len(out))
	if t.comp.debug {
		t.topo.log.Info("emitting", "component", t.comp.id, "task", t.id, "stream", streamID, "values", []any(values))
	}
	return out
}

// putXor XORs edge into the tuple's id under root (Storm's MessageId putXor).
func (tup *Tuple) putXor(root, edge uint64) {
	if tup.root == 0 {
		tup.root, tup.edge = root, edge
		return
	}
	if tup.root == root {
		tup.edge ^= edge
		return
	}
	if tup.more == nil {
		tup.more = &[]anchor{}
	}
	more := *tup.more
	for i := range more {
		if more[i].root == root {
			more[i].edge ^= edge
			return
		}
	}
	*tup.more = append(more, anchor{root: root, edge: edge})
}

// spoutEmit sends a spout's tuple. A tracked tuple gets a random root id
// and one edge id per target; the acker is told the XOR of the edge ids.
func (t *task) spoutEmit(m *streamMeta, streamID string, values Values, msgID any, direct int) []int {
	out := t.route(m, streamID, values, direct)
	e := t.exec
	var root, xor uint64
	if msgID != nil && t.tracking() && len(out) > 0 {
		root = t.rng.id()
	}
	for _, dst := range out {
		tup := Tuple{values: values, meta: m, srcTask: int32(t.id), dstTask: int32(dst)}
		if root != 0 {
			edge := t.rng.id()
			tup.root, tup.edge = root, edge
			xor ^= edge
		}
		e.add(tup)
	}
	if msgID != nil {
		if root != 0 {
			t.pending.put(root, pendingTuple{msgID: msgID, emitted: t.emitTime})
			e.add(Tuple{meta: ackInitMeta, root: root, edge: xor, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(root)})
		} else {
			// Without ackers, or with nowhere to send the tuple, Storm
			// acks a spout tuple right after NextTuple returns.
			t.immediate = append(t.immediate, msgID)
		}
	}
	t.emits++
	t.stats.emitted[m.index]++
	t.stats.transferred += int64(len(out))
	if t.comp.debug {
		t.topo.log.Info("emitting", "component", t.comp.id, "task", t.id, "stream", streamID, "values", []any(values), "msgID", msgID)
	}
	return out
}

// ack sends the acker, for each root of input, input's edge id XOR the
// ids of the edges anchored on it (Storm's OutputCollector ack).
func (t *task) ack(in *Tuple) {
	if in == nil || in.meta.kind != kindData {
		return
	}
	if in.root != 0 {
		e := t.exec
		e.add(Tuple{meta: ackAckMeta, root: in.root, edge: in.edge ^ in.ackVal, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(in.root)})
		for _, x := range in.extra() {
			e.add(Tuple{meta: ackAckMeta, root: x.root, edge: x.edge ^ in.ackVal, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(x.root)})
		}
	}
	t.stats.acked++
	if in.started != 0 {
		t.stats.procLatNs += t.topo.clock.Now().UnixNano() - in.started
		t.stats.procLatN++
		in.started = 0
	}
	t.exec.settled(in)
}

// fail tells the ackers of input's roots to fail them now.
func (t *task) fail(in *Tuple) {
	if in == nil || in.meta.kind != kindData {
		return
	}
	if in.root != 0 {
		e := t.exec
		e.add(Tuple{meta: ackFailMeta, root: in.root, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(in.root)})
		for _, x := range in.extra() {
			e.add(Tuple{meta: ackFailMeta, root: x.root, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(x.root)})
		}
	}
	t.stats.failed++
	t.exec.settled(in)
}

// resetTimeout asks the ackers of input's roots to restart their timeouts.
func (t *task) resetTimeout(in *Tuple) {
	if in == nil || in.meta.kind != kindData || in.root == 0 {
		return
	}
	t.exec.add(Tuple{meta: ackResetMeta, root: in.root, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(in.root)})
	for _, x := range in.extra() {
		t.exec.add(Tuple{meta: ackResetMeta, root: x.root, srcTask: int32(t.id), dstTask: t.topo.plan.ackerFor(x.root)})
	}
}

func (t *task) reportError(err error) {
	if err == nil {
		return
	}
	t.topo.reportError(&TaskError{Component: t.comp.id, Task: t.id, Err: err})
}

// spoutDone handles the acker's verdict on one of this spout task's trees.
func (t *task) spoutDone(root uint64, ok bool, now int64) {
	p, found := t.pending.remove(root)
	if !found {
		// Already timed out and failed: Storm ignores the late verdict.
		return
	}
	if ok {
		t.stats.acked++
		t.stats.compLatNs += now - p.emitted
		t.stats.compLatN++
		t.callSpout(func() { t.spout.Ack(p.msgID) })
	} else {
		t.stats.failed++
		t.exhausted.Store(false)
		t.callSpout(func() { t.spout.Fail(p.msgID) })
	}
}

// timeout fails the spout tuples that have been pending for a full
// rotation of the pending map.
func (t *task) timeout() {
	t.pending.rotate(func(_ uint64, p pendingTuple) {
		t.stats.failed++
		t.exhausted.Store(false)
		t.callSpout(func() { t.spout.Fail(p.msgID) })
	})
}

// runImmediate acks the untracked spout tuples of the last NextTuple.
func (t *task) runImmediate() {
	for i, id := range t.immediate {
		t.stats.acked++
		t.callSpout(func() { t.spout.Ack(id) })
		t.immediate[i] = nil
	}
	t.immediate = t.immediate[:0]
}

// callSpout runs spout code, reporting a panic as the task's error.
func (t *task) callSpout(fn func()) {
	if err := safeCall(fn); err != nil {
		t.reportError(err)
	}
}

// build prepares the task's routes for the current assignment. Groupers
// are rebuilt on every assignment, since local-or-shuffle depends on which
// worker runs what; custom groupings keep their instance and state.
func (t *task) build(a *assignment) {
	c := t.comp
	t.routes = make([][]grouper, len(c.streams))
	t.direct = make([]map[int]bool, len(c.streams))
	if t.custom == nil {
		t.custom = make(map[*subscription]*customGrouper)
	}
	myWorker := a.workerOf[t.id]
	for si, subs := range c.subs {
		for _, s := range subs {
			targets := s.consumer.tasks
			var g grouper
			switch s.in.grouping {
			case groupingShuffle, groupingNone:
				g = newShuffleGrouper(targets, &t.rng)
			case groupingLocalOrShuffle:
				var local []int
				for _, tt := range targets {
					if a.workerOf[tt] == myWorker {
						local = append(local, tt)
					}
				}
				if len(local) == 0 {
					local = targets
				}
				g = newShuffleGrouper(local, &t.rng)
			case groupingFields:
				g = &fieldsGrouper{targets: targets, idx: s.fieldIdx}
			case groupingPartialKey:
				g = &partialKeyGrouper{targets: targets, idx: s.fieldIdx, load: make([]int64, len(targets))}
			case groupingAll:
				g = &allGrouper{targets: targets}
			case groupingGlobal:
				g = &globalGrouper{target: targets[0]}
			case groupingDirect:
				if t.direct[si] == nil {
					t.direct[si] = make(map[int]bool)
				}
				for _, tt := range targets {
					t.direct[si][tt] = true
				}
				continue
			case groupingCustom:
				cg, ok := t.custom[s]
				if !ok {
					set := make(map[int]bool, len(targets))
					for _, tt := range targets {
						set[tt] = true
					}
					cg = &customGrouper{g: cloneComponent(s.in.custom), task: t.id, targets: set, comp: s.consumer.id}
					stream := GlobalStreamID{ComponentID: c.id, StreamID: c.streams[si].stream}
					if err := safeCall(func() { cg.g.Prepare(t.context, stream, append([]int(nil), targets...)) }); err != nil {
						t.reportError(err)
					}
					t.custom[s] = cg
				}
				g = cg
			}
			t.routes[si] = append(t.routes[si], g)
		}
	}
}
