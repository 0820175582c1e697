package identity

import (
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/internal/corepipe/corepipetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func TestCoreMatchesOracle(t *testing.T) {
	in, _ := New(workloadtest.Config(3, 2, nil))
	corepipetest.MatchesOracle(t, in, 2, 500, func(t *testing.T, outs []engines.Output) {
		if len(outs) != 1000 {
			t.Errorf("%d outputs for 1000 records", len(outs))
		}
	})
}

// TestCoreAtLeastOnceUnderTimeouts: at at-least-once, trees that time out
// while their records wait behind a slow sink are replayed; no record is
// lost, and the replays show as duplicates, which at-least-once allows.
func TestCoreAtLeastOnceUnderTimeouts(t *testing.T) {
	workloadtest.NoGoroutinesLeft(t)
	in, _ := New(workloadtest.Config(3, 2, nil))
	clock := core.NewManualClock(time.Unix(1e9, 0))
	job, err := coreJob(workloads.Options{Parallelism: 2, Guarantee: engines.AtLeastOnce}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	outs := corepipetest.RunThroughTimeouts(t, job, clock, workloadtest.Source(in, 2, 2000))
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

func TestCoreRefuses(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.Refuses(t, in)
}

func TestCoreStopsOnCancel(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.StopsOnCancel(t, in, 2)
}

func TestCoreSinkFailure(t *testing.T) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.SinkFailure(t, in, 2, 20)
}

// BenchmarkCore runs the core topology over 200,000 records in memory, the
// cost of the engine alone.
func BenchmarkCore(b *testing.B) {
	in, _ := New(workloadtest.Config(1, 2, nil))
	corepipetest.Benchmark(b, in, 2, 200000)
}
