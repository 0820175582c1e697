package baseline

import (
	"context"
	"sync"

	"github.com/streambench/streambench/engines"
)

// Shuffled runs the P-way shape of a keyed hand-written loop: P readers (at
// most one per partition, see Readers) each read their share of the partitions and map every batch to items sent to
// the receiver that owns each item's key; P receivers each handle the batches
// of items sent to them. It is what Storm's fields grouping and Spark's
// reduceByKey do, written by hand. It returns when every reader has drained
// its partitions and every receiver has handled everything, or at the first
// error.
//
// read is called with a reader's id, a batch, and a send function that
// returns false when the run is over (read may then return at once);
// handle is called with a receiver's id and one batch of its items, which it
// must not keep.
func Shuffled[T any](ctx context.Context, src engines.Source, p int,
	read func(w int, batch []engines.Record, send func(to int, item T) bool) error,
	handle func(r int, items []T) error) error {
	readers := Readers(p, src.Partitions())
	g, gctx := NewGroup(ctx)
	x := NewExchange[T](gctx, readers, p)
	// Readers run in the group, so that one failing (its partition ended
	// with an error) stops the others at once, instead of leaving them
	// waiting on partitions that are still open.
	var reading sync.WaitGroup
	for w := range readers {
		reading.Add(1)
		g.Go(func() error {
			defer reading.Done()
			buf := make([]engines.Record, BatchSize)
			send := func(to int, item T) bool { return x.Send(w, to, item) }
			return ReadAll(gctx, src, Assign(src.Partitions(), w, readers), buf, func(batch []engines.Record) error {
				if err := read(w, batch, send); err != nil {
					return err
				}
				if gctx.Err() != nil || !x.Flush(w) {
					return gctx.Err()
				}
				return nil
			})
		})
	}
	g.Go(func() error {
		reading.Wait()
		x.Close()
		return nil
	})
	for r := range p {
		g.Go(func() error {
			for batch := range x.Receive(r) {
				err := handle(r, batch)
				x.Recycle(r, batch)
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
