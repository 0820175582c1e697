package network

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestConformance(t *testing.T) {
	quiet := newTest(t, 1, 2, nil)
	in := newTest(t, 3, 2, map[string]string{"window": "100ms", "towers": "30"})
	for _, s := range []workloadtest.Suite{{
		Engines: []string{"baseline", "core", "microbatch"},
		Oracle:  in, Partitions: 2, Records: 1000,
		Check: func(t *testing.T, engine string, outs []engines.Output) {
			workloadtest.IntendedNeverGoesBack(t, outs)
			allocations := 0
			if engine == "microbatch" {
				// The allocate decision is taken by the batch whose step
				// reached the capacity, and timed like that batch's load
				// update.
				load := map[workloads.Key][]engines.Output{}
				for _, o := range outs {
					if !o.Event {
						k := workloads.Key{Key: o.Key, Window: o.Window}
						load[k] = append(load[k], o)
						continue
					}
					allocations++
					k := workloads.Key{Key: strings.TrimPrefix(o.Key, AllocatePrefix), Window: o.Window}
					c, _ := in.Capacity(k.Key)
					found := false
					before := int64(0)
					for _, l := range load[k] {
						if Crosses(c, before, l.Value) && l.Intended == o.Intended && l.Offset == o.Offset {
							found = true
						}
						before = l.Value
					}
					if !found {
						t.Fatalf("allocate %+v matches no crossing load update of capacity %d in %+v", o, c, load[k])
					}
				}
			} else {
				// The allocate decision is written with the load update
				// that crossed, timed like it: from the latest record of
				// its window so far.
				load := map[workloads.Key]engines.Output{}
				for _, o := range outs {
					if !o.Event {
						load[workloads.Key{Key: o.Key, Window: o.Window}] = o
						continue
					}
					allocations++
					l := load[workloads.Key{Key: strings.TrimPrefix(o.Key, AllocatePrefix), Window: o.Window}]
					if c, _ := in.Capacity(l.Key); l.Value != c || l.Intended != o.Intended || l.Offset != o.Offset {
						t.Fatalf("allocate %+v after load %+v of capacity %d", o, l, c)
					}
				}
			}
			if allocations == 0 {
				t.Error("no tower was allocated")
			}
		},
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	}, {
		Engines: []string{"trident"},
		Oracle:  newTest(t, 4, 2, map[string]string{"towers": "20", "window": "200ms"}), Partitions: 2, Records: 600,
		Conf: map[string]engines.Conf{"trident": {trident.TridentSpoutBatchSize: "100"}},
		Check: func(t *testing.T, _ string, outs []engines.Output) {
			allocations := 0
			for _, o := range outs {
				if o.Event {
					allocations++
				}
			}
			if allocations == 0 {
				t.Error("no tower reached its capacity: the test should make some allocate")
			}
		},
		Quiet: quiet,
	}} {
		workloadtest.Conformance(t, s)
	}
}
