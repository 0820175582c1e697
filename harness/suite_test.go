package harness

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

func TestBuiltinSuites(t *testing.T) {
	for _, name := range BuiltinSuites() {
		s, err := LoadSuite(name)
		if err != nil {
			t.Fatalf("built-in suite %s: %v", name, err)
		}
		if s.Name != name || len(s.Cells) == 0 || s.Repeat < 1 {
			t.Errorf("suite %s: name %q, %d cells, repeat %d", name, s.Name, len(s.Cells), s.Repeat)
		}
	}
	// The broker suite measures each engine cell on the generator and
	// through JetStream, alike but for the source (and the search's probe
	// budget, larger through JetStream), and the baseline's identity through
	// JetStream, the broker's ceiling.
	broker, err := LoadSuite("broker")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]resultfile.Cell{}
	for _, c := range broker.Cells {
		byID[c.ID] = c
	}
	for _, pair := range [][2]string{
		{"baseline-generator/identity", "baseline-jetstream/identity"},
		{"core-at-least-once-generator/wordcount", "core-at-least-once-jetstream/wordcount"},
		{"trident-exactly-once-generator/wordcount", "trident-exactly-once-jetstream/wordcount"},
		{"microbatch-1s-generator/wordcount", "microbatch-1s-jetstream/wordcount"},
	} {
		g, gok := byID[pair[0]]
		j, jok := byID[pair[1]]
		if !gok || !jok {
			t.Errorf("broker suite lacks the pair %v", pair)
			continue
		}
		if g.Source != "" || j.Source != "jetstream" {
			t.Errorf("%v: sources %q and %q, want the generator and jetstream", pair, g.Source, j.Source)
		}
		if j.MaxProbes < g.MaxProbes {
			t.Errorf("%v: %d probes through JetStream, fewer than the generator's %d", pair, j.MaxProbes, g.MaxProbes)
		}
		j.ID, j.Source, j.MaxProbes = g.ID, g.Source, g.MaxProbes
		if !reflect.DeepEqual(g, j) {
			t.Errorf("%v differ in more than the source:\n%+v\n%+v", pair, g, j)
		}
	}
	if len(broker.Cells) != 8 {
		t.Errorf("broker suite has %d cells, want the 4 pairs", len(broker.Cells))
	}
	deck, err := LoadSuite("deck")
	if err != nil {
		t.Fatal(err)
	}
	// The deck names every cell the issue asks for.
	for _, id := range []string{
		"baseline-at-most-once/identity", "baseline-at-most-once/grep", "baseline-at-most-once/wordcount",
		"core-at-most-once/identity", "core-at-most-once/grep", "core-at-most-once/wordcount",
		"core-at-least-once/identity", "core-at-least-once/grep", "core-at-least-once/wordcount",
		"trident-exactly-once/identity", "trident-exactly-once/grep", "trident-exactly-once/wordcount",
		"microbatch-1s/identity", "microbatch-1s/grep", "microbatch-1s/wordcount",
		"baseline-at-most-once/ads", "core-at-least-once/ads", "microbatch-1s/ads",
	} {
		found := false
		for _, c := range deck.Cells {
			if c.ID == id {
				found = true
				if c.Probe == 0 || len(c.Loads) != 4 {
					t.Errorf("%s: probe %v, loads %v", id, c.Probe, c.Loads)
				}
			}
		}
		if !found {
			t.Errorf("deck lacks cell %s", id)
		}
	}
	for _, c := range deck.Cells {
		if c.Engine == "microbatch" && c.EngineConf["spark.streaming.batchDuration"] != "1s" {
			t.Errorf("%s: engine settings %v, want a batch interval of 1s", c.ID, c.EngineConf)
		}
	}
}

func TestParseSuiteDefaultsAndOverrides(t *testing.T) {
	s, err := ParseSuite("s.yaml", []byte(`
name: t
repeat: 3
defaults:
  probe: 5s
  params: {vocabulary: "100"}
  engine_conf: {spark.streaming.blockInterval: 50ms}
cells:
  - engine: core
    guarantee: at-least-once
    workloads: [wordcount, grep]
    probe: 6s
    params: {zipf: "1.5"}
  - engine: microbatch
    name: mb-500ms
    batch_interval: 500ms
    source: jetstream
    workload: wordcount
    loads: [0.5]
    start: 20k
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Repeat != 3 || len(s.Cells) != 3 {
		t.Fatalf("repeat %d, %d cells", s.Repeat, len(s.Cells))
	}
	c := s.Cells[0]
	if c.ID != "core-at-least-once/wordcount" || c.Probe.D() != 6*time.Second || c.Params["vocabulary"] != "100" || c.Params["zipf"] != "1.5" {
		t.Errorf("cell 0: %+v", c)
	}
	if s.Cells[1].ID != "core-at-least-once/grep" {
		t.Errorf("cell 1: %s", s.Cells[1].ID)
	}
	if c.Source != "" || s.Cells[2].Source != "jetstream" {
		t.Errorf("sources %q and %q, want the generator's default and jetstream", c.Source, s.Cells[2].Source)
	}
	if len(c.EngineConf) != 0 || s.Cells[2].EngineConf["spark.streaming.blockInterval"] != "50ms" {
		t.Errorf("the defaults' engine settings apply to the engines that know them: core has %v, microbatch %v", c.EngineConf, s.Cells[2].EngineConf)
	}
	mb := s.Cells[2]
	if mb.ID != "mb-500ms/wordcount" || mb.EngineConf["spark.streaming.batchDuration"] != "500ms" || mb.Probe.D() != 5*time.Second ||
		len(mb.Loads) != 1 || mb.Start != 20000 || mb.Params["zipf"] != "" {
		t.Errorf("cell 2: %+v", mb)
	}
	if def := DefaultCellSettings(); mb.LagSlope != def.LagSlope || mb.Precision != def.Precision {
		t.Errorf("cell 2 did not get the built-in defaults: %+v", mb)
	}
}

// TestParseSuiteErrors: every mistake names the file, the line and the key.
func TestParseSuiteErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"not yaml", "name: [", "s.yaml:"},
		{"empty", "", "s.yaml: empty file"},
		{"not a mapping", "- a\n- b\n", "s.yaml:1: want a mapping"},
		{"no name", "cells:\n  - {engine: core, workload: wordcount}\n", "s.yaml:1: name: missing"},
		{"no cells", "name: x\n", "cells: missing"},
		{"empty cells", "name: x\ncells: []\n", "s.yaml:2: cells: want a non-empty list"},
		{"unknown top key", "name: x\nrepet: 2\ncells:\n  - {engine: core, workload: wordcount}\n", `s.yaml:2: repet: unknown key (known: name, description, repeat, defaults, cells); did you mean "repeat"?`},
		{"unknown cell key", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    batch_intervall: 1s\n", `s.yaml:5: cells[0].batch_intervall: unknown key`},
		{"unknown default key", "name: x\ndefaults:\n  probes: 4s\ncells:\n  - {engine: core, workload: wordcount}\n", `s.yaml:3: defaults.probes: unknown key`},
		{"bad duration", "name: x\ncells:\n  - engine: microbatch\n    workload: wordcount\n    batch_interval: fast\n", `s.yaml:5: cells[0].batch_interval: spark.streaming.batchDuration: value "fast" is not a positive whole number of milliseconds`},
		{"a spelling the engine does not use", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    batch_interval: 1s\n", `s.yaml:5: cells[0].batch_interval: sets spark.streaming.batchDuration of engine microbatch; engine core does not use it`},
		{"unknown engine setting", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    engine_conf:\n      topology.max.spout.pendin: 10\n", `s.yaml:6: cells[0].engine_conf.topology.max.spout.pendin: topology.max.spout.pendin: unknown setting: engine core has no such setting; did you mean "topology.max.spout.pending"?`},
		{"bad engine setting", "name: x\ncells:\n  - engine: trident\n    workload: wordcount\n    engine_conf: {trident.state: snapshot}\n", `s.yaml:5: cells[0].engine_conf.trident.state: trident.state: unknown trident state "snapshot"`},
		{"unknown source", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    source: kafka\n", `s.yaml:5: cells[0].source: unknown source "kafka"`},
		{"engine_conf not a map", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    engine_conf: [a]\n", `cells[0].engine_conf: want a mapping`},
		{"duration range", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    probe: 100ms\n", `s.yaml:5: cells[0].probe: 100ms is out of range`},
		{"bad guarantee", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    guarantee: twice\n", `s.yaml:5: cells[0].guarantee: unknown guarantee "twice"`},
		{"bad repeat", "name: x\nrepeat: 0\ncells:\n  - {engine: core, workload: wordcount}\n", `s.yaml:2: repeat: "0" must be a whole number in [1, 100]`},
		{"bad load", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    loads: [0.5, 1.5]\n", `s.yaml:5: cells[0].loads[1]: "1.5" must be a number in (0, 1]`},
		{"loads not a list", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    loads: 0.5\n", `cells[0].loads: want a list`},
		{"no engine", "name: x\ncells:\n  - workload: wordcount\n", `s.yaml:3: cells[0].engine: missing`},
		{"no workload", "name: x\ncells:\n  - engine: core\n", `s.yaml:3: cells[0].workloads: missing`},
		{"bad name", "name: x\ncells:\n  - engine: Core\n    workload: wordcount\n", `s.yaml:3: cells[0].engine: "Core": names use lowercase`},
		{"duplicate cell", "name: x\ncells:\n  - {engine: core, workload: wordcount}\n  - {engine: core, workload: wordcount}\n", `s.yaml:4: cells[1]: cell core/wordcount is already defined at line 3`},
		{"duplicate key", "name: x\nname: y\ncells: []\n", "s.yaml:"},
		{"warmup too long", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    probe: 3s\n    warmup: 3s\n", "warmup 3s leaves nothing of probe 3s"},
		{"probe too short", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    probe: 2s\n    warmup: 1s\n", "measures under 2s"},
		{"no start", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    calibrate: 0s\n", "calibrate is 0 and no start rate"},
		{"bad start", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    start: lots\n", `s.yaml:5: cells[0].start: "lots"`},
		{"params not a map", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    params: [a]\n", "cells[0].params: want a mapping"},
		{"two documents", "name: x\ncells:\n  - {engine: core, workload: wordcount}\n---\nname: y\n", "more than one YAML document"},
		{"nested value", "name: {a: b}\ncells:\n  - {engine: core, workload: wordcount}\n", "s.yaml:1: name: want a single value, got a mapping"},
		{"misspelt engine", "name: x\ncells:\n  - engine: stormm\n    workload: wordcount\n", `s.yaml:3: cells[0].engine: unknown engine "stormm"`},
		{"misspelt workload", "name: x\ncells:\n  - engine: core\n    workloads: [grep, wordcont]\n", `s.yaml:4: cells[0].workload: unknown workload "wordcont"`},
		{"guarantee not offered", "name: x\ncells:\n  - engine: baseline\n    workload: wordcount\n    guarantee: exactly-once\n", `s.yaml:5: cells[0].guarantee: baseline offers at-most-once`},
		{"defaults' guarantee not offered", "name: x\ndefaults:\n  guarantee: at-least-once\ncells:\n  - engine: baseline\n    workload: wordcount\n", `s.yaml:3: cells[0].guarantee: baseline offers at-most-once`},
		{"start past the most rate", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    start: 1e9\n", `cells[0].start: "1e9": 1,000,000,000 records/s is above the most`},
		{"start overflowing", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    start: 1e308M\n", `above the most`},
		{"start too slow", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    start: 0.001\n", `below the least rate`},
		{"start and calibrate", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    start: 1k\n    calibrate: 2s\n", `calibrate is not used when a start rate is given`},
		{"seed too large", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    seed: 18446744073709551616\n", `cells[0].seed: "18446744073709551616" is too large`},
		{"partitions past the most", "name: x\ncells:\n  - engine: core\n    workload: wordcount\n    partitions: 5000\n", `cells[0].partitions: "5000" must be a whole number in [1, 1024]`},
		{"repeat past the most", "name: x\nrepeat: 101\ncells:\n  - {engine: core, workload: wordcount}\n", `s.yaml:2: repeat: "101" must be a whole number in [1, 100]`},
		{"batch past memory", "name: x\ncells:\n  - engine: trident\n    workload: wordcount\n    batch_size: 1000000000000\n", `s.yaml:5: cells[0].batch_size: trident.batch.size: 1000000000000: a batch of more than`},
		{"batch interval past the drain", "name: x\ncells:\n  - engine: microbatch\n    workload: wordcount\n    batch_interval: 2m\n    drain_timeout: 1m\n", `s.yaml:5: cells[0].batch_interval: spark.streaming.batchDuration: 2m: the last batch would end after the drain timeout`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSuite("s.yaml", []byte(tc.yaml))
			if err == nil {
				err = s.CheckNames()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadSuite) {
				t.Errorf("error %v is not ErrBadSuite", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadSuite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	os.WriteFile(path, []byte("name: mine\ncells:\n  - engine: core\n    workload: wordcount\n    config_file: storm.yaml\n    engine_conf: {topology.workers: 3}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "storm.yaml"), []byte("topology.max.spout.pending: 5\ntopology.workers: 2\n"), 0o644)
	s, err := LoadSuite(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mine" || s.Cells[0].ConfigFile != filepath.Join(dir, "storm.yaml") {
		t.Errorf("suite %s, config file %s", s.Name, s.Cells[0].ConfigFile)
	}
	if c := s.Cells[0].EngineConf; c["topology.max.spout.pending"] != "5" || c["topology.workers"] != "3" {
		t.Errorf("engine settings %v: want the file's, with engine_conf over them", c)
	}
	os.WriteFile(filepath.Join(dir, "storm.yaml"), []byte("topology.wokers: 2\n"), 0o644)
	if _, err := LoadSuite(path); err == nil || !strings.Contains(err.Error(), "mine.yaml:5: cells[0].config_file:") || !strings.Contains(err.Error(), `"topology.wokers"`) {
		t.Errorf("a config file with a typo: %v", err)
	}
	for _, tc := range []struct{ arg, want string }{
		{"dek", `unknown suite "dek" (built in: broker, deck, faults, quick, scaling, soak; or give a path to a YAML file); did you mean "deck"?`},
		{filepath.Join(dir, "none.yaml"), "no such file"},
	} {
		_, err := LoadSuite(tc.arg)
		var usage *UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadSuite(%q) = %v, want a usage error with %q", tc.arg, err, tc.want)
		}
	}
}

func TestSuiteSelect(t *testing.T) {
	for _, tc := range []struct {
		name                string
		engines, wls, cells []string
		want                int
		err                 string
	}{
		{"all", nil, nil, nil, 18, ""},
		{"one engine", []string{"core"}, nil, nil, 7, ""},
		{"engine and workload", []string{"core", "baseline"}, []string{"wordcount"}, nil, 3, ""},
		{"cell", nil, nil, []string{"microbatch-1s/ads"}, 1, ""},
		{"typo", []string{"stormm"}, nil, nil, 0, `--engines stormm: suite deck has no such cell`},
		{"workload typo", nil, []string{"wordcont"}, nil, 0, `did you mean "wordcount"`},
		{"empty intersection", []string{"trident"}, []string{"ads"}, nil, 0, "no cell matches"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadSuite("deck")
			if err != nil {
				t.Fatal(err)
			}
			err = s.Select(tc.engines, tc.wls, tc.cells)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(s.Cells) != tc.want {
				t.Errorf("%d cells, %v; want %d", len(s.Cells), err, tc.want)
			}
		})
	}
}

// FuzzParseSuite: no input makes the parser panic or hang, and whatever it
// accepts is a suite a bench can run.
func FuzzParseSuite(f *testing.F) {
	for _, name := range BuiltinSuites() {
		data, _ := builtinSuites.ReadFile("suites/" + name + ".yaml")
		f.Add(data)
	}
	f.Add([]byte("name: x\ncells:\n  - {engine: core, workload: wordcount, loads: [0.5]}\n"))
	f.Add([]byte("name: x\ndefaults: {probe: 3s}\ncells:\n  - {engine: a, workloads: [b, c], params: {k: v}}\n"))
	f.Add([]byte("&a name: *a\n"))
	for _, s := range []string{
		"name: x\nrepeat: 3\ndefaults:\n  start: 10k\n  calibrate: 0s\n  partitions: 8\ncells:\n  - engine: microbatch\n    workloads: [grep, ads]\n    batch_interval: 500ms\n",
		"name: x\ncells:\n  - engine: trident\n    workload: wordcount\n    engine_conf: {trident.state: opaque, trident.batch.size: 100}\n",
		"name: x\ncells:\n  - engine: stormm\n    workload: wordcont\n    guarantee: twice\n",
		"name: x\ncells:\n  - engine: baseline\n    workload: wordcount\n    guarantee: exactly-once\n",
		"name: x\ndefaults:\n  start: 1e308M\ncells:\n  - engine: baseline\n    workload: wordcount\n",
		"name: x\ncells:\n  - engine: core\n    workload: wordcount\n    loads: [0.5, .inf, .nan]\n    seed: 18446744073709551616\n",
		"name: x\ncells:\n  - engine: core\n    workload: wordcount\n    config_file: /dev/zero\n",
		"name: x\ncells:\n  - engine: trident\n    workload: wordcount\n    batch_size: 1000000000000\n    partitions: 1024\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSuite("fuzz.yaml", data)
		if err == nil {
			err = s.CheckNames() // as LoadSuite does
		}
		if err != nil {
			if !errors.Is(err, ErrBadSuite) {
				t.Fatalf("error %v is not ErrBadSuite", err)
			}
			return
		}
		if s.Name == "" || len(s.Cells) == 0 || s.Repeat < 1 || s.Repeat > MaxRepeat {
			t.Fatalf("accepted a suite that cannot run: %+v", s)
		}
		for _, c := range s.Cells {
			if c.Engine == "" || c.Workload == "" || c.Probe <= c.Warmup || c.Precision <= 0 || c.MaxProbes < 2 ||
				c.Partitions < 1 || c.Partitions > MaxPartitions || c.Parallelism < 1 || c.Start < 0 || c.Start > MaxRate {
				t.Fatalf("accepted a cell that cannot run: %+v", c)
			}
		}
	})
}
