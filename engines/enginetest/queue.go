package enginetest

import (
	"context"
	"io"
	"sync"

	"github.com/streambench/streambench/engines"
)

// MemQueue is an in-memory engines.MessageQueue: a partition's batches are
// delivered in order, a naked batch is delivered again at once (before any
// new one), and a partition ends (io.EOF) once it is closed and every
// batch acked. It counts acks and naks, and is safe for concurrent use.
type MemQueue struct {
	mu      sync.Mutex
	parts   []*memQueuePartition
	changed chan struct{} // closed and replaced on every change
}

type memQueuePartition struct {
	ready   [][]engines.Record // to deliver, redeliveries first
	again   []bool
	unacked int
	closed  bool
	next    int64 // the offset Append gives next
	acks    int
	naks    int
}

var _ engines.MessageQueue = (*MemQueue)(nil)

// NewMemQueue returns an empty queue of n partitions.
func NewMemQueue(n int) *MemQueue {
	q := &MemQueue{parts: make([]*memQueuePartition, n), changed: make(chan struct{})}
	for p := range q.parts {
		q.parts[p] = &memQueuePartition{}
	}
	return q
}

func (q *MemQueue) notify() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Append publishes one batch of values to partition p, stamped as
// MemSource.Append stamps records.
func (q *MemQueue) Append(p int, values ...string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp := q.parts[p]
	batch := make([]engines.Record, len(values))
	for i, v := range values {
		o := qp.next
		qp.next++
		batch[i] = engines.Record{Partition: int32(p), Offset: o, Intended: o + 1, EventTime: o + 1, Value: v}
	}
	qp.ready = append(qp.ready, batch)
	qp.again = append(qp.again, false)
	q.notify()
}

// CloseAll ends every partition's input.
func (q *MemQueue) CloseAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, qp := range q.parts {
		qp.closed = true
	}
	q.notify()
}

// Counts returns the acks and naks partition p has had.
func (q *MemQueue) Counts(p int) (acks, naks int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.parts[p].acks, q.parts[p].naks
}

// Partitions returns the number of partitions.
func (q *MemQueue) Partitions() int { return len(q.parts) }

// Next implements engines.MessageQueue.
func (q *MemQueue) Next(ctx context.Context, p int) (engines.Delivery, error) {
	for {
		q.mu.Lock()
		qp := q.parts[p]
		if len(qp.ready) > 0 {
			d := &memDelivery{q: q, p: p, recs: qp.ready[0], again: qp.again[0]}
			qp.ready, qp.again = qp.ready[1:], qp.again[1:]
			qp.unacked++
			q.mu.Unlock()
			return d, nil
		}
		if qp.closed && qp.unacked == 0 {
			q.mu.Unlock()
			return nil, io.EOF
		}
		changed := q.changed
		q.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type memDelivery struct {
	q       *MemQueue
	p       int
	recs    []engines.Record
	again   bool
	settled bool
}

func (d *memDelivery) Records() []engines.Record { return d.recs }
func (d *memDelivery) Redelivered() bool         { return d.again }

func (d *memDelivery) Ack() error { return d.settle(false) }
func (d *memDelivery) Nak() error { return d.settle(true) }

func (d *memDelivery) settle(nak bool) error {
	q := d.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if d.settled {
		panic("enginetest: a delivery settled twice")
	}
	d.settled = true
	qp := q.parts[d.p]
	qp.unacked--
	if nak {
		qp.naks++
		qp.ready = append([][]engines.Record{d.recs}, qp.ready...)
		qp.again = append([]bool{true}, qp.again...)
	} else {
		qp.acks++
	}
	q.notify()
	return nil
}
