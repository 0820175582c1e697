package harness

import (
	"slices"
	"strings"
	"testing"

	"github.com/streambench/streambench/harness/resultfile"
)

// TestSuiteFaults reads a cell's fault schedule and gives it to the cell's
// measured runs, not its calibration, and to the command that repeats one.
func TestSuiteFaults(t *testing.T) {
	s, err := ParseSuite("s.yaml", []byte(`
name: t
cells:
  - engine: core
    workload: wordcount
    guarantee: at-least-once
    faults: ["kill worker 0 at 1s", "kill worker random at 2s"]
`))
	if err != nil {
		t.Fatal(err)
	}
	c := &resultfile.CellRecord{Cell: s.Cells[0], ResolvedGuarantee: "at-least-once"}
	cfg, _, err := CellRunConfig(c, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Faults) != 2 || cfg.Faults[1].Index != RandomIndex {
		t.Fatalf("faults %+v", cfg.Faults)
	}
	if !slices.Contains(cfg.Command, "--fault") || !slices.Contains(cfg.Command, "kill worker random at 2s") {
		t.Fatalf("command %q", cfg.Command)
	}
	if cal, _, err := CellRunConfig(c, 0, true); err != nil || len(cal.Faults) != 0 {
		t.Fatalf("calibration faults %+v, %v", cal.Faults, err)
	}

	for _, tc := range []struct{ yaml, want string }{
		{"faults: kill", "cells[0].faults: want a list of faults"},
		{`faults: ["kill worker 0 at 7s"]`, "faults: 'kill worker 0 at 7s' fires after the end of a probe (probe 6s)"},
		{`faults: ["kill wrker 1 at 10s"]`, `s.yaml:7: cells[0].faults[0]: 'kill wrker 1 at 10s': unknown target "wrker" (worker, agent, master)`},
	} {
		_, err := ParseSuite("s.yaml", []byte("name: t\ncells:\n  - engine: core\n    workload: wordcount\n    guarantee: at-least-once\n    probe: 6s\n    "+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.yaml, err, tc.want)
		}
	}
}
