package trident_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/spout"
)

func plainTopology(pl trident.Plan) (*trident.TridentTopology, error) {
	topo := trident.NewTridentTopology()
	topo.NewStream("records", pl.Spout).
		PartitionPersist(pl.SinkState(), spout.SourceFields, trident.WriteOutputs{}, nil)
	return topo, nil
}

// TestJobForRefuses: what Trident's Spec and JobFor refuse, each naming the
// problem and the way out.
func TestJobForRefuses(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("topology.wokers: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts engines.Options
		want string
		key  string
	}{
		{"at-least-once", engines.Options{Parallelism: 1, Guarantee: engines.AtLeastOnce}, "use --engine core", ""},
		{"unknown state", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentStateKind: "snapshot"}}, `"snapshot"`, trident.TridentStateKind},
		{"state at at-most-once", engines.Options{Parallelism: 1, Guarantee: engines.AtMostOnce, Conf: engines.Conf{trident.TridentStateKind: "opaque"}}, "applies to exactly-once", trident.TridentStateKind},
		{"negative batch", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TridentSpoutBatchSize: "-5"}}, "batch size", trident.TridentSpoutBatchSize},
		{"unknown key", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{"trident.batch.sise": "5"}}, `did you mean "trident.batch.size"`, "trident.batch.sise"},
		{"bad emit interval", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{trident.TopologyTridentBatchEmitIntervalMillis: "soon"}}, "not an integer", trident.TopologyTridentBatchEmitIntervalMillis},
		{"no ackers", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{core.TopologyAckerExecutors: "0"}}, "Trident needs it", ""},
		{"no parallelism", engines.Options{Parallelism: 0, Guarantee: engines.ExactlyOnce}, "parallelism", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trident.JobFor("refuse", tc.opts, plainTopology)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var ce *engines.ConfError
			if tc.key != "" && (!errors.As(err, &ce) || ce.Key != tc.key) {
				t.Fatalf("error %v does not name the key %s", err, tc.key)
			}
		})
	}
	if _, err := trident.Spec.ReadConfigFile(typo); err == nil || !strings.Contains(err.Error(), `"topology.wokers"`) {
		t.Errorf("a file with a typo: %v", err)
	}
	if _, err := trident.Spec.ReadConfigFile(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("a missing file: %v", err)
	}
}

// TestJobForSettings: the batch size, the state and Storm's keys reach the
// job and its recorded settings.
func TestJobForSettings(t *testing.T) {
	job, err := trident.JobFor("settings", engines.Options{Parallelism: 1, Guarantee: engines.ExactlyOnce, Conf: engines.Conf{
		trident.TridentSpoutBatchSize: "77", trident.TridentStateKind: "opaque", core.TopologyMaxSpoutPending: "3"}}, plainTopology)
	if err != nil {
		t.Fatal(err)
	}
	s := job.Settings()
	if s[trident.TridentSpoutBatchSize] != 77 || s[trident.TridentStateKind] != "opaque" || s[core.TopologyMaxSpoutPending] != 3 {
		t.Fatalf("settings %v ignore the options", s)
	}
	if s[trident.TopologyTridentBatchEmitIntervalMillis] != int64(trident.DefaultEmitIntervalMillis) {
		t.Fatalf("emit interval %v, want the harness default %d", s[trident.TopologyTridentBatchEmitIntervalMillis], trident.DefaultEmitIntervalMillis)
	}
}
