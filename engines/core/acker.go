package core

// The acker, Storm's algorithm for guaranteed message processing.
//
// Every tuple edge (a tuple emitted to one task) gets a random 64-bit id.
// For each spout tuple, the root of a tuple tree, an acker task keeps one
// 64-bit value: the XOR of every edge id it has been told about. A spout
// that emits a tuple to n tasks sends the acker "init" with the XOR of the
// n new edge ids. A bolt that acks a tuple sends the XOR of that tuple's
// edge id and of the ids of the edges it created by anchoring new tuples on
// it. Every edge id is thus XORed in twice, once when created and once when
// acked, and the value returns to zero exactly when every edge of the tree
// has been acked, whatever the order the messages arrive in. (A non-zero
// value could reach zero early only if random ids collided, with a
// probability of about 2^-64 per ack.) The acker then tells the spout task
// that emitted the root, which calls its spout's Ack.
//
// An acker entry takes a few words of memory however large the tree, which
// is what lets Storm track millions of trees. Ackers are tasks of the
// system component __acker; a root id picks its acker task by modulo.
// Entries live in a rotating map rotated every message timeout, so the
// entries of trees that never complete (a lost tuple, a dead task) are
// forgotten; the spout fails those trees on its own timeout.

// ackEntry is an acker's state for one tuple tree.
type ackEntry struct {
	val       uint64
	spoutTask int32
	inited    bool // the spout's init arrived; before that a zero value means nothing
	failed    bool
}

// acker is the state of one acker task.
type acker struct {
	pending *rotatingMap[ackEntry]
}

func newAcker() *acker { return &acker{pending: newRotatingMap[ackEntry](2)} }

// handle applies one message. It returns the message to send to the spout
// task when the tree completed or failed, and whether there is one.
func (a *acker) handle(m *Tuple) (Tuple, bool) {
	e, bucket, ok := a.pending.get(m.root)
	if ok && bucket != 0 {
		// Touching an entry keeps it in the newest bucket, as Storm's
		// RotatingMap.put moves a key there.
		delete(a.pending.buckets[bucket], m.root)
	}
	switch m.meta.kind {
	case kindAckInit:
		e.val ^= m.edge
		e.spoutTask = m.srcTask
		e.inited = true
	case kindAckAck:
		e.val ^= m.edge
	case kindAckFail:
		e.failed = true
	case kindAckReset:
		// The entry is now in the newest bucket; the spout's must move
		// too, so pass the reset on once the spout task is known.
		a.pending.put(m.root, e)
		if e.inited {
			return Tuple{meta: ackResetMeta, root: m.root, dstTask: e.spoutTask}, true
		}
		return Tuple{}, false
	}
	if e.inited && (e.failed || e.val == 0) {
		if bucket == 0 {
			delete(a.pending.buckets[0], m.root)
		}
		out := Tuple{meta: ackAckMeta, root: m.root, dstTask: e.spoutTask}
		if e.failed {
			out.meta = ackFailMeta
		}
		return out, true
	}
	a.pending.put(m.root, e)
	return Tuple{}, false
}

// rotate forgets the trees untouched for a full rotation.
func (a *acker) rotate() { a.pending.rotate(nil) }

// ackerFor returns the acker task of a root id.
func (p *plan) ackerFor(root uint64) int32 {
	return int32(p.ackers[root%uint64(len(p.ackers))])
}
