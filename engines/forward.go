package engines

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ReceiveForward reads a queue or a feed (in.Kind KindQueue or KindFeed)
// as a forward-only Source, the way a non-transactional spout takes a push
// source: a reader goroutine per partition fills a bounded buffer that
// Fetch drains. A queue's deliveries are acked as they are received, so
// what the buffer holds when the process dies is gone: at-most-once, like
// the feed. buffer bounds the records held per partition
// (DefaultSocketBuffer when 0). Close stops the readers.
func ReceiveForward(in Input, buffer int) (*ForwardSource, error) {
	if buffer <= 0 {
		buffer = DefaultSocketBuffer
	}
	var read func(ctx context.Context, p int, push func([]Record) error) error
	switch in.Kind {
	case KindQueue:
		read = func(ctx context.Context, p int, push func([]Record) error) error {
			for {
				d, err := in.Queue.Next(ctx, p)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("queue (partition %d): %w", p, err)
				}
				if err := d.Ack(); err != nil {
					return fmt.Errorf("queue (partition %d): ack: %w", p, err)
				}
				if err := push(d.Records()); err != nil {
					return err
				}
			}
		}
	case KindFeed:
		read = func(ctx context.Context, p int, push func([]Record) error) error {
			err := in.Feed.Receive(ctx, p, func(recs []Record) error { return push(append([]Record(nil), recs...)) })
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("feed (partition %d): %w", p, err)
			}
			return err
		}
	default:
		return nil, fmt.Errorf("%w: ReceiveForward reads a queue or a feed, not %s", ErrSourceKind, in.Kind.Noun())
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &ForwardSource{cancel: cancel}
	for p := range in.NumPartitions() {
		sp := &socketPartition{p: p, name: string(in.Kind), noun: in.Kind.Noun(), bound: buffer, notify: make(chan struct{}), room: make(chan struct{}, 1)}
		s.parts = append(s.parts, sp)
		s.wg.Go(func() { sp.finish(read(ctx, p, func(recs []Record) error { return sp.push(ctx, recs) })) })
	}
	return s, nil
}
