package harness

import (
	"context"
	"testing"
	"time"

	"github.com/streambench/streambench/workloads"
)

// TestEveryEngineMatchesTheOracle is the cross-engine check: for every
// workload and every engine with a pipeline for it, a small seeded run at the
// engine's default guarantee gives exactly the oracle's answer, with nothing
// lost, duplicated or wrong. Equivalent programs, equivalent output.
func TestEveryEngineMatchesTheOracle(t *testing.T) {
	for _, w := range Workloads {
		probe, err := w.New(testConfigFor(w.Name))
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		for _, engine := range probe.Engines() {
			t.Run(w.Name+"/"+engine, func(t *testing.T) {
				spec, err := LookupEngine(engine)
				if err != nil {
					t.Fatalf("workload %s has a pipeline for engine %s, which the harness does not list", w.Name, engine)
				}
				g := spec.DefaultGuarantee()
				m, err := Run(context.Background(), RunConfig{Engine: engine, Workload: w.Name, Seed: 11,
					Partitions: 2, Parallelism: 2, Guarantee: g, Rate: 20000, Records: 3000,
					DrainTimeout: 30 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				v := m.Result.Verification
				if v.Lost != 0 || v.Duplicated != 0 || v.Wrong != 0 || v.Expected == 0 {
					t.Errorf("expected %d: lost %d, duplicated %d, wrong %d; examples %+v", v.Expected, v.Lost, v.Duplicated, v.Wrong, v.Examples)
				}
			})
		}
	}
}

// testConfigFor is the generator configuration the cross-engine test probes
// a workload's engines with.
func testConfigFor(string) workloads.Config {
	return workloads.Config{Seed: 11, Partitions: 2, EventRate: 20000}
}
