package jetstream

import (
	"context"
	"fmt"
	"time"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/streambench/streambench/engines"
)

// Defaults of QueueConfig: the server's, which match Storm's
// topology.message.timeout.secs (30 s) and a max.spout.pending of 1000.
const (
	DefaultAckWait       = 30 * time.Second
	DefaultMaxAckPending = 1000
)

// QueueConfig configures a Queue's consumers.
type QueueConfig struct {
	// Durable names the consumers: partition p's is Durable_p. A Queue
	// opened again with the same name resumes where the acks left off.
	Durable string
	// AckWait is how long a delivered message may stay unacked before the
	// server delivers it again (DefaultAckWait when 0): Storm's message
	// timeout.
	AckWait time.Duration
	// MaxAckPending bounds the delivered, unacked messages per partition
	// (DefaultMaxAckPending when 0): Storm's max.spout.pending, in batches.
	MaxAckPending int
	// MaxDeliver bounds the deliveries of a message; 0 means no bound.
	MaxDeliver int
}

// Queue is the reliable class of source (the RabbitMQ or JMS role in front
// of a Storm spout): a durable pull consumer per partition with explicit
// acks. A batch the caller does not ack within AckWait, or naks, is
// delivered again, so the records of a crashed consumer are not lost. It
// reads a stream a Log wrote.
//
// One goroutine per partition calls Next; Ack and Nak are safe from any.
type Queue struct {
	name  string
	parts []*queuePartition
}

type queuePartition struct {
	p       int
	subject string
	cons    js.Consumer
	it      js.MessagesContext
}

// Delivery is one batch delivered by a Queue. Its records are acked
// together, once the caller has processed every one of them: a Storm
// spout acks the batch when its last tuple tree completes.
type Delivery struct {
	Partition int
	// Records are the batch's records; empty for a closing marker.
	Records []engines.Record
	// Closed marks a partition's closing marker: nothing follows First,
	// the partition's end, except redeliveries. Ack it like a batch.
	Closed bool
	First  int64
	// Sequence is the message's stream sequence; NumDelivered counts its
	// deliveries (1 the first time).
	Sequence     uint64
	NumDelivered uint64

	msg js.Msg
}

// Ack tells the server the batch is done; it is not delivered again.
func (d *Delivery) Ack() error { return d.msg.Ack() }

// Nak asks the server to deliver the batch again now, as a Storm spout's
// fail does.
func (d *Delivery) Nak() error { return d.msg.Nak() }

// InProgress restarts the batch's AckWait.
func (d *Delivery) InProgress() error { return d.msg.InProgress() }

// OpenQueue creates (or, with the same configuration, reopens) the durable
// consumers on the named stream.
func OpenQueue(ctx context.Context, c *Conn, stream string, cfg QueueConfig) (*Queue, error) {
	if cfg.Durable == "" {
		return nil, fmt.Errorf("queue on stream %q: no Durable name: name the consumers", stream)
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.MaxAckPending <= 0 {
		cfg.MaxAckPending = DefaultMaxAckPending
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = -1
	}
	st, prefix, n, err := openStream(ctx, c, stream)
	if err != nil {
		return nil, err
	}
	q := &Queue{name: stream}
	for p := range n {
		qp := &queuePartition{p: p, subject: subject(prefix, p)}
		name := fmt.Sprintf("%s_%d", cfg.Durable, p)
		qp.cons, err = st.CreateOrUpdateConsumer(ctx, js.ConsumerConfig{
			Durable:       name,
			FilterSubject: qp.subject,
			DeliverPolicy: js.DeliverAllPolicy,
			AckPolicy:     js.AckExplicitPolicy,
			AckWait:       cfg.AckWait,
			MaxAckPending: cfg.MaxAckPending,
			MaxDeliver:    cfg.MaxDeliver,
		})
		if err == nil {
			qp.it, err = qp.cons.Messages(js.PullMaxMessages(min(cfg.MaxAckPending, DefaultPullMessages)))
		}
		if err != nil {
			q.Close()
			return nil, fmt.Errorf("queue on stream %q: consumer %s on %s: %w", stream, name, qp.subject, err)
		}
		q.parts = append(q.parts, qp)
	}
	return q, nil
}

// Partitions returns the number of partitions.
func (q *Queue) Partitions() int { return len(q.parts) }

// Next blocks until partition p delivers a batch (new or redelivered), or
// ctx is done. A message this package did not write is terminated (never
// delivered again) and returned as an ErrCorruptBatch error naming its
// sequence.
func (q *Queue) Next(ctx context.Context, p int) (*Delivery, error) {
	qp := q.parts[p]
	m, err := qp.it.Next(js.NextContext(ctx))
	if err != nil {
		return nil, err
	}
	meta, err := m.Metadata()
	if err != nil {
		return nil, fmt.Errorf("queue on stream %q, %s: %w", q.name, qp.subject, err)
	}
	d := &Delivery{Partition: p, Sequence: meta.Sequence.Stream, NumDelivered: meta.NumDelivered, msg: m}
	var part int32
	d.Records, part, d.First, d.Closed, err = DecodeBatch(m.Data(), nil)
	if err == nil && int(part) != p {
		err = fmt.Errorf("%w: a batch of partition %d", ErrCorruptBatch, part)
	}
	if err != nil {
		_ = m.Term()
		return nil, fmt.Errorf("queue on stream %q sequence %d on %s: %w", q.name, d.Sequence, qp.subject, err)
	}
	return d, nil
}

// Lag returns partition p's messages not yet delivered and those delivered
// and not yet acked, from the server's consumer info.
func (q *Queue) Lag(ctx context.Context, p int) (pending, ackPending uint64, err error) {
	info, err := q.parts[p].cons.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("queue on stream %q, %s: %w", q.name, q.parts[p].subject, err)
	}
	return info.NumPending, uint64(info.NumAckPending), nil
}

// Close stops the consumers' deliveries; the durable consumers and their
// ack state stay on the server for a later OpenQueue.
func (q *Queue) Close() error {
	for _, qp := range q.parts {
		if qp.it != nil {
			qp.it.Stop()
		}
	}
	return nil
}
