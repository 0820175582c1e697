package trident_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/windowing"
)

// TestWindowReplays fails batches at random, before the window (the batch
// has not reached it) and after it (the window fired, then the batch
// failed), and checks that every window reaches the transactional sink
// exactly once: a replayed batch the window has seen emits again what it
// fired, and adds nothing. Before the window, one batch is in flight: with
// more, the batches after a failed one would reach the window before its
// replay, and count windows over them would differ, as in Storm.
func TestWindowReplays(t *testing.T) {
	const records, window = 300, 10
	want := map[string]bool{}
	for start := int64(1); start+window-1 <= records; start += window {
		want[strconv.FormatInt(window*start+window*(window-1)/2, 10)] = true
	}
	parse := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
		n, _ := strconv.ParseInt(t.GetString(0), 10, 64)
		c.Emit(tuple.Values{n})
	})
	toOutput := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
		c.Emit(tuple.Values{engines.Output{Key: strconv.FormatInt(t.GetLong(0), 10), Value: 1}})
	})
	for _, tc := range []struct {
		name          string
		pending       int
		before, after float64
	}{
		{"faults before the window", 1, 0.01, 0},
		{"faults after the window", 3, 0, 0.15},
	} {
		for _, store := range []struct {
			name    string
			factory windowing.WindowsStoreFactory
		}{{"in memory", nil}, {"coordination store", &windowing.KVWindowsStoreFactory{KV: enginetest.NewMemKV(), Prefix: "w/"}}} {
			t.Run(tc.name+" "+store.name, func(t *testing.T) {
				src := enginetest.NewMemSource(1)
				for i := range records {
					src.AppendValues(0, strconv.Itoa(i+1))
				}
				src.CloseAll()
				before := &faults{rng: rand.New(rand.NewPCG(1, 2)), tupleRate: tc.before}
				after := &faults{rng: rand.New(rand.NewPCG(3, 4)), tupleRate: tc.after}
				sink := &enginetest.CollectSink{}
				conf := core.Config{core.TopologyMaxSpoutPending: tc.pending, trident.TridentMaxBatchAttempts: 100}
				job := runTopology(t, conf, func() (*trident.TridentTopology, error) {
					sp, err := spout.NewSourceSpout(src, spout.Transactional, 7)
					if err != nil {
						return nil, err
					}
					topo := trident.NewTridentTopology()
					topo.NewStream("numbers", sp).
						Each(tuple.NewFields("value"), parse, tuple.NewFields("n")).
						Peek(before).
						TumblingWindow(window, store.factory, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum")).
						Peek(after).
						Each(tuple.NewFields("sum"), toOutput, trident.OutFields).
						PartitionPersist(&trident.SinkStateFactory{Sink: sink, Type: state.Transactional}, trident.OutFields, trident.WriteOutputs{}, nil)
					return topo, nil
				})
				if before.tupleFaults+after.tupleFaults == 0 || job.Metrics().(trident.JobMetrics).BatchesFailed == 0 {
					t.Fatal("no batch failed; the test shows nothing")
				}
				got := map[string]int{}
				for _, o := range sink.Outputs() {
					got[o.Key]++
				}
				for k, n := range got {
					if !want[k] || n != 1 {
						t.Errorf("window sum %s written %d times", k, n)
					}
				}
				if len(got) != len(want) {
					t.Errorf("%d windows written, want %d: %v", len(got), len(want), fmt.Sprint(got))
				}
			})
		}
	}
}
