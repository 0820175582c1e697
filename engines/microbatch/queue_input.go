package microbatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/streambench/streambench/engines"
)

// QueueReceiver receives one partition of a reliable queue (the RabbitMQ
// or JMS role), as Spark's guide has a reliable receiver do it: store, then
// acknowledge. Reliable, it hands each delivery's records to the block
// generator with the delivery as the block's metadata and acks the
// delivery only once its block is stored, in the write-ahead log when that
// is enabled, so a receiver that dies loses nothing: the queue redelivers
// what was not acked. Unreliable, it acks each delivery as it arrives, and
// what sits in an unstored block when the process dies is gone.
type QueueReceiver struct {
	BaseReceiver[engines.Record]
	queue     engines.MessageQueue
	partition int
	reliable  bool

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var (
	_ MetadataMerger      = (*QueueReceiver)(nil)
	_ BlockStoredListener = (*QueueReceiver)(nil)
)

// NewQueueReceiver returns a receiver of partition p of q.
func NewQueueReceiver(q engines.MessageQueue, p int, reliable bool) *QueueReceiver {
	return &QueueReceiver{queue: q, partition: p, reliable: reliable}
}

// MessageQueueStream creates an input DStream over a reliable queue: one
// QueueReceiver per partition, their streams unioned.
func MessageQueueStream(ssc *StreamingContext, q engines.MessageQueue, reliable bool) *DStream[engines.Record] {
	streams := make([]*DStream[engines.Record], q.Partitions())
	for p := range streams {
		streams[p] = receiverStream[engines.Record](ssc, "QueueReceiverInputDStream",
			fmt.Sprintf("partition=%d reliable=%v", p, reliable), NewQueueReceiver(q, p, reliable))
	}
	return unionAll(streams)
}

// unionAll unions one stream per partition.
func unionAll(streams []*DStream[engines.Record]) *DStream[engines.Record] {
	if len(streams) == 1 {
		return streams[0]
	}
	return streams[0].Union(streams[1:]...)
}

// OnStart starts taking deliveries.
func (r *QueueReceiver) OnStart() {
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	r.wg.Go(func() { r.receive(ctx) })
}

// OnStop stops taking deliveries; those not acked come again.
func (r *QueueReceiver) OnStop() {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *QueueReceiver) receive(ctx context.Context) {
	for {
		d, err := r.queue.Next(ctx, r.partition)
		switch {
		case errors.Is(err, io.EOF):
			r.Stop(fmt.Sprintf("partition %d of the queue is closed and every delivery acked", r.partition), nil)
			return
		case ctx.Err() != nil:
			return
		case err != nil:
			r.Restart(fmt.Sprintf("taking a delivery of partition %d", r.partition), err)
			return
		}
		if !r.reliable {
			if err := d.Ack(); err != nil {
				r.Restart(fmt.Sprintf("acking a delivery of partition %d", r.partition), err)
				return
			}
			err = r.StoreMany(d.Records(), nil)
		} else {
			err = r.StoreMany(d.Records(), deliveries{d})
		}
		if err != nil {
			if !errors.Is(err, ErrReceiverStopped) {
				r.Restart(fmt.Sprintf("storing a delivery of partition %d", r.partition), err)
			}
			return
		}
	}
}

// deliveries are a block's metadata: the queue's deliveries to ack once
// the block is stored. The write-ahead log records how many there were;
// the deliveries themselves live only in this process, and a process that
// dies has them redelivered by the queue.
type deliveries []engines.Delivery

// MarshalJSON records the number of deliveries.
func (d deliveries) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int{"deliveries": len(d)})
}

// MergeMetadata collects the deliveries of a block.
func (r *QueueReceiver) MergeMetadata(acc, m any) any {
	out, _ := acc.(deliveries)
	return append(out, m.(deliveries)...)
}

// OnBlockStored acks the block's deliveries.
func (r *QueueReceiver) OnBlockStored(metadata any) {
	ds, _ := metadata.(deliveries)
	for _, d := range ds {
		if err := d.Ack(); err != nil {
			go r.Restart(fmt.Sprintf("acking a stored delivery of partition %d", r.partition), err)
			return
		}
	}
}

// FeedReceiver receives one partition of an unreliable feed: Spark's
// unreliable receiver. What arrives is stored; what the feed dropped
// before it arrived, and what sits in an unstored block when the process
// dies, is gone.
type FeedReceiver struct {
	BaseReceiver[engines.Record]
	feed      engines.Feed
	partition int

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewFeedReceiver returns a receiver of partition p of f.
func NewFeedReceiver(f engines.Feed, p int) *FeedReceiver {
	return &FeedReceiver{feed: f, partition: p}
}

// FeedStream creates an input DStream over a feed: one FeedReceiver per
// partition, their streams unioned.
func FeedStream(ssc *StreamingContext, f engines.Feed) *DStream[engines.Record] {
	streams := make([]*DStream[engines.Record], f.Partitions())
	for p := range streams {
		streams[p] = receiverStream[engines.Record](ssc, "FeedReceiverInputDStream", fmt.Sprintf("partition=%d", p), NewFeedReceiver(f, p))
	}
	return unionAll(streams)
}

// OnStart subscribes.
func (r *FeedReceiver) OnStart() {
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	r.wg.Go(func() {
		err := r.feed.Receive(ctx, r.partition, func(recs []engines.Record) error { return r.StoreMany(recs, nil) })
		switch {
		case err == nil:
			r.Stop(fmt.Sprintf("partition %d of the feed ended", r.partition), nil)
		case ctx.Err() != nil, errors.Is(err, ErrReceiverStopped):
		default:
			r.Restart(fmt.Sprintf("receiving partition %d", r.partition), err)
		}
	})
}

// OnStop unsubscribes.
func (r *FeedReceiver) OnStop() {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
