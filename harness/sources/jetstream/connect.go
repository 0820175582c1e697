package jetstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/streambench/streambench/engines"
)

// QueueInput is a Queue as an engine reads it, an engines.MessageQueue,
// with the counters a harness meters: what was delivered, per partition
// and in all. A partition ends (io.EOF) once its closing marker has come
// and the server holds nothing else of it unacked, so a consumer that
// fails batches gets them again before it is told the input is over. The
// marker itself is acked only then: a consumer that dies before has it
// delivered again, and its successor learns where the input ends.
type QueueInput struct {
	q        *Queue
	parts    []queueInputPartition
	read     atomic.Int64
	progress chan struct{}
}

type queueInputPartition struct {
	marker  *Delivery // the closing marker, unacked until the partition drains
	closed  atomic.Bool
	readTo  atomic.Int64 // highest offset delivered + 1
	drained atomic.Bool
}

var _ engines.MessageQueue = (*QueueInput)(nil)

// NewQueueInput wraps q for an engine.
func NewQueueInput(q *Queue) *QueueInput {
	return &QueueInput{q: q, parts: make([]queueInputPartition, q.Partitions()), progress: make(chan struct{}, 1)}
}

// Partitions returns the number of partitions.
func (qi *QueueInput) Partitions() int { return qi.q.Partitions() }

// drainPoll is how often a partition past its closing marker asks the
// server whether anything is still unacked.
const drainPoll = 50 * time.Millisecond

// Next implements engines.MessageQueue.
func (qi *QueueInput) Next(ctx context.Context, p int) (engines.Delivery, error) {
	if p < 0 || p >= len(qi.parts) {
		return nil, fmt.Errorf("queue on stream %q: no partition %d (it has %d)", qi.q.name, p, len(qi.parts))
	}
	qp := &qi.parts[p]
	for {
		if qp.drained.Load() {
			return nil, io.EOF
		}
		nctx, cancel := ctx, context.CancelFunc(func() {})
		if qp.closed.Load() {
			nctx, cancel = context.WithTimeout(ctx, drainPoll)
		}
		d, err := qi.q.Next(nctx, p)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if qp.closed.Load() && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)) {
				pending, ackPending, lerr := qi.q.Lag(ctx, p)
				if lerr != nil {
					return nil, lerr
				}
				if pending == 0 && ackPending <= 1 { // the marker
					if err := qp.marker.Ack(); err != nil {
						return nil, fmt.Errorf("queue on stream %q: ack the closing marker of partition %d: %w", qi.q.name, p, err)
					}
					qp.drained.Store(true)
				}
				continue
			}
			return nil, err
		}
		if d.Closed {
			qp.marker = d // a redelivered marker is the same message
			qp.closed.Store(true)
			continue
		}
		if d.NumDelivered == 1 {
			qi.read.Add(int64(len(d.Records)))
		}
		if end := d.First + int64(len(d.Records)); end > qp.readTo.Load() {
			qp.readTo.Store(end)
		}
		select {
		case qi.progress <- struct{}{}:
		default:
		}
		return queueDelivery{d}, nil
	}
}

// ReadOffsets returns per partition the highest offset delivered + 1.
func (qi *QueueInput) ReadOffsets() []int64 {
	out := make([]int64, len(qi.parts))
	for p := range qi.parts {
		out[p] = qi.parts[p].readTo.Load()
	}
	return out
}

// Read returns the records delivered, each counted at its first delivery.
func (qi *QueueInput) Read() int64 { return qi.read.Load() }

// Progress receives a value (without blocking the sender) on each delivery.
func (qi *QueueInput) Progress() <-chan struct{} { return qi.progress }

// Close stops the consumers.
func (qi *QueueInput) Close() error { return qi.q.Close() }

// queueDelivery is a Delivery as an engines.Delivery.
type queueDelivery struct{ d *Delivery }

func (q queueDelivery) Records() []engines.Record { return q.d.Records }
func (q queueDelivery) Redelivered() bool         { return q.d.NumDelivered > 1 }
func (q queueDelivery) Ack() error                { return q.d.Ack() }
func (q queueDelivery) Nak() error                { return q.d.Nak() }

// FeedInput is a Feed as an engine reads it, an engines.Feed: each
// Receive subscribes to one partition's subject, and what arrives while
// the receiver is busy beyond a bounded buffer is dropped by the client, as
// a NATS slow consumer's messages are. It counts what arrived, so the
// harness can count what was dropped.
type FeedInput struct {
	nc      *nats.Conn
	prefix  string
	pending int
	parts   []feedInputPartition
	read    atomic.Int64

	progress chan struct{}
	readyMu  sync.Mutex
	ready    int
	allReady chan struct{}
}

type feedInputPartition struct {
	received   atomic.Int64
	readTo     atomic.Int64
	subscribed atomic.Bool
}

var _ engines.Feed = (*FeedInput)(nil)

// DefaultFeedPending is the messages a feed receiver buffers before the
// client drops what arrives: about a second of a fast feed, in batches.
const DefaultFeedPending = 4096

// NewFeedInput returns the feed on subjects prefix.0 to
// prefix.partitions-1 for an engine; pendingMessages bounds each
// receiver's buffer (DefaultFeedPending when 0).
func NewFeedInput(c *Conn, prefix string, partitions, pendingMessages int) *FeedInput {
	if pendingMessages <= 0 {
		pendingMessages = DefaultFeedPending
	}
	return &FeedInput{nc: c.nc, prefix: prefix, pending: pendingMessages, parts: make([]feedInputPartition, partitions),
		progress: make(chan struct{}, 1), allReady: make(chan struct{})}
}

// Partitions returns the number of partitions.
func (f *FeedInput) Partitions() int { return len(f.parts) }

// Receive implements engines.Feed.
func (f *FeedInput) Receive(ctx context.Context, p int, fn func([]engines.Record) error) error {
	if p < 0 || p >= len(f.parts) {
		return fmt.Errorf("feed %s: no partition %d (it has %d)", f.prefix, p, len(f.parts))
	}
	fp := &f.parts[p]
	subj := subject(f.prefix, p)
	ch := make(chan *nats.Msg, f.pending)
	sub, err := f.nc.ChanSubscribe(subj, ch)
	if err != nil {
		return fmt.Errorf("feed %s: subscribe: %w", subj, err)
	}
	// The channel is the receiver's buffer: the client drops what arrives
	// while it is full, as it does a slow consumer's messages.
	defer func() { _ = sub.Unsubscribe() }()
	// The server registers a subscription asynchronously: make sure this
	// one is in place before counting the receiver as ready.
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = f.nc.FlushWithContext(fctx)
	cancel()
	if err != nil {
		return fmt.Errorf("feed %s: subscribe: %w", subj, err)
	}
	if !fp.subscribed.Swap(true) {
		f.readyMu.Lock()
		if f.ready++; f.ready == len(f.parts) {
			close(f.allReady)
		}
		f.readyMu.Unlock()
	}
	var recs []engines.Record
	for {
		var m *nats.Msg
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m = <-ch:
		}
		var (
			part   int32
			closed bool
		)
		recs, part, _, closed, err = DecodeBatch(m.Data, recs)
		if err == nil && int(part) != p {
			err = fmt.Errorf("%w: a batch of partition %d", ErrCorruptBatch, part)
		}
		if err != nil {
			return fmt.Errorf("feed %s: %w", subj, err)
		}
		if closed {
			return nil
		}
		fp.received.Add(int64(len(recs)))
		f.read.Add(int64(len(recs)))
		if n := len(recs); n > 0 {
			if end := recs[n-1].Offset + 1; end > fp.readTo.Load() {
				fp.readTo.Store(end)
			}
		}
		select {
		case f.progress <- struct{}{}:
		default:
		}
		if err := fn(recs); err != nil {
			return err
		}
	}
}

// WaitReady blocks until every partition has a receiver subscribed, or
// ctx is done. A feed keeps nothing for a receiver that comes late, so the
// harness waits for the receivers before it starts publishing.
func (f *FeedInput) WaitReady(ctx context.Context) error {
	select {
	case <-f.allReady:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Received returns the records that arrived per partition.
func (f *FeedInput) Received() []int64 {
	out := make([]int64, len(f.parts))
	for p := range f.parts {
		out[p] = f.parts[p].received.Load()
	}
	return out
}

// ReadOffsets returns per partition the highest offset received + 1.
func (f *FeedInput) ReadOffsets() []int64 {
	out := make([]int64, len(f.parts))
	for p := range f.parts {
		out[p] = f.parts[p].readTo.Load()
	}
	return out
}

// Read returns the records received in all.
func (f *FeedInput) Read() int64 { return f.read.Load() }

// Progress receives a value (without blocking the sender) on each batch.
func (f *FeedInput) Progress() <-chan struct{} { return f.progress }
