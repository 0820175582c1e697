package network

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/corepipe/corepipetest"
	"github.com/streambench/streambench/workloads/internal/pipelinetest"
)

func TestCoreMatchesOracle(t *testing.T) {
	in := newTest(t, 3, 2, map[string]string{"window": "100ms", "towers": "30"})
	corepipetest.MatchesOracle(t, in, 2, 1000, func(t *testing.T, outs []engines.Output) {
		pipelinetest.IntendedNeverGoesBack(t, outs)
		// The allocate decision is written with the load update that
		// crossed, timed like it.
		load := map[workloads.Key]engines.Output{}
		allocations := 0
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
		if allocations == 0 {
			t.Error("no tower was allocated")
		}
	})
}

// TestCoreRefusesBadRecords: a record that is not a CDR, or one of a tower
// the capacity table lacks, ends the run with an error naming it.
func TestCoreRefusesBadRecords(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, tc := range []struct{ value, want string }{
		{"310-260-1-1,310260000000001,fax,10,1", "record 0/0 is not a CDR"},
		{"999-999-9-9,310260000000001,sms,10,1", `tower "999-999-9-9" is not in the capacity table`},
	} {
		for _, g := range corepipetest.Guarantees {
			eng, err := in.Pipeline("core", workloads.Options{Parallelism: 1, Guarantee: g})
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

func TestCoreRefuses(t *testing.T) {
	corepipetest.Refuses(t, newTest(t, 1, 2, nil))
}

func TestCoreStopsOnCancel(t *testing.T) {
	corepipetest.StopsOnCancel(t, newTest(t, 1, 2, nil), 2)
}

func TestCoreSinkFailure(t *testing.T) {
	corepipetest.SinkFailure(t, newTest(t, 1, 2, nil), 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	corepipetest.Benchmark(b, newTest(b, 1, 2, nil), 2, 200000)
}
