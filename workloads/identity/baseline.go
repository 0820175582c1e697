package identity

import (
	"context"
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// baselinePipeline reads batches and writes each record out as it came: P
// workers, each with its share of the partitions, nothing shared.
func baselinePipeline(_ *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		p := baseline.Readers(p, src.Partitions())
		g, gctx := baseline.NewGroup(ctx)
		for w := range p {
			g.Go(func() error {
				buf := make([]engines.Record, baseline.BatchSize)
				outs := make([]engines.Output, baseline.BatchSize)
				return baseline.ReadAll(gctx, src, baseline.Assign(src.Partitions(), w, p), buf, func(batch []engines.Record) error {
					for i := range batch {
						outs[i] = Output(&batch[i])
					}
					return sink.Write(outs[:len(batch)])
				})
			})
		}
		return g.Wait()
	}), nil
}
