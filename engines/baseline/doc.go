// Package baseline is streambench's yardstick: the hand-written Go loop that
// does a workload's work with no framework at all. Every other engine's figure
// is read as a ratio to it, so it has to be honestly fast: records are fetched
// in batches, nothing is allocated per record, and there is no interface call
// per record.
//
// The package holds only what a careful programmer would write anyway: a loop
// that reads a set of partitions until they are drained (ReadAll), the split
// of partitions among P workers (Assign), a batched all-to-all hand-off
// between goroutines for keyed work (Exchange), and Engine, which runs such a
// loop behind the engines.Engine seam. The loops themselves are written per
// workload, in workloads/<name>/baseline.go:
//
//	eng := baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
//		buf := make([]engines.Record, baseline.BatchSize)
//		return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf,
//			func(batch []engines.Record) error {
//				// the work, record by record, and one sink.Write per batch
//				return nil
//			})
//	})
package baseline
