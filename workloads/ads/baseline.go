package ads

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
)

// windowCount is the running count of one (campaign, window), with the
// latest intended time among its views: when the window's input was complete
// so far.
type windowCount struct {
	count    int64
	intended int64
}

type campaignWindow struct {
	campaign string
	window   int64
}

// counter counts views per campaign per window and makes each view an update.
type counter map[campaignWindow]*windowCount

func (c counter) add(campaign string, window int64, p int32, offset, intended int64) engines.Output {
	k := campaignWindow{campaign, window}
	wc := c[k]
	if wc == nil {
		wc = &windowCount{}
		c[k] = wc
	}
	wc.count++
	wc.intended = max(wc.intended, intended)
	return engines.Output{Key: campaign, Window: window, Value: wc.count, Partition: p, Offset: offset, Intended: wc.intended}
}

// baselinePipeline is the Yahoo job as a Go programmer writes it by hand:
// parse, keep views, look the campaign up, count. With P workers, readers
// parse and filter, and hand views to the counter that owns the campaign.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			counts := counter{}
			outs := make([]engines.Output, 0, baseline.BatchSize)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					e, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not an ad event: %.60q", r.Partition, r.Offset, r.Value)
					}
					if e.EventType != "view" {
						continue
					}
					campaign, ok := in.Campaign(e.AdID)
					if !ok {
						continue // an ad of no campaign: the original drops it too
					}
					outs = append(outs, counts.add(campaign, in.Window(e.TimeMs), r.Partition, r.Offset, r.Intended))
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type view struct {
		campaign  string
		window    int64
		partition int32
		offset    int64
		intended  int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		seed := maphash.MakeSeed()
		counts := make([]counter, p)
		outs := make([][]engines.Output, p)
		for c := range p {
			counts[c] = counter{}
		}
		return baseline.Shuffled(ctx, src, p,
			func(_ int, batch []engines.Record, send func(int, view) bool) error {
				for i := range batch {
					r := &batch[i]
					e, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not an ad event: %.60q", r.Partition, r.Offset, r.Value)
					}
					campaign, ok := in.Campaign(e.AdID)
					if e.EventType != "view" || !ok {
						continue
					}
					if !send(int(maphash.String(seed, campaign)%uint64(p)), view{campaign, in.Window(e.TimeMs), r.Partition, r.Offset, r.Intended}) {
						return nil // the run is over
					}
				}
				return nil
			},
			func(c int, batch []view) error {
				out := outs[c][:0]
				for _, v := range batch {
					out = append(out, counts[c].add(v.campaign, v.window, v.partition, v.offset, v.intended))
				}
				outs[c] = out
				return sink.Write(out)
			})
	}), nil
}
