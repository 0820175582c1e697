package identity

import (
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestCoreAtLeastOnceUnderTimeouts: at at-least-once, trees that time out
// while their records wait behind a slow sink are replayed; no record is
// lost, and the replays show as duplicates, which at-least-once allows.
func TestCoreAtLeastOnceUnderTimeouts(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	in, _ := New(workloadtest.Config(3, 2, nil))
	clock := core.NewManualClock(time.Unix(1e9, 0))
	job, err := coreJob(engines.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	outs := workloadtest.RunThroughTimeouts(t, job, clock, workloadtest.Source(in, 2, 2000))
	got := workloadtest.Final(outs)
	var lost, duplicated int64
	for k, want := range in.Expect([]int64{2000, 2000}).Counts {
		lost += max(0, want-got[k])
		duplicated += max(0, got[k]-want)
	}
	if lost != 0 {
		t.Errorf("%d records lost at at-least-once", lost)
	}
	if duplicated == 0 {
		t.Error("no record was replayed: the test timed nothing out")
	}
	t.Logf("%d records written twice or more after timeouts", duplicated)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, the
// cost of the engine alone.
func BenchmarkCore(b *testing.B) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	workloadtest.Benchmark(b, in, "core", 2, 200000)
}
