package fraud

import (
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreSpoutOwnsSeveralPartitions: with fewer spout tasks than
// partitions, a task reads several partitions round-robin, and every card
// still reaches its detect task in order.
func TestCoreSpoutOwnsSeveralPartitions(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	in := newTest(t, 5, 5, coreTestParams)
	for _, m := range workloadtest.Modes("core") {
		outs := workloadtest.RunPipeline(t, in, "core", engines.Options{Parallelism: 2, Guarantee: m.Guarantee}, 5, 1000)
		if len(outs) < 20 {
			t.Errorf("%s: %d alerts in 5000 transactions", m, len(outs))
		}
	}
}

// TestCoreReplaysJudgedOnce: at at-least-once, trees that time out while
// their transactions wait behind a slow sink are replayed after the
// transactions were judged; the detect bolt acks those replays without
// judging them again, so the alerts are still exactly the oracle's, with
// none duplicated.
func TestCoreReplaysJudgedOnce(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	in := newTest(t, 3, 2, coreTestParams)
	clock := core.NewManualClock(time.Unix(1e9, 0))
	job, err := coreJob(in, engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	outs := workloadtest.RunThroughTimeouts(t, job, clock, workloadtest.Source(in, 2, 3000))
	if diffs := workloadtest.Diff(in.Expect([]int64{3000, 3000}), workloadtest.Final(outs)); len(diffs) > 0 {
		t.Errorf("alerts differ from the oracle:\n%s", strings.Join(diffs, "\n"))
	}
	var failed int64
	for _, c := range job.Metrics().(core.TopologyMetrics).Components {
		if c.Component == "transactions" {
			failed = c.Failed
		}
	}
	if failed == 0 {
		t.Error("no tree timed out: the test replayed nothing")
	}
	t.Logf("%d trees timed out and were replayed", failed)
}

// TestCoreRefusesBadTransactions: a record that is not a transaction ends
// the run with an error naming it.
func TestCoreRefusesBadTransactions(t *testing.T) {
	in := newTest(t, 1, 1, nil)
	for _, m := range workloadtest.Modes("core") {
		eng, err := in.Pipeline("core", engines.Options{Parallelism: 1, Guarantee: m.Guarantee})
		if err != nil {
			t.Fatal(err)
		}
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "tx1,4111,100,US,m1,1000", "tx2,4111,lots,US,m1,2000")
		src.CloseAll()
		err = eng.Run(t.Context(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), "record 0/1") || !strings.Contains(err.Error(), "not a transaction") {
			t.Errorf("%s: Run returned %v, want the bad record named", m, err)
		}
	}
}

// BenchmarkCore runs the core topology over 200,000 records in memory, to
// set beside BenchmarkBaseline.
func BenchmarkCore(b *testing.B) {
	workloadtest.Benchmark(b, newTest(b, 1, 2, nil), "core", 2, 200000)
}
