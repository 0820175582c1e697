package engines

import (
	"context"
	"errors"
	"io"
)

// ErrOffsetOutOfRange is returned by Source.Fetch for an offset that is past
// the partition's end or has left the source's retention.
var ErrOffsetOutOfRange = errors.New("offset out of range")

// Source is a partitioned, replayable log of records: the role Kafka plays in
// front of Storm and Spark. A consumer tracks its own offsets; fetching the
// same offset again returns the same record, which is what a replaying spout,
// a transactional Trident spout or a write-ahead log relies on.
//
// A partition grows as the harness publishes records to it and is closed when
// the run's input ends. Implementations are safe for concurrent use; the
// usual pattern is one consumer goroutine per partition.
type Source interface {
	// Partitions returns the number of partitions, fixed for the source's life.
	Partitions() int

	// Fetch copies into buf the records of partition p that start at offset,
	// as many as are published and fit, and returns how many it copied. It
	// never blocks, so a Storm spout can call it from NextTuple: (0, nil)
	// means nothing is published at offset yet. It returns io.EOF when the
	// partition is closed and offset is its end, and ErrOffsetOutOfRange
	// when offset is past the end or has left retention.
	Fetch(p int, offset int64, buf []Record) (int, error)

	// Wait blocks until partition p has a record at offset or is closed, and
	// then returns nil; or until ctx is done, and then returns ctx.Err().
	Wait(ctx context.Context, p int, offset int64) error
}

// ReadPartition calls fn with successive batches of partition p from offset
// until the partition is closed and drained (then it returns nil), ctx is
// done, or fn returns an error. It is the blocking consumer loop of a receiver
// or a hand-written loop; buf sets the batch size and is reused between calls,
// so fn must not keep it.
func ReadPartition(ctx context.Context, src Source, p int, offset int64, buf []Record, fn func([]Record) error) error {
	for {
		n, err := src.Fetch(p, offset, buf)
		if n > 0 {
			offset += int64(n)
			if err := fn(buf[:n]); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := src.Wait(ctx, p, offset); err != nil {
			return err
		}
	}
}
