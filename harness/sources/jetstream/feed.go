package jetstream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/streambench/streambench/engines"
)

// Feed is the unreliable class of source (Spark's unreliable receiver, a
// UDP or plain socket feed): batches published on plain NATS subjects,
// prefix.p, with no stream and no acks. What a subscriber is too slow for
// is dropped and gone; the harness counts sends_dropped as Published minus
// a FeedSubscription's Received.
//
// Publish and Close are called by one goroutine; Published is safe from any.
type Feed struct {
	nc    *nats.Conn
	fill  func(*engines.Record)
	batch int
	parts []feedPartition
	enc   batchEncoder
	buf   []byte
}

type feedPartition struct {
	subject string
	sent    atomic.Int64
}

// NewFeed returns a feed on subjects prefix.0 to prefix.partitions-1,
// cutting records into batches of at most batchRecords
// (DefaultBatchRecords when 0).
func NewFeed(c *Conn, prefix string, partitions, batchRecords int, fill func(*engines.Record)) *Feed {
	if batchRecords <= 0 {
		batchRecords = DefaultBatchRecords
	}
	f := &Feed{nc: c.nc, fill: fill, batch: min(batchRecords, MaxBatchRecords), parts: make([]feedPartition, partitions)}
	for p := range f.parts {
		f.parts[p].subject = subject(prefix, p)
	}
	return f
}

// Publish sends the records of partition p up to end, fire and forget.
func (f *Feed) Publish(p int, end int64, intended func(offset int64) int64) error {
	fp := &f.parts[p]
	var r engines.Record
	for o := fp.sent.Load(); o < end; {
		f.enc.reset()
		first := o
		for ; o < end && f.enc.count < f.batch; o++ {
			r = engines.Record{Partition: int32(p), Offset: o, Intended: intended(o)}
			f.fill(&r)
			f.enc.add(&r)
		}
		f.buf = f.enc.appendTo(f.buf[:0], int32(p), first)
		// The connection copies the bytes, so buf is reused at once.
		if err := f.nc.Publish(fp.subject, f.buf); err != nil {
			return fmt.Errorf("feed %s offsets %d-%d: %w", fp.subject, first, o-1, err)
		}
		fp.sent.Store(o)
	}
	return nil
}

// Published returns the records sent per partition.
func (f *Feed) Published() []int64 {
	out := make([]int64, len(f.parts))
	for p := range f.parts {
		out[p] = f.parts[p].sent.Load()
	}
	return out
}

// Close sends every partition's closing marker (which may be dropped like
// any message) and waits until the server has everything sent.
func (f *Feed) Close(ctx context.Context) error {
	for p := range f.parts {
		if err := f.nc.Publish(f.parts[p].subject, closedMarker(int32(p), f.parts[p].sent.Load())); err != nil {
			return fmt.Errorf("feed %s: %w", f.parts[p].subject, err)
		}
	}
	if err := f.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("feed: flush: %w", err)
	}
	return nil
}

// FeedOptions tune a FeedSubscription.
type FeedOptions struct {
	// PendingMessages bounds the messages the client holds for a slow
	// handler before it drops them (the library's default, 512Ki, when 0).
	PendingMessages int
}

// FeedSubscription receives a Feed's batches and counts them. Counts and
// WaitClosed are safe for concurrent use.
type FeedSubscription struct {
	sub      *nats.Subscription
	handler  func([]engines.Record)
	recs     []engines.Record
	received []atomic.Int64
	bad      atomic.Int64

	mu       sync.Mutex
	closed   []bool
	open     int
	allClose chan struct{}
	stopped  chan struct{} // the delivery goroutine has returned
}

// SubscribeFeed subscribes to the feed on prefix.0 to prefix.partitions-1;
// handler gets each batch's records on one goroutine and must not keep the
// slice.
func SubscribeFeed(c *Conn, prefix string, partitions int, opts FeedOptions, handler func([]engines.Record)) (*FeedSubscription, error) {
	s := &FeedSubscription{
		handler:  handler,
		received: make([]atomic.Int64, partitions),
		closed:   make([]bool, partitions),
		open:     partitions,
		allClose: make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	sub, err := c.nc.Subscribe(prefix+".*", s.deliver)
	if err != nil {
		return nil, fmt.Errorf("subscribe to feed %s.*: %w", prefix, err)
	}
	sub.SetClosedHandler(func(string) { close(s.stopped) })
	if opts.PendingMessages > 0 {
		if err := sub.SetPendingLimits(opts.PendingMessages, -1); err != nil {
			_ = sub.Unsubscribe()
			return nil, fmt.Errorf("feed %s.*: %w", prefix, err)
		}
	}
	// Subscriptions are registered with the server asynchronously: make
	// sure this one is before a Feed publishes.
	if err := c.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("subscribe to feed %s.*: %w", prefix, err)
	}
	s.sub = sub
	return s, nil
}

func (s *FeedSubscription) deliver(m *nats.Msg) {
	recs, p, _, closed, err := DecodeBatch(m.Data, s.recs)
	if err != nil || int(p) >= len(s.received) {
		s.bad.Add(1)
		return
	}
	s.recs = recs
	if closed {
		s.mu.Lock()
		if !s.closed[p] {
			s.closed[p] = true
			if s.open--; s.open == 0 {
				close(s.allClose)
			}
		}
		s.mu.Unlock()
		return
	}
	s.handler(recs)
	s.received[p].Add(int64(len(recs)))
}

// Received returns the records received per partition.
func (s *FeedSubscription) Received() []int64 {
	out := make([]int64, len(s.received))
	for p := range s.received {
		out[p] = s.received[p].Load()
	}
	return out
}

// Dropped returns how many messages the client dropped because the handler
// was too slow (a NATS slow consumer), and how many were not batches.
func (s *FeedSubscription) Dropped() (slow int, foreign int64) {
	n, _ := s.sub.Dropped()
	return n, s.bad.Load()
}

// WaitClosed blocks until every partition's closing marker has arrived, or
// ctx is done: markers can be dropped too, so give it a deadline.
func (s *FeedSubscription) WaitClosed(ctx context.Context) error {
	select {
	case <-s.allClose:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close unsubscribes and returns once the handler has returned for the
// last time.
func (s *FeedSubscription) Close() error {
	err := s.sub.Unsubscribe()
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
		return fmt.Errorf("feed %s: %w", s.sub.Subject, err)
	}
	<-s.stopped
	return nil
}
