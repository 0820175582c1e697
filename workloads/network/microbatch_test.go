package network

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/mbpipe/mbpipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestMicrobatchMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "100ms", "towers": "30"})
	mbpipetest.MatchesOracle(t, in, 2, 1000, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		// The allocate decision is taken by the batch whose step reached
		// the capacity, and timed like that batch's load update.
		load := map[workloads.Key][]engines.Output{}
		allocations := 0
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
		if allocations == 0 {
			t.Error("no tower was allocated")
		}
	})
}

// TestMicrobatchRefusesBadRecords: a record that is not a CDR, or one of a
// tower the capacity table lacks, ends the run with an error naming it.
func TestMicrobatchRefusesBadRecords(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, tc := range []struct{ value, want string }{
		{"310-260-1-1,310260000000001,fax,10,1", "record 0/0 is not a CDR"},
		{"999-999-9-9,310260000000001,sms,10,1", `tower "999-999-9-9" is not in the capacity table`},
	} {
		for _, g := range mbpipetest.Guarantees {
			eng, err := in.Pipeline("microbatch", workloads.Options{Parallelism: 1, Guarantee: g, BatchInterval: mbpipetest.BatchInterval})
			if err != nil {
				t.Fatal(err)
			}
			src := enginetest.NewMemSource(1)
			src.AppendValues(0, tc.value)
			src.CloseAll()
			err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %q: Run returned %v, want %q", g, tc.value, err, tc.want)
			}
		}
	}
}

func TestMicrobatchRefuses(t *testing.T) {
	mbpipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestMicrobatchStopsOnCancel(t *testing.T) {
	mbpipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestMicrobatchSinkFailure(t *testing.T) {
	mbpipetest.SinkFailure(t, newTest(t, 1, 2, nil), 2, 20)
}
