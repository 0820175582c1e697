package core_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
)

func noTopology(engines.Source, engines.Sink) (*core.StormTopology, error) {
	return core.NewTopologyBuilder().CreateTopology(), nil
}

// TestJobForRefuses: what core's Spec and JobFor refuse, each naming the
// problem and the way out.
func TestJobForRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts engines.Options
		want string
		key  string // the ConfError's key, when a setting is at fault
	}{
		{"exactly-once", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce}, "use --engine trident", ""},
		{"unknown key", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, Conf: engines.Conf{"topology.wokers": "2"}}, `did you mean "topology.workers"`, "topology.wokers"},
		{"ill-typed key", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, Conf: engines.Conf{core.TopologyMaxSpoutPending: "lots"}}, "is not an integer", core.TopologyMaxSpoutPending},
		{"out of range", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, Conf: engines.Conf{core.TopologyExecutorReceiveBufferSize: "1000"}}, "power of two", core.TopologyExecutorReceiveBufferSize},
		{"no ackers at at-least-once", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: engines.Conf{core.TopologyAckerExecutors: "0"}}, "at-least-once needs ackers", core.TopologyAckerExecutors},
		{"no parallelism", engines.Options{Parallelism: 0, Guarantee: engines.AtLeastOnce}, "parallelism", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.JobFor("refuse", tc.opts, noTopology)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var ce *engines.ConfError
			if tc.key != "" && (!errors.As(err, &ce) || ce.Key != tc.key) {
				t.Fatalf("error %v does not name the key %s", err, tc.key)
			}
			if tc.opts.Parallelism > 0 {
				if cerr := core.Spec.CheckOptions(tc.opts); cerr == nil || cerr.Error() != err.Error() {
					t.Fatalf("Spec.CheckOptions says %v, JobFor %v: the two must agree", cerr, err)
				}
			}
		})
	}
}

// TestJobForSettings: the settings reach the job, the guarantee's acking
// settings are set above them, and a storm.yaml file reads as settings.
func TestJobForSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "storm.yaml")
	if err := os.WriteFile(path, []byte("topology.max.spout.pending: 77\ntopology.workers: 2\ntopology.tick.tuple.freq.secs: null\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf, err := core.Spec.ReadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	job, err := core.JobFor("settings", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce, Conf: conf}, noTopology)
	if err != nil {
		t.Fatal(err)
	}
	if s := job.Settings(); s[core.TopologyMaxSpoutPending] != 77 || s[core.TopologyWorkers] != 2 {
		t.Fatalf("settings %v ignore the file", s)
	}
	job, err = core.JobFor("settings", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce}, noTopology)
	if err != nil {
		t.Fatal(err)
	}
	if s := job.Settings(); s[core.TopologyMaxSpoutPending] != core.DefaultMaxSpoutPending {
		t.Fatalf("at-least-once runs with %v spout pending, want %d", s[core.TopologyMaxSpoutPending], core.DefaultMaxSpoutPending)
	}
	job, err = core.JobFor("settings", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce}, noTopology)
	if err != nil {
		t.Fatal(err)
	}
	if s := job.Settings(); s[core.TopologyAckerExecutors] != 0 {
		t.Fatalf("at-most-once runs %v ackers, want 0", s[core.TopologyAckerExecutors])
	}
	if _, err := core.Spec.ReadConfigFile(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("a missing file: %v", err)
	}
}

// FuzzParseConf: any settings text is parsed or refused naming a key, and
// what is accepted passes the Config's own validation.
func FuzzParseConf(f *testing.F) {
	f.Add(core.TopologyMaxSpoutPending, "100")
	f.Add(core.TopologyStatsSampleRate, "0.5")
	f.Add(core.TopologyDebug, "true")
	f.Add(core.TopologyTickTupleFreqSecs, "null")
	f.Add("topology.wokers", "x")
	f.Fuzz(func(t *testing.T, key, value string) {
		c, err := core.ParseConf(engines.Conf{key: value})
		if err != nil {
			var ce *engines.ConfError
			if !errors.As(err, &ce) || ce.Key != key {
				t.Fatalf("error %v does not name the key %q", err, key)
			}
			return
		}
		if err := c.Validate("fuzz"); err != nil {
			t.Fatalf("ParseConf accepted %q=%q, which Validate refuses: %v", key, value, err)
		}
	})
}
