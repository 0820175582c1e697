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
type masterCoordinator struct {
	core.BaseRichSpout
	group    int
	shared   *runShared
	readiers []spout.Readier // the group's spouts that can say a batch would be empty

	collector  *core.SpoutOutputCollector
	active     map[int64]*txStatus
	nextTx     int64 // the next new txid
	committing bool
	lastStart  time.Time
	stopped    bool
}

type txStatus struct {
	tx      spout.TransactionAttempt
	status  int
	started time.Time
}

const (
	txPending    = iota // to be (re-)emitted
	txProcessing        // $batch emitted
	txProcessed         // $batch acked
	txCommitting        // $commit emitted
)

// Message ids of the coordinator's tracked tuples.
type batchMsg struct{ tx spout.TransactionAttempt }
type commitMsg struct{ tx spout.TransactionAttempt }

func (m *masterCoordinator) DeclareOutputFields(d core.OutputFieldsDeclarer) {
	d.DeclareStream(batchStream, false, core.NewFields("tx"))
	d.DeclareStream(commitStream, false, core.NewFields("tx"))
	d.DeclareStream(successStream, false, core.NewFields("tx"))
}

func (m *masterCoordinator) Open(_ core.Config, _ *core.TopologyContext, c *core.SpoutOutputCollector) error {
	m.collector = c
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

// Exhausted implements core.FiniteSpout: the coordinator is done once the
// batch that drained the source has committed.
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
			m.collector.EmitStream(batchStream, core.Values{st.tx}, batchMsg{st.tx})
		}
	}
	// Start a new batch when there is room and the emit interval passed.
	tc := m.shared.tconf
	if len(m.active) < tc.maxPending && (m.lastStart.IsZero() || now.Sub(m.lastStart) >= tc.emitInterval) && m.ready() {
		tx := spout.TransactionAttempt{Txid: m.nextTx}
		m.nextTx++
		m.active[tx.Txid] = &txStatus{tx: tx, status: txProcessing, started: now}
		m.lastStart = now
		m.shared.metrics.batchesStarted.Add(1)
		if n := int64(len(m.active)); n > m.shared.metrics.maxInFlight.Load() {
			m.shared.metrics.maxInFlight.Store(n)
		}
		m.collector.EmitStream(batchStream, core.Values{tx}, batchMsg{tx})
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
			m.shared.fail(fmt.Errorf("record committed txid %d: %w", id.tx.Txid, err))
			return
		}
		delete(m.active, id.tx.Txid)
		m.shared.metrics.batchesCommitted.Add(1)
		m.shared.metrics.commitNanos.Add(int64(m.shared.clock().Sub(st.started)))
		m.collector.EmitStream(successStream, core.Values{id.tx}, nil)
		if m.shared.allDrained(m.group, id.tx.Txid) {
			m.stopped = true
			m.shared.finish(m.group)
		}
	}
}

func (m *masterCoordinator) Fail(msgID any) {
	var tx spout.TransactionAttempt
	switch id := msgID.(type) {
	case batchMsg:
		tx = id.tx
	case commitMsg:
		tx = id.tx
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
		m.shared.fail(err)
		m.stopped = true
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
