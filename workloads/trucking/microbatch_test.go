package trucking

import (
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestMicrobatchRefusesBadEvents: a record that is not a truck event ends
// the run with an error naming it.
func TestMicrobatchRefusesBadEvents(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("microbatch") {
		eng, err := in.Pipeline("microbatch", engines.Options{Parallelism: 1, Guarantee: m.Guarantee, Conf: engines.Conf{microbatch.ConfBatchDuration: "20ms"}})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "e1,T1,D1,R1,S1,fast,1000")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/0 is not a truck event") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}
