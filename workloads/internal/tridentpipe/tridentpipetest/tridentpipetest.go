// Package tridentpipetest checks what every workload's Trident pipeline
// owes: the oracle's answer at every guarantee Trident offers (exactly-once
// on transactional and on opaque state, at-most-once) and at parallelism 1
// and 2, at-least-once and bad settings refused with the way out, and a
// stop on cancel that leaves no goroutine behind.
package tridentpipetest

import (
	"fmt"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Mode is one guarantee Trident offers, with the state that gives it.
type Mode struct {
	Guarantee engines.Guarantee
	State     string
}

// Modes are the guarantees Trident offers.
var Modes = []Mode{
	{engines.ExactlyOnce, "transactional"},
	{engines.ExactlyOnce, "opaque"},
	{engines.AtMostOnce, ""},
}

// MatchesOracle runs inst's trident pipeline over the first n records of
// each of the given partitions in every mode and at parallelism 1 and 2,
// with batches of batch records, and fails t unless each run gives the
// oracle's answer. check, if not nil, looks further at each run's outputs.
func MatchesOracle(t *testing.T, inst workloads.Instance, partitions int, n int64, batch int, check func(t *testing.T, outs []engines.Output)) {
	t.Helper()
	for _, m := range Modes {
		for _, par := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%s/parallelism=%d", m.Guarantee, m.State, par), func(t *testing.T) {
				workloadtest.NoGoroutinesLeft(t)
				opts := workloads.Options{Parallelism: par, Guarantee: m.Guarantee, State: m.State, BatchSize: batch}
				outs := workloadtest.RunPipeline(t, inst, "trident", opts, partitions, n)
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

// Refuses fails t unless inst's trident pipeline refuses at-least-once
// with a pointer to Storm core, and bad states, batch sizes, parallelism
// and configuration files naming the problem.
func Refuses(t *testing.T, inst workloads.Instance) {
	t.Helper()
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("topology.wokers: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts workloads.Options
		want string
	}{
		{"at-least-once", workloads.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce}, "use --engine core"},
		{"unknown state", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, State: "snapshot"}, `"snapshot"`},
		{"state at at-most-once", workloads.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, State: "opaque"}, "applies to exactly-once"},
		{"negative batch", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, BatchSize: -5}, "batch size"},
		{"no parallelism", workloads.Options{Parallelism: 0, Guarantee: engines.ExactlyOnce}, "parallelism"},
		{"unknown key in the config file", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, ConfigFile: typo}, `"topology.wokers"`},
		{"missing file", workloads.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, ConfigFile: filepath.Join(dir, "none.yaml")}, "none.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inst.Pipeline("trident", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// StopsOnCancel runs inst's trident pipeline in every mode at parallelism
// 2 over a source of the given partitions that never closes, waits until
// each partition's first records were read, cancels the run, and fails t
// unless Run returns context.Canceled and every goroutine the run started
// has stopped.
func StopsOnCancel(t *testing.T, inst workloads.Instance, partitions int) {
	t.Helper()
	for _, m := range Modes {
		t.Run(fmt.Sprintf("%s/%s", m.Guarantee, m.State), func(t *testing.T) {
			opts := workloads.Options{Parallelism: 2, Guarantee: m.Guarantee, State: m.State, BatchSize: 16}
			workloadtest.StopsOnCancel(t, inst, "trident", opts, partitions, 50)
		})
	}
}
