package network

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// loadCounter counts each tower's load per window and decides allocations.
type loadCounter struct {
	in     *Instance
	counts *tally.Counter
}

// add counts one record of tower in window and appends its load update, and
// the allocate decision if this record reached the capacity, to outs.
func (lc loadCounter) add(outs []engines.Output, tower string, window int64, p int32, offset, intended int64) ([]engines.Output, error) {
	capacity, ok := lc.in.Capacity(tower)
	if !ok {
		return outs, fmt.Errorf("record %d/%d: tower %q is not in the capacity table", p, offset, tower)
	}
	up := lc.counts.Add(tower, window, 1, p, offset, intended)
	outs = append(outs, up)
	if Crosses(capacity, up.Value-1, up.Value) {
		outs = append(outs, engines.Output{Key: AllocatePrefix + tower, Window: window, Value: 1, Event: true,
			Partition: p, Offset: offset, Intended: up.Intended})
	}
	return outs, nil
}

// baselinePipeline is tower allocation as a Go programmer writes it by
// hand. One worker: parse, count the tower's load in its window, allocate
// when the load reaches capacity. P workers: readers parse and hand each
// record's tower and window to the counter that owns the tower.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			lc := loadCounter{in, tally.New()}
			outs := make([]engines.Output, 0, baseline.BatchSize+16)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					c, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a CDR: %.60q", r.Partition, r.Offset, r.Value)
					}
					var err error
					if outs, err = lc.add(outs, c.Tower, in.Window(r.EventTime), r.Partition, r.Offset, r.Intended); err != nil {
						return err
					}
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type load struct {
		tower     string
		window    int64
		partition int32
		offset    int64
		intended  int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		seed := maphash.MakeSeed()
		counters := make([]loadCounter, p)
		outs := make([][]engines.Output, p)
		for c := range p {
			counters[c] = loadCounter{in, tally.New()}
		}
		return baseline.Shuffled(ctx, src, p,
			func(_ int, batch []engines.Record, send func(int, load) bool) error {
				for i := range batch {
					r := &batch[i]
					c, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a CDR: %.60q", r.Partition, r.Offset, r.Value)
					}
					if !send(int(maphash.String(seed, c.Tower)%uint64(p)), load{c.Tower, in.Window(r.EventTime), r.Partition, r.Offset, r.Intended}) {
						return nil // the run is over
					}
				}
				return nil
			},
			func(c int, batch []load) error {
				out := outs[c][:0]
				var err error
				for _, l := range batch {
					if out, err = counters[c].add(out, l.tower, l.window, l.partition, l.offset, l.intended); err != nil {
						return err
					}
				}
				outs[c] = out
				return sink.Write(out)
			})
	}), nil
}
