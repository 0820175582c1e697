package hashtags

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// rankKeys are the output keys of the ranks, made once.
var rankKeys = func() (keys [TopN]string) {
	for i := range keys {
		keys[i] = RankKey(i)
	}
	return keys
}()

// ranker keeps the rankings of each window it owns and turns every change
// of a rank's count into an update.
type ranker struct {
	windows map[int64]*windowRank
	changed []int
}

type windowRank struct {
	rankings *Rankings
	intended int64 // the latest intended time among the window's counts
}

func newRanker() *ranker { return &ranker{windows: map[int64]*windowRank{}} }

// update takes tag's new count in window and appends the updates of the
// ranks it changed to outs.
func (rk *ranker) update(outs []engines.Output, tag string, window, count int64, p int32, offset, intended int64) []engines.Output {
	wr := rk.windows[window]
	if wr == nil {
		wr = &windowRank{rankings: NewRankings(TopN)}
		rk.windows[window] = wr
	}
	wr.intended = max(wr.intended, intended)
	rk.changed = wr.rankings.UpdateWith(tag, count, rk.changed[:0])
	for _, i := range rk.changed {
		outs = append(outs, engines.Output{Key: rankKeys[i], Window: window, Value: wr.rankings.Count(i),
			Partition: p, Offset: offset, Intended: wr.intended})
	}
	return outs
}

// baselinePipeline is the hashtag job as a Go programmer writes it by hand.
// One worker: parse, skip spam users, count each tag in its window, update
// the window's rankings. P workers, in three stages joined by batched
// exchanges: P readers parse and filter and hand each tag to the counter
// that owns it (by hash of the tag); P counters count and hand each new
// count to the ranker that owns its window (by hash of the window); P
// rankers rank.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			counts, rk := tally.New(), newRanker()
			outs := make([]engines.Output, 0, 4*baseline.BatchSize)
			tags := make([]string, 0, 16)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					user, ts, ok := Parse(r.Value, tags[:0])
					if !ok {
						return fmt.Errorf("record %d/%d is not a tweet: %.60q", r.Partition, r.Offset, r.Value)
					}
					tags = ts
					if in.IsSpam(user) {
						continue
					}
					w := in.Window(r.EventTime)
					for _, tag := range tags {
						up := counts.Add(tag, w, 1, r.Partition, r.Offset, r.Intended)
						outs = append(outs, up)
						outs = rk.update(outs, tag, w, up.Value, r.Partition, r.Offset, up.Intended)
					}
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type occurrence struct {
		tag       string
		window    int64
		partition int32
		offset    int64
		intended  int64
	}
	type newCount struct {
		occurrence
		count int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		seed := maphash.MakeSeed()
		g, gctx := baseline.NewGroup(ctx)
		toRankers := baseline.NewExchange[newCount](gctx, p, p)
		counts := make([]*tally.Counter, p)
		outs := make([][]engines.Output, p)
		tags := make([][]string, p)
		for c := range p {
			counts[c] = tally.New()
		}
		g.Go(func() error {
			defer toRankers.Close() // every counter has stopped sending
			return baseline.Shuffled(gctx, src, p,
				func(w int, batch []engines.Record, send func(int, occurrence) bool) error {
					for i := range batch {
						r := &batch[i]
						user, ts, ok := Parse(r.Value, tags[w][:0])
						if !ok {
							return fmt.Errorf("record %d/%d is not a tweet: %.60q", r.Partition, r.Offset, r.Value)
						}
						tags[w] = ts
						if in.IsSpam(user) {
							continue
						}
						window := in.Window(r.EventTime)
						for _, tag := range ts {
							if !send(int(maphash.String(seed, tag)%uint64(p)), occurrence{tag, window, r.Partition, r.Offset, r.Intended}) {
								return nil // the run is over
							}
						}
					}
					return nil
				},
				func(c int, batch []occurrence) error {
					out := outs[c][:0]
					for _, o := range batch {
						up := counts[c].Add(o.tag, o.window, 1, o.partition, o.offset, o.intended)
						out = append(out, up)
						to := int(workloads.Mix(0, o.window) % uint64(p))
						if !toRankers.Send(c, to, newCount{occurrence{o.tag, o.window, o.partition, o.offset, up.Intended}, up.Value}) {
							return gctx.Err()
						}
					}
					outs[c] = out
					if !toRankers.Flush(c) {
						return gctx.Err()
					}
					return sink.Write(out)
				})
		})
		for r := range p {
			g.Go(func() error {
				rk := newRanker()
				var out []engines.Output
				for batch := range toRankers.Receive(r) {
					out = out[:0]
					for _, c := range batch {
						out = rk.update(out, c.tag, c.window, c.count, c.partition, c.offset, c.intended)
					}
					toRankers.Recycle(r, batch)
					if err := sink.Write(out); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return g.Wait()
	}), nil
}
