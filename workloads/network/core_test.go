package network

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreRefusesBadRecords: a record that is not a CDR, or one of a tower
// the capacity table lacks, ends the run with an error naming it.
func TestCoreRefusesBadRecords(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, tc := range []struct{ value, want string }{
		{"310-260-1-1,310260000000001,fax,10,1", "record 0/0 is not a CDR"},
		{"999-999-9-9,310260000000001,sms,10,1", `tower "999-999-9-9" is not in the capacity table`},
	} {
		for _, m := range workloadtest.Modes("core") {
			eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: m.Guarantee})
			if err != nil {
				t.Fatal(err)
			}
			src := enginetest.NewMemSource(1)
			src.AppendValues(0, tc.value)
			src.CloseAll()
			err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %q: Run returned %v, want %q", m, tc.value, err, tc.want)
			}
		}
	}
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
