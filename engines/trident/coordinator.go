package trident

import (
	"fmt"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident/spout"
)

// masterCoordinator is Storm's MasterBatchCoordinator: the one spout of a
// batch group, which decides when batches start and commit. It hands out
// strictly increasing txids, keeps up to topology.max.spout.pending batches
// in flight, starts a batch at most every
// topology.trident.batch.emit.interval.millis, and commits them one at a
// time in txid order. The interval is measured on the job's clock (the
// one its engines/core cluster runs on), read at every poll as Storm's
// throttler reads its Time, so a test that moves a core.ManualClock sees a
// batch start exactly when one is due:
//
//   - a $batch tuple [tx] starts a batch. It is tracked by the acker, and
//     every tuple of the batch is anchored to it, so its ack means that
//     every bolt has processed the batch (and every committer has received
//     its part);
//   - the lowest processed batch, once every batch before it committed, is
//     sent a $commit tuple [tx]; its ack means every state has applied the
//     batch;
//   - then $success [tx] tells the spouts, and the txid is recorded in the
//     TransactionalState as the last committed.
//
// A batch whose $batch or $commit tree fails or times out is replayed with
// the same txid and the next attempt number, and so is every later batch
// in flight, so commits stay in order.
//
// Over a bounded input the coordinator also learns when the input is
// drained, from the emitters, wherever they run, in the batch's own tuple
// trees. In a group that can end (every group but a DRPC stream's), each
// emission of a batch is followed by a tracked $drain tuple [tx] to every
// emitter task, which acks it when its part of batch tx reached the end of
// every closed partition it reads (spout.Drainer) and fails it otherwise.
// Its tree completes, so its ack reaches the coordinator, only when every
// emitter drained: Storm's acker computes the AND of their answers. A fail
// means "not yet" (or an answer lost with a worker). The answer normally
// arrives before the batch has been processed, so it costs no time; when a
// batch commits before its answer is in, no new batch starts until it is.
// Once the committed batch drained the input, the coordinator starts no
// new batch, and when the batches it started before it knew (empty ones)
// have committed too, it is finished: it reports itself exhausted
// (core.FiniteSpout), the signal by which a cluster tells that a
// distributed run is over. The coordinator's failed count in the
// engines/core metrics thus counts these "not yet" answers as well as
// failed batches; JobMetrics.BatchesFailed counts failed batches alone.
type masterCoordinator struct {
	core.BaseRichSpout
	group    int
	finite   bool // the group ends once its input is drained (not a DRPC group)
	shared   *processShared
	readiers []spout.Readier // the group's spouts that can say a batch would be empty

	collector  *core.SpoutOutputCollector
	component  string
	task       int
	active     map[int64]*txStatus
	nextTx     int64 // the next new txid
	committing bool
	lastStart  time.Time
	drained    bool // every emitter answered that a committed batch drained its input
	awaiting   bool // a batch committed before its $drain answer came
	awaitTx    spout.TransactionAttempt
	stopped    bool // drained and every batch started committed, or failed for good
}

type txStatus struct {
	tx      spout.TransactionAttempt
	status  int
	started time.Time
	answer  int // the emitters' $drain answer for this attempt
}

// $drain answers.
const (
	answerPending = iota
	answerDrained
	answerNotYet
)

const (
	txPending    = iota // to be (re-)emitted
	txProcessing        // $batch emitted
	txProcessed         // $batch acked
	txCommitting        // $commit emitted
)

// Message ids of the coordinator's tracked tuples.
type batchMsg struct{ tx spout.TransactionAttempt }
type commitMsg struct{ tx spout.TransactionAttempt }
type drainMsg struct{ tx spout.TransactionAttempt }

func (m *masterCoordinator) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.DeclareStream(batchStream, false, core.NewFields("tx"))
	d.DeclareStream(commitStream, false, core.NewFields("tx"))
	d.DeclareStream(successStream, false, core.NewFields("tx"))
	d.DeclareStream(drainStream, false, core.NewFields("tx"))
}

func (m *masterCoordinator) Open(_ core.Config, ctx *core.TopologyContext, c *core.SpoutOutputCollector) error {
	m.collector = c
	m.component, m.task = ctx.ThisComponentID(), ctx.ThisTaskID()
	m.active = make(map[int64]*txStatus)
	last, err := m.shared.txState.LastCommitted()
	if err != nil {
		return fmt.Errorf("read last committed txid: %w", err)
	}
	// Resume after the last batch whose commit completed: a batch that was
	// in flight when the topology stopped is replayed with its txid.
	m.nextTx = last + 1
	return nil
}

// Exhausted implements core.FiniteSpout: the coordinator has nothing more
// to start once the batch that drained the input committed, and every
// batch started before the emitters said so committed too (or once the run
// failed).
func (m *masterCoordinator) Exhausted() bool { return m.stopped }

func (m *masterCoordinator) NextTuple() {
	if m.stopped {
		return
	}
	select {
	case <-m.shared.failed:
		m.stopped = true
		return
	default:
	}
	now := m.shared.clock()
	// Commit the lowest batch once it is processed: commits are strictly
	// in txid order, one at a time.
	if low := m.lowest(); low != nil && !m.committing && low.status == txProcessed {
		low.status = txCommitting
		m.committing = true
		m.collector.EmitStream(commitStream, core.Values{low.tx}, commitMsg{low.tx})
	}
	// Re-emit replays in txid order.
	for _, st := range m.ordered() {
		if st.status == txPending {
			st.status = txProcessing
			st.started = now
			m.shared.metrics.batchesStarted.Add(1)
			m.emitBatch(st)
		}
	}
	// Start a new batch when there is room and the emit interval passed,
	// unless the input is drained.
	tc := m.shared.tconf
	if !m.drained && !m.awaiting && len(m.active) < tc.maxPending && (m.lastStart.IsZero() || now.Sub(m.lastStart) >= tc.emitInterval) && m.ready() {
		tx := spout.TransactionAttempt{Txid: m.nextTx}
		m.nextTx++
		st := &txStatus{tx: tx, status: txProcessing, started: now}
		m.active[tx.Txid] = st
		m.lastStart = now
		m.shared.metrics.batchesStarted.Add(1)
		if n := int64(len(m.active)); n > m.shared.metrics.maxInFlight.Load() {
			m.shared.metrics.maxInFlight.Store(n)
		}
		m.emitBatch(st)
	}
}

// emitBatch starts an attempt of a batch and, in a group that can end,
// asks the emitters whether it drains the input.
func (m *masterCoordinator) emitBatch(st *txStatus) {
	m.collector.EmitStream(batchStream, core.Values{st.tx}, batchMsg{st.tx})
	st.answer = answerPending
	if m.finite {
		m.collector.EmitStream(drainStream, core.Values{st.tx}, drainMsg{st.tx})
	}
}

func (m *masterCoordinator) Ack(msgID any) {
	switch id := msgID.(type) {
	case batchMsg:
		if st := m.active[id.tx.Txid]; st != nil && st.tx == id.tx && st.status == txProcessing {
			st.status = txProcessed
		}
	case commitMsg:
		st := m.active[id.tx.Txid]
		if st == nil || st.tx != id.tx || st.status != txCommitting {
			return
		}
		m.committing = false
		if err := m.shared.txState.SetLastCommitted(id.tx.Txid); err != nil {
			m.fatal(fmt.Errorf("record committed txid %d: %w", id.tx.Txid, err))
			return
		}
		delete(m.active, id.tx.Txid)
		m.shared.metrics.batchesCommitted.Add(1)
		m.shared.metrics.commitNanos.Add(int64(m.shared.clock().Sub(st.started)))
		m.collector.EmitStream(successStream, core.Values{id.tx}, nil)
		switch st.answer {
		case answerDrained:
			m.drained = true
		case answerPending:
			if m.finite {
				m.awaiting, m.awaitTx = true, st.tx
			}
		}
		m.checkFinished()
	case drainMsg:
		m.answered(id.tx, answerDrained)
	}
}

// answered records the emitters' $drain answer for attempt tx.
func (m *masterCoordinator) answered(tx spout.TransactionAttempt, answer int) {
	if st := m.active[tx.Txid]; st != nil {
		if st.tx == tx {
			st.answer = answer
		}
		return // else the answer of a superseded attempt
	}
	if m.awaiting && m.awaitTx == tx {
		// The committed batch's answer, which new batches waited for.
		m.awaiting = false
		m.drained = answer == answerDrained
		m.checkFinished()
	}
}

// checkFinished finishes the group once the input is drained and every
// batch started has committed.
func (m *masterCoordinator) checkFinished() {
	if m.drained && len(m.active) == 0 && !m.stopped {
		m.stopped = true
		m.shared.finish(m.group)
	}
}

// fatal ends the run: the error is reported as this task's, so that it
// shows in the worker's status, and the coordinator starts nothing more.
func (m *masterCoordinator) fatal(err error) {
	m.collector.ReportError(err)
	m.shared.fail(m.component, m.task, err)
	m.stopped = true
}

func (m *masterCoordinator) Fail(msgID any) {
	var tx spout.TransactionAttempt
	switch id := msgID.(type) {
	case batchMsg:
		tx = id.tx
	case commitMsg:
		tx = id.tx
	case drainMsg:
		// Some emitter has not drained yet, or its answer was lost: the
		// next batch asks again.
		m.answered(id.tx, answerNotYet)
		return
	default:
		return
	}
	st := m.active[tx.Txid]
	if st == nil || st.tx != tx {
		return // an old attempt, already replayed
	}
	m.shared.metrics.batchesFailed.Add(1)
	if st.status == txCommitting {
		m.committing = false
	}
	if tx.Attempt+1 >= m.shared.tconf.maxAttempts {
		err := fmt.Errorf("batch %d failed %d times", tx.Txid, tx.Attempt+1)
		if last := m.shared.lastReported(); last != nil {
			err = fmt.Errorf("%w; last error: %w", err, last)
		}
		m.fatal(err)
		return
	}
	// Replay this batch and every later one in flight, with new attempts.
	for txid, s := range m.active {
		if txid >= tx.Txid {
			s.tx.Attempt++
			s.status = txPending
		}
	}
}

// ready reports whether the next batch would carry anything, as Storm's
// coordinator asks its spouts' isReady: while the input is idle, no empty
// batches cycle through the topology.
func (m *masterCoordinator) ready() bool {
	if len(m.readiers) == 0 {
		return true
	}
	for _, r := range m.readiers {
		if r.Ready(m.nextTx) {
			return true
		}
	}
	return false
}

func (m *masterCoordinator) lowest() *txStatus {
	var low *txStatus
	for _, st := range m.active {
		if low == nil || st.tx.Txid < low.tx.Txid {
			low = st
		}
	}
	return low
}

func (m *masterCoordinator) ordered() []*txStatus {
	out := make([]*txStatus, 0, len(m.active))
	for _, st := range m.active {
		out = append(out, st)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].tx.Txid < out[j-1].tx.Txid; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
