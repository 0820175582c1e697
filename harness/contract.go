package harness

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// The recorder checks the oldest-record rule of merged running-count updates
// on a sample, so that the sink's cost per output stays what it was: the
// merged updates among the first contractWindow outputs that name a record
// within contractOffsets of its partition's start, at most contractSamples
// of them. Early outputs are the ones the rule is hardest on (the first
// batches are the largest merges), and early offsets keep the verifier's
// recount of the records before them short.
const (
	contractWindow  = 1 << 20
	contractOffsets = 1 << 15
	contractSamples = 512
)

// contractLog is what the recorder notes, as outputs arrive, for the
// verifier's check of the workload's output contract (workloads.Contract).
type contractLog struct {
	mergedEvents int64            // event outputs with Value != 1
	mergedEx     []engines.Output // the first of them
	samples      []workloads.MergedUpdate
}

func (c *contractLog) mergedEvent(o *engines.Output) {
	c.mergedEvents++
	if len(c.mergedEx) < 3 {
		c.mergedEx = append(c.mergedEx, *o)
	}
}

// sampling reports whether the n-th output of the run may still be sampled.
func (c *contractLog) sampling(n int64) bool {
	return n < contractWindow && len(c.samples) < contractSamples
}

func (c *contractLog) update(o *engines.Output, prev int64) {
	if o.Value-prev > 1 && o.Offset < contractOffsets && o.Offset >= 0 {
		c.samples = append(c.samples, workloads.MergedUpdate{Out: *o, Prev: prev})
	}
}

// checkContract judges what the recorder noted against the workload's output
// contract, and adds what it finds to v: events merged into one output, an
// event written as an update, a merged count update that does not name the
// oldest record it covers. fill rebuilds a record from its address (the
// workload's generator).
func checkContract(c workloads.Contract, fill func(*engines.Record), rec recorded, v *resultfile.Verification) {
	cc := &resultfile.ContractCheck{EventsMerged: rec.contract.mergedEvents}
	for _, o := range rec.contract.mergedEx {
		cc.Examples = append(cc.Examples, fmt.Sprintf("event %q (window %d) written once with value %d", o.Key, o.Window, o.Value))
	}
	if c.IsEvent != nil {
		var keys []workloads.Key
		for k := range rec.updates {
			if c.IsEvent(k) {
				cc.EventsAsUpdates++
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(a, b workloads.Key) int {
			return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Window, b.Window))
		})
		for _, k := range keys[:min(len(keys), 3)] {
			cc.Examples = append(cc.Examples, fmt.Sprintf("event %q (window %d) written as an update of value %d", k.Key, k.Window, rec.final[k]))
		}
	}
	if c.Occurrences != nil {
		if v.Lost > 0 {
			cc.Note = "merged updates not checked: with units lost, an earlier update may be missing"
		} else {
			bad := c.NotOldest(fill, rec.contract.samples)
			cc.MergedUpdatesChecked, cc.NotOldest = int64(len(rec.contract.samples)), int64(len(bad))
			for _, u := range bad[:min(len(bad), 3)] {
				cc.Examples = append(cc.Examples, fmt.Sprintf("update %q %d -> %d names partition %d offset %d, "+
					"not the oldest record it covers", u.Out.Key, u.Prev, u.Out.Value, u.Out.Partition, u.Out.Offset))
			}
		}
	}
	v.Contract = cc
	if n := cc.EventsMerged; n > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%d outputs merged several events, which the workload's output contract forbids (one output per event)", n))
	}
	if n := cc.EventsAsUpdates; n > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%d events written as updates, which the workload's output contract forbids (one event output per event)", n))
	}
	if n := cc.NotOldest; n > 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("%d of %d merged updates checked do not name the oldest record they cover, "+
			"which the workload's output contract requires (their latency would be understated)", n, cc.MergedUpdatesChecked))
	}
	v.OK = len(v.Problems) == 0
}
