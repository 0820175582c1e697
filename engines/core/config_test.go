package core

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "storm.yaml")
	yaml := "topology.workers: 3\ntopology.max.spout.pending: 100\ntopology.debug: true\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := ReadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	topo := Config{}
	topo.SetMaxSpoutPending(200)
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 1, Log: newSpoutLog()}, 1).SetMaxSpoutPending(300)
	b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("s")
	p, err := buildPlan("t", file, topo, b.CreateTopology(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		got  any
		want any
	}{
		{"default under everything", p.conf[TopologyMessageTimeoutSecs], 30},
		{"file over default", p.conf[TopologyWorkers], 3},
		{"file over default (bool)", p.conf[TopologyDebug], true},
		{"topology over file", p.conf[TopologyMaxSpoutPending], 200},
		{"component over topology", p.byID["s"].conf[TopologyMaxSpoutPending], 300},
		{"component inherits topology", p.byID["b"].conf[TopologyMaxSpoutPending], 200},
		{"null default", p.conf[TopologyTickTupleFreqSecs], nil},
		{"name set by submit", p.conf[TopologyName], "t"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v (%T), want %v", tc.what, tc.got, tc.got, tc.want)
		}
	}
	if p.byID["s"].maxPending != 300 {
		t.Errorf("spout max pending %d, want 300", p.byID["s"].maxPending)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf Config
		want string
	}{
		{"unknown key with a suggestion", Config{"topology.worker": 2}, `config key "topology.worker" (in topology config): unknown key (did you mean "topology.workers"?)`},
		{"typo of a key with no effect", Config{"topology.worker.childopt": "-Xmx1g"}, `did you mean "topology.worker.childopts"?`},
		{"typo two edits away", Config{"topology.max.spout.pendng": 5}, `did you mean "topology.max.spout.pending"?`},
		{"string for int", Config{TopologyWorkers: "two"}, `"topology.workers" (in topology config): value "two" is not an integer`},
		{"fraction for int", Config{TopologyMessageTimeoutSecs: 1.5}, "is not an integer"},
		{"below range", Config{TopologyWorkers: 0}, "is not in [1, 65536]"},
		{"not a power of two", Config{TopologyExecutorReceiveBufferSize: 1000}, "is not a power of two"},
		{"int for bool", Config{TopologyDebug: 1}, "is not a boolean"},
		{"null not allowed", Config{TopologyWorkers: nil}, "must not be null"},
		{"rate out of range", Config{TopologyStatsSampleRate: 2.0}, "is not in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mergeConfigs(namedConfig{"topology config", tc.conf})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v is not a *ConfigError wrapping ErrInvalidConfig", err)
			}
		})
	}
	// Values a YAML or JSON decoder produces are accepted.
	if _, err := mergeConfigs(namedConfig{"x", Config{TopologyWorkers: float64(2), TopologyAckerExecutors: int64(0), TopologyMaxSpoutPending: nil}}); err != nil {
		t.Fatal(err)
	}
}

// TestConfigPassThrough: as in Storm, a key of the user's own and a Storm
// key this package does not implement reach components' Prepare as given;
// implemented keys are still typed.
func TestConfigPassThrough(t *testing.T) {
	got, err := mergeConfigs(namedConfig{"storm.yaml", Config{
		"myapp.threshold":           7,
		"topology.worker.childopts": "-Xmx2g",
		"nimbus.seeds":              []string{"a"},
		"topology.myapp.flag":       true, // far from every Storm key: the user's own
		TopologyWorkers:             float64(2),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got["myapp.threshold"] != 7 || got["topology.worker.childopts"] != "-Xmx2g" || got["topology.myapp.flag"] != true || got[TopologyWorkers] != 2 {
		t.Errorf("merged %v", got)
	}
	for k, want := range map[string]keyClass{
		TopologyWorkers:             keyImplemented,
		"topology.worker.childopts": keyNoEffect,
		"topology.workerz":          keyTypo,
		"drpc.http.prt":             keyTypo,
		"myapp.workers":             keyOwn, // another namespace: never a typo
		"topology.myapp.flag":       keyOwn,
	} {
		if c, _ := classify(k); c != want {
			t.Errorf("classify(%q) = %v, want %v", k, c, want)
		}
	}
}

// TestConfNoEffect: through the harness a Storm key this package does not
// implement is accepted, listed and recorded as having no effect; a key
// of the user's own does nothing there and is refused; a typo gets the
// key it is close to.
func TestConfNoEffect(t *testing.T) {
	job, err := JobFor("t", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce,
		Conf: engines.Conf{"topology.worker.childopts": "-Xmx2g", TopologyWorkers: "2"}},
		func(engines.Source, engines.Sink) (*StormTopology, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	s := job.Settings()
	if got := s["topology.worker.childopts"]; got != "-Xmx2g (accepted, no effect here)" {
		t.Errorf("settings record %q for a key with no effect", got)
	}
	if s[TopologyWorkers] != 2 {
		t.Errorf("topology.workers recorded as %v (%T)", s[TopologyWorkers], s[TopologyWorkers])
	}
	listed := false
	for _, k := range Spec.Keys {
		if k.Name == "topology.worker.childopts" {
			listed = strings.HasPrefix(k.Doc, NoEffectNote)
		}
	}
	if !listed {
		t.Error("topology.worker.childopts is not listed as accepted with no effect")
	}
	for conf, want := range map[string]string{
		"topology.workerz": `did you mean "topology.workers"?`,
		"myapp.threshold":  "no streambench workload reads one",
	} {
		_, err := ParseConf(engines.Conf{conf: "1"})
		var ce *engines.ConfError
		if !errors.As(err, &ce) || ce.Key != conf || !errors.Is(err, engines.ErrUnknownKey) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a ConfError saying %q", conf, err, want)
		}
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty", "", ""},
		{"comments only", "# nothing\n", ""},
		{"valid", "topology.workers: 2\ntopology.acker.executors: null\n", ""},
		{"not a mapping", "- a\n- b\n", "not a YAML mapping"},
		{"bad yaml", "topology.workers: [\n", "not a YAML mapping"},
		{"unknown key names the file", "topology.wrkers: 2\n", `"topology.wrkers" (in storm.yaml)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), "storm.yaml")
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ReadConfigFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

// FuzzParseConfig checks that no input makes the config parser panic, and
// that what it accepts is a valid configuration.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"", "topology.workers: 2\n", "topology.debug: yes\n", "topology.max.spout.pending: 1e3\n",
		"a: {b: c}\n", "topology.workers: -1\n", "topology.executor.receive.buffer.size: 1024\n",
		"topology.stats.sample.rate: 0.5\n", "? [a]\n: b\n", "topology.workers: 9999999999999999999999\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "fuzz.yaml")
		if err != nil {
			return
		}
		if _, err := mergeConfigs(namedConfig{"fuzz.yaml", c}); err != nil {
			t.Fatalf("accepted config fails to merge: %v", err)
		}
	})
}
