package wordcount

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/workloads"
	"github.com/streambench/streambench/workloads/workloadtest"
)

func pythonConfig(seed uint64, partitions int) workloads.Config {
	cfg := testConfig(seed, partitions)
	cfg.Params["split"] = splitPython
	return cfg
}

// TestPythonSplitConformance runs core's word count with its split bolt in
// Python, a multi-lang ShellBolt, through the conformance suite: the
// oracle's counts at both guarantees and parallelisms, cancel, a failing
// sink, refusals, no goroutine and no script directory left behind.
func TestPythonSplitConformance(t *testing.T) {
	if checkPython() != nil {
		t.Skip("python3 is not on PATH")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	oracle, err := New(pythonConfig(11, 4))
	if err != nil {
		t.Fatal(err)
	}
	quiet, _ := New(pythonConfig(1, 4))
	workloadtest.Conformance(t, workloadtest.Suite{
		Engines: []string{"core"},
		Oracle:  oracle, Partitions: 4, Records: 300,
		Check: func(t *testing.T, _ string, outs []engines.Output) { oneUpdatePerOccurrence(t, oracle, 300, outs) },
		Quiet: quiet, Busy: quiet, BusyRecords: 20,
	})
	left, _ := filepath.Glob(filepath.Join(tmp, "streambench-split-python-*"))
	if len(left) > 0 {
		t.Errorf("script directories left behind: %v", left)
	}
}

// TestPythonSplitOnlyOnCore: split=python is a Storm multi-lang bolt, so
// the other engines refuse it rather than run their Go split; split=go is
// not recorded; a bad value and a missing python3 are refused by name.
func TestPythonSplitOnlyOnCore(t *testing.T) {
	if checkPython() == nil {
		in, err := New(pythonConfig(1, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got := in.Engines(); len(got) != 1 || got[0] != "core" {
			t.Errorf("engines with split=python: %v, want [core]", got)
		}
		_, err = in.Pipeline("microbatch", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce})
		if !errors.Is(err, workloads.ErrUnsupportedEngine) || !strings.Contains(err.Error(), "only on engine core") {
			t.Errorf("microbatch with split=python: %v", err)
		}
		if in.Params()["split"] != splitPython {
			t.Errorf("params %v do not record split=python", in.Params())
		}
	}
	in, _ := New(testConfig(1, 2))
	if _, ok := in.Params()["split"]; ok {
		t.Errorf("params %v record the default split", in.Params())
	}
	cfg := testConfig(1, 2)
	cfg.Params["split"] = "perl"
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), `"perl"`) {
		t.Errorf("split=perl: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := New(pythonConfig(1, 2)); err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("split=python without python3: %v", err)
	}
}
