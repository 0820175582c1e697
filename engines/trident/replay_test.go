package trident_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
)

var errInjected = errors.New("injected fault")

// faults decides, from one seeded generator shared by every task, where a
// run fails: a tuple of the batch phase (before any state is touched), or a
// state put in the commit phase that writes only some of its keys.
type faults struct {
	mu          sync.Mutex
	rng         *rand.Rand
	tupleRate   float64
	putRate     float64
	tupleFaults int
	putFaults   int
}

func (f *faults) hit(rate float64, n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rng.Float64() < rate {
		*n++
		return true
	}
	return false
}

// Accept panics now and then: the batch fails before its commit.
func (f *faults) Accept(tuple.Tuple) {
	if f.hit(f.tupleRate, &f.tupleFaults) {
		panic(errInjected)
	}
}

// flakyBacking writes only a prefix of a put now and then, then fails.
type flakyBacking struct {
	state.IBackingMap
	f *faults
}

func (b *flakyBacking) MultiPut(keys [][]any, vals []any) error {
	if len(keys) > 0 && b.f.hit(b.f.putRate, &b.f.putFaults) {
		n := b.f.rngIntN(len(keys))
		if err := b.IBackingMap.MultiPut(keys[:n], vals[:n]); err != nil {
			return err
		}
		return errInjected
	}
	return b.IBackingMap.MultiPut(keys, vals)
}

func (f *faults) rngIntN(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(n)
}

// TestExactlyOnceWithFailingBatches is the exactly-once property through
// the whole runtime: batches fail at random, in the batch phase and in the
// middle of a state's commit, and are replayed by the coordinator with the
// same txid. Transactional and opaque state end at the oracle's counts;
// non-transactional state over-counts, because a replayed commit adds again
// what the failed one had already written.
func TestExactlyOnceWithFailingBatches(t *testing.T) {
	tests := []struct {
		spout spout.Kind
		state state.Type
		exact bool
	}{
		{spout.Transactional, state.Transactional, true},
		{spout.Opaque, state.Opaque, true},
		{spout.Transactional, state.Opaque, true},
		{spout.Transactional, state.NonTransactional, false},
	}
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v-spout/%v-state", tc.spout, tc.state), func(t *testing.T) {
			over := 0
			for seed := range uint64(seeds) {
				rng := rand.New(rand.NewPCG(seed, 3))
				src := enginetest.NewMemSource(4)
				oracle := map[string]int64{}
				words := strings.Fields("the cat dog sat on mat and ran far away")
				for i := range 800 {
					s := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
					src.AppendValues(i%4, s)
					for _, w := range strings.Fields(s) {
						oracle[w]++
					}
				}
				src.CloseAll()
				f := &faults{rng: rand.New(rand.NewPCG(seed, 9)), tupleRate: 0.002, putRate: 0.15}
				backing := state.NewMemoryBackingMap()
				factory := &state.MapFactory{Type: tc.state, Backing: &flakyBacking{IBackingMap: backing, f: f}}
				conf := core.Config{core.TopologyMaxSpoutPending: 3, trident.TridentMaxBatchAttempts: 200}
				job := runTopology(t, conf, func() (*trident.TridentTopology, error) {
					sp, err := spout.NewSourceSpout(src, tc.spout, 40)
					if err != nil {
						return nil, err
					}
					topo := trident.NewTridentTopology()
					topo.NewStream("sentences", sp).ParallelismHint(2).
						Peek(f).
						Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
						GroupBy(tuple.NewFields("word")).
						PersistentAggregate(factory, nil, builtin.Count{}, tuple.NewFields("count")).ParallelismHint(3)
					return topo, nil
				})
				if f.tupleFaults == 0 || f.putFaults == 0 {
					t.Fatalf("seed %d: faults before commit %d, in commit %d: the test shows nothing", seed, f.tupleFaults, f.putFaults)
				}
				if m := job.Metrics().(trident.JobMetrics); m.BatchesFailed == 0 {
					t.Fatalf("seed %d: no batch failed", seed)
				}
				m, _ := state.Wrap(tc.state, backing)
				got := map[string]int64{}
				var gotTotal, wantTotal int64
				for _, w := range words {
					v, err := m.MultiGet([][]any{{w}})
					if err != nil {
						t.Fatal(err)
					}
					if v[0] != nil {
						got[w] = v[0].(int64)
					}
					gotTotal += got[w]
					wantTotal += oracle[w]
				}
				if tc.exact {
					for _, w := range words {
						if got[w] != oracle[w] {
							t.Errorf("seed %d: %s = %d, want %d", seed, w, got[w], oracle[w])
						}
					}
					continue
				}
				if gotTotal < wantTotal {
					t.Errorf("seed %d: non-transactional state lost counts: %d < %d", seed, gotTotal, wantTotal)
				}
				if gotTotal > wantTotal {
					over++
				}
			}
			if !tc.exact && over == 0 {
				t.Errorf("non-transactional state never over-counted in %d seeds", seeds)
			}
		})
	}
}

// commitLog is a State that records the txids it commits.
type commitLog struct {
	mu  *sync.Mutex
	log *[]int64
	cur int64
}

func (c *commitLog) BeginCommit(txid int64) error { c.cur = txid; return nil }
func (c *commitLog) Commit(txid int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.log = append(*c.log, txid)
	return nil
}

// TestCommitsInTxidOrder runs with several batches in flight and checks
// that every state partition commits txids in strictly increasing order,
// and that no partition commits txid n+1 before every partition that had
// tuples committed n.
func TestCommitsInTxidOrder(t *testing.T) {
	for _, inSpoutBolt := range []bool{false, true} {
		t.Run(fmt.Sprint("persist in the spout's bolt=", inSpoutBolt), func(t *testing.T) {
			testCommitsInTxidOrder(t, inSpoutBolt)
		})
	}
}

func testCommitsInTxidOrder(t *testing.T, inSpoutBolt bool) {
	var mu sync.Mutex
	var log []int64
	factory := state.FactoryFunc(func(map[string]any, int, int) (state.State, error) {
		return &commitLog{mu: &mu, log: &log}, nil
	})
	src := enginetest.NewMemSource(2)
	for i := range 2000 {
		src.AppendValues(i%2, fmt.Sprintf("w%d", i%50))
	}
	src.CloseAll()
	job := runTopology(t, core.Config{core.TopologyMaxSpoutPending: 5}, func() (*trident.TridentTopology, error) {
		sp, _ := spout.NewSourceSpout(src, spout.Transactional, 20)
		topo := trident.NewTridentTopology()
		s := topo.NewStream("s", sp).ParallelismHint(2)
		if !inSpoutBolt {
			s = s.PartitionBy(tuple.NewFields("value"))
		}
		s.PartitionPersist(factory, tuple.NewFields("value"), nopUpdater{}, nil).ParallelismHint(3)
		return topo, nil
	})
	m := job.Metrics().(trident.JobMetrics)
	if m.MaxInFlight < 2 {
		t.Errorf("at most %d batch in flight; the test needs several", m.MaxInFlight)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(log) == 0 {
		t.Fatal("no commits")
	}
	if !slices.IsSorted(log) {
		t.Errorf("commits out of txid order: %v", log)
	}
	if m.BatchesCommitted < 50 {
		t.Errorf("%d batches committed, want at least 50 (2000 records in batches of 20)", m.BatchesCommitted)
	}
}

type nopUpdater struct{}

func (nopUpdater) UpdateState(state.State, []tuple.Tuple, operation.TridentCollector) error {
	return nil
}
