package harness

import (
	"context"
	"strconv"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/baseline"
	"github.com/streambench/streambench/workloads"
)

// CeilingEngine names the harness's own ceiling: a pseudo-engine, not an
// engine, that reads every record and writes almost nothing. It runs on every
// workload, so `streambench run --engine harness --workload W` measures what
// the driver, the source, the recorder and the verifier can move for W's
// records with no work done on them: the line above the baseline in the
// report. A baseline near it is bounded by the harness, not by the machine.
const CeilingEngine = "harness"

func init() {
	engines.Register(&engines.Spec{
		Name: CeilingEngine,
		Description: "not an engine: the harness's own ceiling; reads every record (as many readers as the baseline) " +
			"and writes one output per fetched batch, so it measures the driver, source and sink alone",
		Offers: []engines.Offer{{Guarantee: engines.AtMostOnce, How: "it keeps nothing to replay"}},
		WayOut: map[engines.Guarantee]string{
			engines.AtLeastOnce: "the harness's ceiling measures at-most-once only",
			engines.ExactlyOnce: "the harness's ceiling measures at-most-once only",
		},
	})
}

// hasPipeline reports whether a run of engine on inst can be built.
func hasPipeline(inst workloads.Instance, engine string) bool {
	if engine == CeilingEngine {
		return true
	}
	for _, e := range inst.Engines() {
		if e == engine {
			return true
		}
	}
	return false
}

// ceilingKey is the result the ceiling writes for partition p: the records
// read from it, a running count.
func ceilingKey(p int) string { return "read:p" + strconv.Itoa(p) }

// ceilingExpect is the ceiling's oracle: every published record read.
func ceilingExpect(published []int64) workloads.Expected {
	want := workloads.Expected{Counts: make(map[workloads.Key]int64, len(published)), Unit: "records"}
	for p, n := range published {
		if n > 0 {
			want.Counts[workloads.Key{Key: ceilingKey(p)}] = n
		}
	}
	return want
}

// ceiling is the pseudo-engine: baseline.Workers readers, each reading its
// share of the partitions, and per fetched batch one output: the records
// read from the batch's partition so far, naming the batch's first (oldest)
// record, the way a merged running-count update does.
type ceiling struct{ workers int }

var _ engines.Engine = ceiling{}

func (c ceiling) Run(ctx context.Context, src engines.Source, sink engines.Sink) error {
	n := baseline.Readers(c.workers, src.Partitions())
	keys := make([]string, src.Partitions())
	for p := range keys {
		keys[p] = ceilingKey(p)
	}
	g, gctx := baseline.NewGroup(ctx)
	for w := range n {
		g.Go(func() error {
			buf := make([]engines.Record, baseline.BatchSize)
			out := make([]engines.Output, 1)
			read := make([]int64, src.Partitions())
			return baseline.ReadAll(gctx, src, baseline.Assign(src.Partitions(), w, n), buf, func(batch []engines.Record) error {
				r := &batch[0]
				read[r.Partition] += int64(len(batch))
				out[0] = engines.Output{Key: keys[r.Partition], Value: read[r.Partition], Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
				return sink.Write(out)
			})
		})
	}
	return g.Wait()
}

func (c ceiling) Settings() engines.Settings {
	return engines.Settings{"workers": c.workers, "fetch.batch.size": baseline.BatchSize, "pseudo-engine": "the harness's ceiling"}
}
