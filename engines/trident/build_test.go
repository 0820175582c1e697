package trident_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// TestBuildRefuses lists mistakes Build must refuse, each with the words
// its error must contain to name the problem.
func TestBuildRefuses(t *testing.T) {
	f := tuple.NewFields
	src := enginetest.NewMemSource(1)
	opaque, _ := spout.NewSourceSpout(src, spout.Opaque, 10)
	transactional, _ := spout.NewSourceSpout(src, spout.Transactional, 10)
	tests := []struct {
		name  string
		build func(topo *trident.TridentTopology)
		want  string
	}{
		{"aggregation over an undeclared field", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).Aggregate(f("wrd"), builtin.Sum{}, f("sum"))
		}, `field "wrd" is not declared`},
		{"group by an undeclared field", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).GroupBy(f("word")).PersistentAggregate(state.NewMemoryMapStateFactory(state.Opaque), nil, builtin.Count{}, f("n"))
		}, `field "word" is not declared`},
		{"persistent aggregate over an undeclared field", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).GroupBy(f("value")).PersistentAggregate(state.NewMemoryMapStateFactory(state.Opaque), f("nope"), builtin.Sum{}, f("n"))
		}, `field "nope" is not declared`},
		{"each over an undeclared field", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).Each(f("sentence"), split, f("word"))
		}, `field "sentence" is not declared`},
		{"join without the join fields", func(topo *trident.TridentTopology) {
			a := topo.NewStream("a", transactional)
			b := topo.NewStream("b", opaque)
			topo.Join(a, f("value"), b, f("key"), f("value", "r1", "r2"))
		}, `stream 2 has no join field "key"`},
		{"join with the wrong output fields", func(topo *trident.TridentTopology) {
			a := topo.NewStream("a", transactional)
			b := topo.NewStream("b", opaque)
			topo.Join(a, f("value"), b, f("value"), f("v", "r"))
		}, "output fields [v, r]: want 3 names"},
		{"transactional state fed by an opaque spout", func(topo *trident.TridentTopology) {
			topo.NewStream("s", opaque).Each(f("value"), split, f("word")).
				GroupBy(f("word")).PersistentAggregate(state.NewMemoryMapStateFactory(state.Transactional), nil, builtin.Count{}, f("n"))
		}, `transactional state fed by opaque spout "s" cannot be exactly-once`},
		{"output field already declared", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).Each(f("value"), split, f("value"))
		}, `duplicate field "value"`},
		{"a combiner with two output fields", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).Aggregate(nil, builtin.Count{}, f("a", "b"))
		}, "takes one output field"},
		{"not an aggregator", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).Aggregate(nil, "count", f("n"))
		}, "is not an Aggregator"},
		{"a spout name used twice", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional)
			topo.NewStream("s", opaque)
		}, `spout "s" used twice`},
		{"merge of streams with other field counts", func(topo *trident.TridentTopology) {
			topo.Merge(topo.NewStream("a", transactional), topo.NewStream("b", opaque).Project(f("value")))
		}, "has 1 fields"},
		{"no streams", func(*trident.TridentTopology) {}, "no streams"},
		{"a bad parallelism hint", func(topo *trident.TridentTopology) {
			topo.NewStream("s", transactional).ParallelismHint(0)
		}, "must be at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topo := trident.NewTridentTopology()
			tc.build(topo)
			_, err := topo.Build()
			if !errors.Is(err, trident.ErrInvalidTopology) {
				t.Fatalf("Build error = %v, want ErrInvalidTopology", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestConfigRefuses(t *testing.T) {
	tests := []struct {
		conf core.Config
		want string
	}{
		{core.Config{trident.TopologyTridentBatchEmitIntervalMillis: -1}, trident.TopologyTridentBatchEmitIntervalMillis},
		{core.Config{trident.TopologyTridentBatchEmitIntervalMillis: "fast"}, trident.TopologyTridentBatchEmitIntervalMillis},
		{core.Config{core.TopologyMaxSpoutPending: 0}, core.TopologyMaxSpoutPending},
		{core.Config{core.TopologyAckerExecutors: 0}, "Trident needs it"},
		{core.Config{trident.TridentMaxBatchAttempts: 0}, trident.TridentMaxBatchAttempts},
	}
	for _, tc := range tests {
		_, _, err := trident.NewTridentTopology().BuildConfig(tc.conf)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("BuildConfig(%v) = %v, want an error naming %q", tc.conf, err, tc.want)
		}
	}
}
