package trucking

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/workloads/internal/tally"
)

// alerts judges one event and appends its alerts to outs; it returns how
// many violations the event is.
func alerts(roads *Roads, outs []engines.Output, e Event, r *engines.Record) ([]engines.Output, int64) {
	speeding, deviation := roads.Check(e)
	var n int64
	if speeding {
		outs = append(outs, engines.Output{Key: SpeedingKey(e), Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
		n++
	}
	if deviation {
		outs = append(outs, engines.Output{Key: DeviationKey(e), Value: 1, Event: true, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended})
		n++
	}
	return outs, n
}

// baselinePipeline is the trucking job as a Go programmer writes it by
// hand. One worker: parse, check the event against the tables, write its
// alerts, count its violations under its driver and window. P workers:
// readers parse, check and write alerts (a join with static tables needs
// no coordination), and hand each violating event to the counter that owns
// the driver.
func baselinePipeline(in *Instance, opts engines.Options) (engines.Engine, error) {
	if opts.Guarantee != engines.AtMostOnce {
		return nil, fmt.Errorf("the baseline loop keeps no replay log or durable state, so it offers at-most-once only, not %s", opts.Guarantee)
	}
	roads := in.Roads()
	p := baseline.Workers(opts.Parallelism)
	if p == 1 {
		return baseline.New(1, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
			counts := tally.New()
			keys := map[string]string{} // driver -> its violations key, made once
			outs := make([]engines.Output, 0, baseline.BatchSize)
			buf := make([]engines.Record, baseline.BatchSize)
			return baseline.ReadAll(ctx, src, baseline.Assign(src.Partitions(), 0, 1), buf, func(batch []engines.Record) error {
				outs = outs[:0]
				for i := range batch {
					r := &batch[i]
					e, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a truck event: %.60q", r.Partition, r.Offset, r.Value)
					}
					var n int64
					if outs, n = alerts(roads, outs, e, r); n > 0 {
						outs = append(outs, counts.Add(violationsKey(keys, e.Driver), in.Window(e.TimeMs*1e6), n, r.Partition, r.Offset, r.Intended))
					}
				}
				return sink.Write(outs)
			})
		}), nil
	}
	type violations struct {
		driver    string
		window    int64
		n         int64
		partition int32
		offset    int64
		intended  int64
	}
	return baseline.New(p, func(ctx context.Context, src engines.Source, sink engines.Sink) error {
		seed := maphash.MakeSeed()
		counts := make([]*tally.Counter, p)
		keys := make([]map[string]string, p)
		outs := make([][]engines.Output, p)
		alerted := make([][]engines.Output, p)
		for c := range p {
			counts[c] = tally.New()
			keys[c] = map[string]string{}
		}
		return baseline.Shuffled(ctx, src, p,
			func(w int, batch []engines.Record, send func(int, violations) bool) error {
				out := alerted[w][:0]
				for i := range batch {
					r := &batch[i]
					e, ok := Parse(r.Value)
					if !ok {
						return fmt.Errorf("record %d/%d is not a truck event: %.60q", r.Partition, r.Offset, r.Value)
					}
					var n int64
					if out, n = alerts(roads, out, e, r); n > 0 {
						v := violations{e.Driver, in.Window(e.TimeMs * 1e6), n, r.Partition, r.Offset, r.Intended}
						if !send(int(maphash.String(seed, e.Driver)%uint64(p)), v) {
							return nil // the run is over
						}
					}
				}
				alerted[w] = out
				return sink.Write(out)
			},
			func(c int, batch []violations) error {
				out := outs[c][:0]
				for _, v := range batch {
					out = append(out, counts[c].Add(violationsKey(keys[c], v.driver), v.window, v.n, v.partition, v.offset, v.intended))
				}
				outs[c] = out
				return sink.Write(out)
			})
	}), nil
}

// violationsKey returns the key of a driver's violation counts, made once
// per driver.
func violationsKey(keys map[string]string, driver string) string {
	k, ok := keys[driver]
	if !ok {
		k = ViolationsPrefix + driver
		keys[k[len(ViolationsPrefix):]] = k // keyed by a copy, not the record
	}
	return k
}
