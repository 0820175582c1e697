package trident_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
)

// stopAfter cancels a run once it has seen n tuples.
type stopAfter struct {
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (s *stopAfter) Accept(tuple.Tuple) {
	if s.seen.Add(1) == s.n {
		s.cancel()
	}
}

// TestRestartResumes stops a word count in the middle of its input and
// starts a new topology over the same durable state and metadata files: it
// resumes after the last committed txid, and the counts end exact.
func TestRestartResumes(t *testing.T) {
	for _, kind := range []struct {
		spout spout.Kind
		state state.Type
	}{{spout.Transactional, state.Transactional}, {spout.Opaque, state.Opaque}} {
		t.Run(kind.state.String(), func(t *testing.T) {
			dir := t.TempDir()
			src := enginetest.NewMemSource(2)
			oracle := map[string]int64{}
			for i := range 3000 {
				s := fmt.Sprintf("w%d w%d", i%7, i%11)
				src.AppendValues(i%2, s)
				for _, w := range strings.Fields(s) {
					oracle[w]++
				}
			}
			src.CloseAll()
			run := func(stop *stopAfter) (trident.JobMetrics, error) {
				meta, err := txstate.OpenBolt(filepath.Join(dir, "tx.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer meta.Close()
				db, err := state.OpenBoltDB(filepath.Join(dir, "state.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				counts, err := db.BackingMap("counts")
				if err != nil {
					t.Fatal(err)
				}
				factory := &state.MapFactory{Type: kind.state, Backing: counts, CacheSize: 100}
				job, err := trident.NewJob("wc", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, core.TopologyMaxSpoutPending: 2},
					func(src engines.Source, _ engines.Sink) (*trident.TridentTopology, error) {
						sp, err := spout.NewSourceSpout(src, kind.spout, 100)
						if err != nil {
							return nil, err
						}
						topo := trident.NewTridentTopology()
						s := topo.NewStream("sentences", sp)
						if stop != nil {
							s = s.Peek(stop)
						}
						s.Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
							GroupBy(tuple.NewFields("word")).
							PersistentAggregate(factory, nil, builtin.Count{}, tuple.NewFields("count"))
						return topo, nil
					}, trident.WithTransactionalState(meta))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if stop != nil {
					stop.cancel = cancel
				}
				err = job.Run(ctx, src, &enginetest.CollectSink{})
				m, _ := job.Metrics().(trident.JobMetrics)
				if err == nil {
					got := map[string]int64{}
					ms, _ := state.Wrap(kind.state, counts)
					for w, want := range oracle {
						v, err := ms.MultiGet([][]any{{w}})
						if err != nil {
							t.Fatal(err)
						}
						if v[0] != want {
							t.Errorf("%s = %v, want %d", w, v[0], want)
						}
						got[w] = want
					}
				}
				return m, err
			}
			first, err := run(&stopAfter{n: 1200})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v, want context.Canceled", err)
			}
			if first.BatchesCommitted == 0 {
				t.Fatal("the first run committed nothing; stop it later")
			}
			second, err := run(nil)
			if err != nil {
				t.Fatal(err)
			}
			// 3000 records in batches of 100: the second run did only what
			// the first had not committed.
			if total := first.BatchesCommitted + second.BatchesCommitted; second.BatchesCommitted >= 31 || total < 30 {
				t.Errorf("batches committed: %d then %d", first.BatchesCommitted, second.BatchesCommitted)
			}
		})
	}
}
