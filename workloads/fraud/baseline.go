package fraud

import (
	"context"
	"fmt"
	"strings"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// baselinePipeline is fraud detection as a Go programmer writes it by hand:
// parse, find the card's profile, check the rules, alert. Cards are
// partitioned by the source, so P workers each take a share of the
// partitions and keep the profiles of their cards, with no exchange between
// them: every card's transactions reach one worker, in order.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	rules := in.Rules()
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		p := baseline.Readers(p, src.Partitions())
		g, gctx := baseline.NewGroup(ctx)
		for w := range p {
			g.Go(func() error {
				profiles := make(map[string]*Profile, 1024)
				outs := make([]engines.Output, 0, baseline.BatchSize)
				buf := make([]engines.Record, baseline.BatchSize)
				return baseline.ReadAll(gctx, src, baseline.Assign(src.Partitions(), w, p), buf, func(batch []engines.Record) error {
					outs = outs[:0]
					for i := range batch {
						r := &batch[i]
						t, ok := Parse(r.Value)
						if !ok {
							return fmt.Errorf("record %d/%d is not a transaction: %.60q", r.Partition, r.Offset, r.Value)
						}
						prof := profiles[t.Card]
						if prof == nil {
							prof = &Profile{}
							profiles[strings.Clone(t.Card)] = prof // not the whole record
						}
						if rules.Check(prof, t) != 0 {
							outs = append(outs, AlertOutput(t, r))
						}
					}
					return sink.Write(outs)
				})
			})
		}
		return g.Wait()
	}), nil
}
