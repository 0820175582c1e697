package trident_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

func TestDRPCWithoutTopology(t *testing.T) {
	d := trident.NewLocalDRPC()
	d.Timeout = 20 * time.Millisecond
	if _, err := d.Execute("nobody", "x"); !errors.Is(err, trident.ErrDRPCTimeout) {
		t.Errorf("Execute with no topology = %v, want ErrDRPCTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d.Timeout = time.Hour
	if _, err := d.ExecuteContext(ctx, "nobody", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("ExecuteContext with a done context = %v", err)
	}
	d.Shutdown()
	if _, err := d.Execute("nobody", "x"); !errors.Is(err, trident.ErrDRPCShutdown) {
		t.Errorf("Execute after Shutdown = %v, want ErrDRPCShutdown", err)
	}
}

// TestDRPCConcurrentRequests serves several clients at once: each request
// is its own batch, and each gets its own answer.
func TestDRPCConcurrentRequests(t *testing.T) {
	d := trident.NewLocalDRPC()
	topo := trident.NewTridentTopology()
	topo.NewDRPCStream("reverse", d).
		Map(operation.MapFunc(func(t tuple.Tuple) tuple.Values {
			r := []rune(t.GetString(0))
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return tuple.Values{string(r)}
		}), tuple.NewFields("reversed"))
	storm, conf, err := topo.BuildConfig(core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 1, core.TopologyMaxSpoutPending: 4})
	if err != nil {
		t.Fatal(err)
	}
	cluster := core.NewLocalCluster()
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology("drpc", conf, storm); err != nil {
		t.Fatal(err)
	}
	words := []string{"trident", "storm", "spout", "bolt", "acker", "batch"}
	var wg sync.WaitGroup
	for _, w := range words {
		wg.Go(func() {
			got, err := d.Execute("reverse", w)
			r := []rune(w)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			if want := `[["` + string(r) + `"]]`; err != nil || got != want {
				t.Errorf("reverse(%q) = %q, %v; want %q", w, got, err, want)
			}
		})
	}
	wg.Wait()
}

// TestStaticState queries a state no stream writes, through DRPC.
func TestStaticState(t *testing.T) {
	capitals := state.NewMemoryMapStateFactory(state.NonTransactional)
	capitals.Backing.MultiPut([][]any{{"NO"}, {"IT"}}, []any{"Oslo", "Rome"})
	d := trident.NewLocalDRPC()
	topo := trident.NewTridentTopology()
	table := topo.NewStaticState(capitals)
	topo.NewDRPCStream("capital", d).
		StateQuery(table, tuple.NewFields("args"), builtin.MapGet{}, tuple.NewFields("city")).
		Project(tuple.NewFields("city"))
	storm, conf, err := topo.BuildConfig(core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 1})
	if err != nil {
		t.Fatal(err)
	}
	cluster := core.NewLocalCluster()
	defer cluster.Shutdown()
	if err := cluster.SubmitTopology("static", conf, storm); err != nil {
		t.Fatal(err)
	}
	for country, want := range map[string]string{"IT": `[["Rome"]]`, "PE": `[[null]]`} {
		if got, err := d.Execute("capital", country); err != nil || got != want {
			t.Errorf("capital(%s) = %q, %v; want %q", country, got, err, want)
		}
	}
}
