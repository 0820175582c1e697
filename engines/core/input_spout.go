package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/streambench/streambench/engines"
)

// spoutConnector reads a kind of source other than the log for one
// SourceSpout task: the role of a RabbitMQ or JMS spout for a queue. Its
// methods are called from the task's executor only.
type spoutConnector interface {
	// next returns the record to emit and its message id, or nil when none
	// is ready.
	next() (*engines.Record, any)
	ack(msgID any)
	fail(msgID any)
	exhausted() bool
	close()
}

// connectorFor returns the connector for a task owning parts of in.
func connectorFor(in engines.Input, parts []int, report func(error)) (spoutConnector, error) {
	switch in.Kind {
	case engines.KindQueue:
		return newQueueConnector(in.Queue, parts, report), nil
	}
	return nil, fmt.Errorf("%w: core's spout reads a log or a queue, not %s", engines.ErrSourceKind, in.Kind.Noun())
}

// connectorItem is what a partition's reader goroutine hands the task: a
// delivery, the partition's end, or an error.
type connectorItem struct {
	d   engines.Delivery
	end bool
	err error
	p   int
}

// readers runs one goroutine per owned partition, feeding a channel the
// task's NextTuple drains without blocking.
type readers struct {
	ch     chan connectorItem
	cancel context.CancelFunc
	wg     sync.WaitGroup
	open   int
	report func(error)
}

func startReaders(parts []int, report func(error), read func(ctx context.Context, p int, put func(connectorItem) bool) error) *readers {
	ctx, cancel := context.WithCancel(context.Background())
	r := &readers{ch: make(chan connectorItem, 2*len(parts)+1), cancel: cancel, open: len(parts), report: report}
	put := func(it connectorItem) bool {
		select {
		case r.ch <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, p := range parts {
		r.wg.Go(func() {
			err := read(ctx, p, put)
			switch {
			case err == nil || errors.Is(err, io.EOF):
				put(connectorItem{end: true, p: p})
			case ctx.Err() == nil:
				put(connectorItem{err: fmt.Errorf("partition %d: %w", p, err), p: p})
			}
		})
	}
	return r
}

// take returns the next item, if one is waiting; ends and errors are
// handled here.
func (r *readers) take() (connectorItem, bool) {
	for {
		select {
		case it := <-r.ch:
			if it.end {
				r.open--
				continue
			}
			if it.err != nil {
				r.open--
				r.report(it.err)
				continue
			}
			return it, true
		default:
			return connectorItem{}, false
		}
	}
}

func (r *readers) stop() {
	r.cancel()
	r.wg.Wait()
}

// queueConnector is a reliable queue's spout, as storm-rabbitmq's and the
// JMS spout are: each record of a delivery becomes a tuple whose message
// id is the delivery, and the delivery is acked to the queue once every
// tuple tree it produced has completed, or negatively acknowledged (given
// back for redelivery) once they have all completed and one failed. A
// redelivered batch is emitted whole again, so its records that had
// succeeded are counted twice: at-least-once. Without ackers Storm acks a
// tuple as it is emitted, so a delivery is acked as soon as its records
// are out: at-most-once.
type queueConnector struct {
	*readers
	cur      *queueMessage
	idx      int
	inflight int // deliveries emitted, not yet acked or naked
}

// queueMessage is one delivery in flight: the message id of its tuples.
type queueMessage struct {
	d       engines.Delivery
	recs    []engines.Record
	pending int
	failed  bool
}

func newQueueConnector(q engines.MessageQueue, parts []int, report func(error)) *queueConnector {
	return &queueConnector{readers: startReaders(parts, report, func(ctx context.Context, p int, put func(connectorItem) bool) error {
		for {
			d, err := q.Next(ctx, p)
			if err != nil {
				return err
			}
			if !put(connectorItem{d: d, p: p}) {
				return nil
			}
		}
	})}
}

func (c *queueConnector) next() (*engines.Record, any) {
	for c.cur == nil || c.idx == len(c.cur.recs) {
		it, ok := c.take()
		if !ok {
			return nil, nil
		}
		m := &queueMessage{d: it.d, recs: it.d.Records()}
		if len(m.recs) == 0 {
			c.settle(m)
			continue
		}
		m.pending = len(m.recs)
		c.cur, c.idx = m, 0
		c.inflight++
	}
	r := &c.cur.recs[c.idx]
	c.idx++
	return r, c.cur
}

func (c *queueConnector) ack(id any) { c.done(id.(*queueMessage), false) }

func (c *queueConnector) fail(id any) { c.done(id.(*queueMessage), true) }

func (c *queueConnector) done(m *queueMessage, failed bool) {
	m.failed = m.failed || failed
	if m.pending--; m.pending == 0 {
		c.inflight--
		c.settle(m)
	}
}

// settle acks or naks a delivery whose tuple trees have all completed.
func (c *queueConnector) settle(m *queueMessage) {
	var err error
	if m.failed {
		err = m.d.Nak()
	} else {
		err = m.d.Ack()
	}
	if err != nil {
		c.report(fmt.Errorf("settle a queue delivery: %w", err))
	}
}

func (c *queueConnector) exhausted() bool {
	return c.open == 0 && c.inflight == 0 && (c.cur == nil || c.idx == len(c.cur.recs)) && len(c.ch) == 0
}

func (c *queueConnector) close() { c.stop() }
