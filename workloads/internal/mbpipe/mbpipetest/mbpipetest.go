// Package mbpipetest checks what every workload's microbatch (Spark
// Streaming) pipeline owes: the oracle's answer at every guarantee the
// engine offers and at parallelism 1 and 2, bad options refused naming the
// problem, and a stop on cancel and on a failing sink that leaves no
// goroutine behind.
package mbpipetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// Guarantees are the delivery guarantees the microbatch engine offers.
var Guarantees = []engines.Guarantee{engines.AtMostOnce, engines.AtLeastOnce, engines.ExactlyOnce}

// BatchInterval is the batch interval of the tests' runs: short, so that a
// run over a few thousand records takes a few batches of wall-clock time.
const BatchInterval = 20 * time.Millisecond

// MatchesOracle runs inst's microbatch pipeline over the first n records
// of each of the given partitions at every guarantee and at parallelism 1
// and 2, and fails t unless each run gives the oracle's answer. check, if
// not nil, looks further at each run's outputs.
func MatchesOracle(t *testing.T, inst workloads.Instance, partitions int, n int64, check func(t *testing.T, outs []engines.Output)) {
	t.Helper()
	for _, g := range Guarantees {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(t *testing.T) {
				workloadtest.NoGoroutinesLeft(t)
				opts := workloads.Options{Parallelism: par, Guarantee: g, BatchInterval: BatchInterval}
				outs := workloadtest.RunPipeline(t, inst, "microbatch", opts, partitions, n)
				if len(outs) == 0 {
					t.Fatal("no outputs")
				}
				if check != nil {
					check(t, outs)
				}
			})
		}
	}
}

// Refuses fails t unless inst's microbatch pipeline refuses options it
// cannot run with, naming the problem.
func Refuses(t *testing.T, inst workloads.Instance) {
	t.Helper()
	for _, tc := range []struct {
		name string
		opts workloads.Options
		want string
	}{
		{"no parallelism", workloads.Options{Parallelism: 0, Guarantee: engines.AtLeastOnce}, "parallelism"},
		{"negative batch interval", workloads.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, BatchInterval: -time.Second}, "batch interval"},
		{"unknown guarantee", workloads.Options{Parallelism: 1, Guarantee: engines.Guarantee(99)}, "unknown guarantee"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inst.Pipeline("microbatch", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("settings", func(t *testing.T) {
		eng, err := inst.Pipeline("microbatch", workloads.Options{Parallelism: 3, Guarantee: engines.ExactlyOnce, BatchInterval: 250 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		s := eng.Settings()
		if s["batchInterval"] != "250ms" || s["spark.master"] != "local[3]" || !strings.Contains(fmt.Sprint(s["input"]), "direct stream") {
			t.Fatalf("settings %v ignore the options", s)
		}
	})
}

// StopsOnCancel runs inst's microbatch pipeline at every guarantee and
// parallelism 1 and 2 over a source of the given partitions that never
// closes, waits until each partition's first records were read, cancels
// the run, and fails t unless Run returns context.Canceled and every
// goroutine the run started has stopped.
func StopsOnCancel(t *testing.T, inst workloads.Instance, partitions int) {
	t.Helper()
	for _, g := range Guarantees {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", g, par), func(t *testing.T) {
				opts := workloads.Options{Parallelism: par, Guarantee: g, BatchInterval: BatchInterval}
				workloadtest.StopsOnCancel(t, inst, "microbatch", opts, partitions, 50)
			})
		}
	}
}

// SinkFailure fails t unless a run of inst's microbatch pipeline over the
// first n records of each partition, with a sink that refuses every write,
// ends with the sink's error and leaves no goroutine behind. n must be
// enough records for the pipeline to write something.
func SinkFailure(t *testing.T, inst workloads.Instance, partitions int, n int64) {
	t.Helper()
	for _, g := range Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			opts := workloads.Options{Parallelism: 2, Guarantee: g, BatchInterval: BatchInterval}
			workloadtest.SinkFailure(t, inst, "microbatch", opts, partitions, n)
		})
	}
}
