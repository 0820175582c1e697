package state_test

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// This file holds a miniature of what Trident does with one batch of a word
// count, enough to test the state level on its own: spout tasks emit the
// batch of a txid, each task splits and counts its words (the partial
// combine before the repartition), the partials go to the state partition
// that owns the word, and each partition applies them between BeginCommit
// and Commit. Then the spouts commit, the txid is recorded as committed, and
// the spouts are told of the success. A fault can stop an attempt at any of
// those points, and the batch is then replayed with the same txid.

var errFault = errors.New("injected fault")

// faultPoint is where an attempt stops.
type faultPoint int

const (
	noFault           faultPoint = iota
	afterEmit                    // tuples emitted, no state touched
	partialPartition             // some state partitions updated
	partialPut                   // one partition's put wrote only some keys
	beforeSpoutCommit            // every partition updated, spouts not committed
	beforeTxCommit               // spouts committed, txid not recorded
	numFaultPoints
)

type miniTopology struct {
	emitters []spout.Emitter
	states   []state.MapState
	backings []*flakyBacking
	meta     txstate.TransactionalState
	stats    map[faultPoint]int
	// forced makes the first attempt of a txid fail at the given point.
	forced map[int64]faultPoint
	// onFault, if set, sees every injected fault once its attempt stopped.
	onFault func(txid int64, f faultPoint)
}

// flakyBacking fails one MultiPut after writing only its first keys, like a
// store without transactions across keys.
type flakyBacking struct {
	state.IBackingMap
	failNext int // keys to write before failing; -1 = no fault armed
}

func (f *flakyBacking) MultiPut(keys [][]any, vals []any) error {
	if f.failNext >= 0 {
		n := min(f.failNext, len(keys))
		f.failNext = -1
		if err := f.IBackingMap.MultiPut(keys[:n], vals[:n]); err != nil {
			return err
		}
		return errFault
	}
	return f.IBackingMap.MultiPut(keys, vals)
}

func newMiniTopology(t testing.TB, sp spout.TridentSpout, tasks int, st state.Type, parts int, backing func(i int) state.IBackingMap, meta txstate.TransactionalState) *miniTopology {
	t.Helper()
	m := &miniTopology{meta: meta, stats: make(map[faultPoint]int)}
	for i := range tasks {
		e, err := sp.NewEmitter(spout.Context{SpoutID: "spout", TaskIndex: i, NumTasks: tasks, State: meta})
		if err != nil {
			t.Fatal(err)
		}
		m.emitters = append(m.emitters, e)
	}
	for i := range parts {
		fb := &flakyBacking{IBackingMap: backing(i), failNext: -1}
		ms, err := state.Wrap(st, fb)
		if err != nil {
			t.Fatal(err)
		}
		m.backings = append(m.backings, fb)
		m.states = append(m.states, ms)
	}
	return m
}

type sliceCollector struct{ vals []tuple.Values }

func (c *sliceCollector) Emit(v tuple.Values) { c.vals = append(c.vals, v) }
func (c *sliceCollector) ReportError(error)   {}

var partialSchema = tuple.MustSchema(tuple.NewFields("word", "count"))

func owner(word string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(word))
	return int(h.Sum32() % uint32(n))
}

// attempt runs one attempt of batch tx, stopping at fault. It returns
// whether every spout task reported the batch drained the source.
func (m *miniTopology) attempt(tx spout.TransactionAttempt, fault faultPoint, rng *rand.Rand) (drained bool, err error) {
	m.stats[fault]++
	perPart := make([][]tuple.Tuple, len(m.states))
	drained = true
	for _, e := range m.emitters {
		var c sliceCollector
		if err := e.EmitBatch(tx, &c); err != nil {
			return false, err
		}
		if d, ok := e.(spout.Drainer); !ok || !d.Drained(tx.Txid) {
			drained = false
		}
		// The task's partial aggregate: Count combined per word.
		partial := make(map[string]int64)
		var order []string
		for _, v := range c.vals {
			for _, w := range strings.Fields(v[0].(string)) {
				if _, ok := partial[w]; !ok {
					order = append(order, w)
				}
				partial[w]++
			}
		}
		for _, w := range order {
			p := owner(w, len(m.states))
			perPart[p] = append(perPart[p], tuple.New(partialSchema, tuple.Values{w, partial[w]}))
		}
	}
	if fault == afterEmit {
		return false, errFault
	}
	stopAfter := len(m.states)
	if fault == partialPartition {
		stopAfter = rng.IntN(len(m.states))
	}
	if fault == partialPut {
		p := rng.IntN(len(m.states))
		m.backings[p].failNext = rng.IntN(len(perPart[p]) + 1)
	}
	up := &state.MapCombinerAggStateUpdater{Agg: builtin.Count{}, KeyIdx: []int{0}, ValueIdx: 1}
	for p, s := range m.states {
		if p == stopAfter {
			return false, errFault
		}
		if err := s.BeginCommit(tx.Txid); err != nil {
			return false, err
		}
		var out sliceCollector
		if err := up.UpdateState(s, perPart[p], &out); err != nil {
			m.backings[p].failNext = -1
			return false, err
		}
		if err := s.Commit(tx.Txid); err != nil {
			return false, err
		}
	}
	if fault == beforeSpoutCommit {
		return false, errFault
	}
	for _, e := range m.emitters {
		if err := e.Commit(tx); err != nil {
			return false, err
		}
	}
	if fault == beforeTxCommit {
		return false, errFault
	}
	if err := m.meta.SetLastCommitted(tx.Txid); err != nil {
		return false, err
	}
	for _, e := range m.emitters {
		if err := e.Success(tx); err != nil {
			return false, err
		}
	}
	return drained, nil
}

// runAll runs batches from the last committed txid + 1 until the source is
// drained, replaying a failed txid until it succeeds. Each attempt fails
// with probability failRate at a random point; between attempts, between
// may publish more records.
func (m *miniTopology) runAll(t testing.TB, rng *rand.Rand, failRate float64, between func()) {
	t.Helper()
	last, err := m.meta.LastCommitted()
	if err != nil {
		t.Fatal(err)
	}
	for txid := last + 1; ; txid++ {
		for attempt := 0; ; attempt++ {
			if attempt > 50 {
				t.Fatalf("txid %d failed 50 times", txid)
			}
			fault := noFault
			if f, ok := m.forced[txid]; ok && attempt == 0 {
				fault = f
			} else if rng.Float64() < failRate {
				fault = faultPoint(1 + rng.IntN(int(numFaultPoints)-1))
			}
			drained, err := m.attempt(spout.TransactionAttempt{Txid: txid, Attempt: attempt}, fault, rng)
			if between != nil {
				between()
			}
			if errors.Is(err, errFault) {
				if m.onFault != nil {
					m.onFault(txid, fault)
				}
				continue
			}
			if err != nil {
				t.Fatalf("txid %d: %v", txid, err)
			}
			if drained {
				return
			}
			break
		}
	}
}

// counts reads every word's count from the states.
func (m *miniTopology) counts(t testing.TB, words []string) map[string]int64 {
	t.Helper()
	got := make(map[string]int64)
	for _, w := range words {
		vs, err := m.states[owner(w, len(m.states))].MultiGet([][]any{{w}})
		if err != nil {
			t.Fatal(err)
		}
		if vs[0] != nil {
			got[w] = vs[0].(int64)
		}
	}
	return got
}

var vocabulary = strings.Fields("the cat dog sat on mat and ran far away quick brown fox jumps over lazy")

// sentences publishes n seeded sentences over the source's partitions and
// returns the oracle's counts.
func sentences(src *enginetest.MemSource, rng *rand.Rand, n int, oracle map[string]int64) {
	for i := range n {
		k := 1 + rng.IntN(5)
		ws := make([]string, k)
		for j := range ws {
			ws[j] = vocabulary[rng.IntN(len(vocabulary))]
			oracle[ws[j]]++
		}
		src.Append(i%src.Partitions(), engines.Record{Value: strings.Join(ws, " ")})
	}
}

func diff(got, want map[string]int64) string {
	var b strings.Builder
	for _, w := range vocabulary {
		if got[w] != want[w] {
			fmt.Fprintf(&b, " %s=%d(want %d)", w, got[w], want[w])
		}
	}
	return b.String()
}

func total(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}
