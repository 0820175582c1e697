package grep

import (
	"context"
	"fmt"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// baselinePipeline is grep as a Go programmer writes it by hand. One worker:
// match each line, write an event for a match and bump its window's count.
// P workers: P readers match and write the events themselves (matching
// needs no coordination), and hand each match's window to the counter that
// owns it, which counts and writes the update.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			counts := tally.New()
			outs := make([]engines.Output, 0, 2*baseline.BatchSize)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					if !in.matcher.Match(r.Value) {
						continue
					}
					outs = append(outs, MatchEvent(r),
						counts.Add(MatchesKey, in.Window(r.EventTime), 1, r.Partition, r.Offset, r.Intended))
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type match struct {
		window    int64
		partition int32
		offset    int64
		intended  int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		counts := make([]*tally.Counter, p)
		outs := make([][]engines.Output, p)
		events := make([][]engines.Output, p)
		for c := range p {
			counts[c] = tally.New()
		}
		return baseline.Shuffled(ctx, src, p,
			func(w int, batch []engines.Record, send func(int, match) bool) error {
				ev := events[w][:0]
				for i := range batch {
					r := &batch[i]
					if !in.matcher.Match(r.Value) {
						continue
					}
					ev = append(ev, MatchEvent(r))
					window := in.Window(r.EventTime)
					if !send(int(workloads.Mix(0, window)%uint64(p)), match{window, r.Partition, r.Offset, r.Intended}) {
						return nil // the run is over
					}
				}
				events[w] = ev
				return sink.Write(ev)
			},
			func(c int, batch []match) error {
				out := outs[c][:0]
				for _, m := range batch {
					out = append(out, counts[c].Add(MatchesKey, m.window, 1, m.partition, m.offset, m.intended))
				}
				outs[c] = out
				return sink.Write(out)
			})
	}), nil
}
