package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
)

// TestRunOnJetStream runs word count on every engine through a JetStream
// stream on the embedded server: each gives the oracle's answer at its
// guarantees, the result names the source and where it ran, and nothing
// is left behind (goroutines, the server's store directory).
func TestRunOnJetStream(t *testing.T) {
	// A temporary directory of the test's own, so that other tests'
	// servers (other packages run at the same time) are not counted.
	t.Setenv("TMPDIR", t.TempDir())
	stores := func() []string {
		m, _ := filepath.Glob(filepath.Join(os.TempDir(), "streambench-jetstream-*"))
		return m
	}
	before := len(stores())
	for _, tc := range []struct {
		engine    string
		guarantee engines.Guarantee
		store     string
		class     string
		conf      engines.Conf
	}{
		{"baseline", engines.AtMostOnce, "", "", nil},
		{"core", engines.AtLeastOnce, "", "", nil},
		{"core", engines.AtMostOnce, "memory", "", nil},
		{"core", engines.AtLeastOnce, "", "queue", nil},
		{"core", engines.AtMostOnce, "memory", "queue", nil},
		{"core", engines.AtMostOnce, "", "feed", nil},
		{"trident", engines.ExactlyOnce, "", "", nil},
		{"trident", engines.AtMostOnce, "memory", "", nil},
		{"trident", engines.AtMostOnce, "", "queue", nil},
		{"trident", engines.AtMostOnce, "memory", "feed", nil},
		{"trident", engines.ExactlyOnce, "memory", "", engines.Conf{"trident.state": "opaque"}},
		{"microbatch", engines.AtMostOnce, "memory", "", nil},
		{"microbatch", engines.AtLeastOnce, "", "", nil},
		{"microbatch", engines.ExactlyOnce, "memory", "", nil},
		{"microbatch", engines.AtLeastOnce, "", "queue", nil},
		{"microbatch", engines.AtMostOnce, "memory", "queue", nil},
		{"microbatch", engines.AtMostOnce, "", "feed", nil},
	} {
		t.Run(tc.engine+"/"+tc.guarantee.String()+"/"+tc.class+tc.conf["trident.state"], func(t *testing.T) {
			conf := map[string]engines.Conf{"microbatch": {"spark.streaming.batchDuration": "100ms"}}[tc.engine]
			if tc.conf != nil {
				conf = tc.conf
			}
			enginetest.NoGoroutinesLeft(t)
			m, err := Run(context.Background(), RunConfig{Engine: tc.engine, Workload: "wordcount", Seed: 3,
				Partitions: 2, Parallelism: 2, Guarantee: tc.guarantee, Rate: 20000, Records: 4000,
				DrainTimeout: 30 * time.Second, Source: SourceConfig{Name: "jetstream", NATSStore: tc.store, NATSClass: tc.class},
				Conf: conf})
			if err != nil {
				t.Fatal(err)
			}
			r := m.Result
			if v := r.Verification; !v.OK || v.Lost != 0 || v.Duplicated != 0 || v.Wrong != 0 || v.Expected == 0 {
				t.Errorf("verification %+v", v)
			}
			if r.Source != "jetstream" || !strings.HasPrefix(r.SourceSettings["url"].(string), "nats://127.0.0.1:") || r.Records != 4000 {
				t.Errorf("source %q, settings %v, records %d", r.Source, r.SourceSettings, r.Records)
			}
			if want := map[string]string{"": "file", "memory": "memory"}[tc.store]; r.SourceSettings["store"] != want {
				t.Errorf("store %v, want %s", r.SourceSettings["store"], want)
			}
			if want := cmp.Or(tc.class, "log"); r.SourceSettings["class"] != want {
				t.Errorf("class %v, want %s", r.SourceSettings["class"], want)
			}
			if tc.engine == "trident" && tc.class == "" && (!strings.HasPrefix(fmt.Sprint(r.SourceSettings["coordination"]), "key-value bucket streambench-trident-") ||
				r.EngineSettings["trident.transactional.state"] != "coordination store, under trident-wordcount") {
				t.Errorf("coordination %v, transactional state in %v: want the run's key-value bucket",
					r.SourceSettings["coordination"], r.EngineSettings["trident.transactional.state"])
			}
			if r.SendsDropped != 0 {
				t.Errorf("%d sends dropped at a rate every engine keeps up with", r.SendsDropped)
			}
		})
	}
	if after := len(stores()); after > before {
		t.Errorf("%d JetStream store directories left behind", after-before)
	}
}

// TestRunSourceRefuses: a source the harness lacks, JetStream settings
// without JetStream, and an unreachable server are usage errors before
// anything runs.
func TestRunSourceRefuses(t *testing.T) {
	for _, tc := range []struct {
		src  SourceConfig
		want string
	}{
		{SourceConfig{Name: "kafka"}, `unknown source "kafka"`},
		{SourceConfig{Name: "generator", NATSURL: "nats://127.0.0.1:4222"}, "apply to --source jetstream"},
		{SourceConfig{Name: "jetstream", NATSStore: "disk"}, `--nats-store "disk": want file or memory`},
		{SourceConfig{Name: "jetstream", NATSURL: "nats://127.0.0.1:1"}, "--nats-url: nats-server unreachable"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := Run(context.Background(), RunConfig{Engine: "baseline", Workload: "wordcount", Seed: 1, Partitions: 1,
				Parallelism: 1, Guarantee: engines.AtMostOnce, Records: 10, DrainTimeout: time.Second, Source: tc.src})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a usage error with %q", err, tc.want)
			}
		})
	}
}

// TestRunRefusesSourceKind: a kind of source an engine has no connector
// for, or a guarantee its connector cannot give, is refused before
// anything runs, with the reason and the way out.
func TestRunRefusesSourceKind(t *testing.T) {
	for _, tc := range []struct {
		engine    string
		guarantee engines.Guarantee
		class     string
		want      string
	}{
		{"trident", engines.ExactlyOnce, "queue", "trident over a queue gives at-most-once, not exactly-once; a queue cannot emit a batch again"},
		{"core", engines.AtLeastOnce, "feed", "a feed keeps nothing to replay"},
		{"microbatch", engines.ExactlyOnce, "queue", "for exactly-once read the replayable log"},
		{"microbatch", engines.AtLeastOnce, "feed", "microbatch over a feed gives at-most-once, not at-least-once"},
		{"baseline", engines.AtMostOnce, "queue", "baseline has no connector for a queue"},
	} {
		t.Run(tc.engine+"/"+tc.class, func(t *testing.T) {
			_, err := Run(context.Background(), RunConfig{Engine: tc.engine, Workload: "wordcount", Seed: 1, Partitions: 1,
				Parallelism: 1, Guarantee: tc.guarantee, Records: 10, DrainTimeout: time.Second,
				Source: SourceConfig{Name: "jetstream", NATSClass: tc.class}})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a usage error with %q", err, tc.want)
			}
		})
	}
}
