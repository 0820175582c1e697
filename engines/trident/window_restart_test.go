package trident_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/operation"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/state"
	"github.com/streambench/streambench/engines/trident/tuple"
	"github.com/streambench/streambench/engines/trident/txstate"
	"github.com/streambench/streambench/engines/trident/windowing"
)

// windowSpan is an Aggregator emitting a window's [first n, last n, count,
// sum], in arrival order: one row names one window.
type windowSpan struct{}

type span struct{ first, last, count, sum int64 }

func (windowSpan) Init(any, operation.TridentCollector) any { return &span{first: -1} }
func (windowSpan) Aggregate(st any, t tuple.Tuple, _ operation.TridentCollector) any {
	s := st.(*span)
	n := t.GetLong(0)
	if s.first < 0 {
		s.first = n
	}
	s.last, s.count, s.sum = n, s.count+1, s.sum+n
	return s
}
func (windowSpan) Complete(st any, c operation.TridentCollector) {
	s := st.(*span)
	c.Emit(tuple.Values{s.first, s.last, s.count, s.sum})
}

// arrive sets the clock to n seconds as tuple n goes by, unless it is
// past that (a replayed tuple).
type arrive struct{ c *core.ManualClock }

func (a arrive) Accept(t tuple.Tuple) {
	if d := time.Unix(t.GetLongByField("n"), 0).Sub(a.c.Now()); d > 0 {
		a.c.Advance(d)
	}
}

// windowStores are the durable stores a restart test runs over: each
// gives the topology's metadata and its window store, over state kept in
// dir (or kv) between runs.
var windowStores = []struct {
	name string
	open func(t *testing.T, dir string, kv *enginetest.MemKV) (txstate.TransactionalState, windowing.WindowsStoreFactory, func())
}{
	{"bbolt", func(t *testing.T, dir string, _ *enginetest.MemKV) (txstate.TransactionalState, windowing.WindowsStoreFactory, func()) {
		meta, err := txstate.OpenBolt(filepath.Join(dir, "tx.db"))
		if err != nil {
			t.Fatal(err)
		}
		db, err := state.OpenBoltDB(filepath.Join(dir, "windows.db"))
		if err != nil {
			t.Fatal(err)
		}
		return meta, windowing.NewBoltWindowsStoreFactory(db.DB(), "windows"), func() { db.Close(); meta.Close() }
	}},
	{"coordination store", func(t *testing.T, _ string, kv *enginetest.MemKV) (txstate.TransactionalState, windowing.WindowsStoreFactory, func()) {
		meta, err := txstate.OpenStore(context.Background(), kv, "run1")
		if err != nil {
			t.Fatal(err)
		}
		return meta, &windowing.KVWindowsStoreFactory{KV: kv, Prefix: "run1/windows/"}, func() {}
	}},
}

// TestWindowRestart stops a windowed topology in the middle of its input,
// and so of a window, and starts it again over the same metadata and window
// store: it emits the windows an uninterrupted run emits. A restart over an
// empty window store does not, so the store is what carries the windows.
func TestWindowRestart(t *testing.T) {
	const records = 400
	// Times run one second apart, each shuffled by up to 4 s; the lag of
	// 5 s lets every tuple in.
	windows := []struct {
		name string
		cfg  trident.WindowConfig
	}{
		{"sliding count", trident.SlidingCountWindow(25, 10)},
		{"sliding event time", trident.SlidingDurationWindow(20*time.Second, 5*time.Second).WithTimestampField("ts").WithLag(5 * time.Second)},
		// Tuple n reaches the window at n seconds of the topology's clock.
		{"sliding processing time", trident.SlidingDurationWindow(20*time.Second, 5*time.Second)},
	}
	parse := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
		n, _ := strconv.ParseInt(t.GetString(0), 10, 64)
		c.Emit(tuple.Values{n, (n + (n*7)%5) * 1000})
	})
	toOutput := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
		c.Emit(tuple.Values{engines.Output{Key: fmt.Sprint([]any(t.Values())), Value: 1}})
	})
	for _, w := range windows {
		for _, st := range windowStores {
			t.Run(w.name+" over "+st.name, func(t *testing.T) {
				// The source is read from the offsets in the metadata, so
				// every scenario reads it from the start.
				src := enginetest.NewMemSource(1)
				for i := range records {
					src.AppendValues(0, strconv.Itoa(i+1))
				}
				src.CloseAll()
				// run runs the topology over dir and kv until stop cancels it
				// or the source drains, and returns the window rows it wrote.
				run := func(dir string, kv *enginetest.MemKV, clock *core.ManualClock, windowStore func(windowing.WindowsStoreFactory) windowing.WindowsStoreFactory, stop *stopAfter) (map[string]int, trident.JobMetrics, error) {
					meta, factory, closeAll := st.open(t, dir, kv)
					defer closeAll()
					if windowStore != nil {
						factory = windowStore(factory)
					}
					// The clock drives the message timeouts too: a long one
					// keeps the 400 s the tuples span from expiring a batch.
					conf := core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, core.TopologyMessageTimeoutSecs: 3600}
					job, err := trident.NewJob("windows", conf,
						func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
							sp, err := spout.NewSourceSpout(src, spout.Transactional, 7)
							if err != nil {
								return nil, err
							}
							topo := trident.NewTridentTopology()
							// Both runs build the same topology: the window's
							// records are keyed by its place in it.
							topo.NewStream("numbers", sp).Each(tuple.NewFields("value"), parse, tuple.NewFields("n", "ts")).
								Peek(stop).
								Peek(arrive{clock}).
								Window(w.cfg, factory, tuple.NewFields("n"), windowSpan{}, tuple.NewFields("first", "last", "count", "sum")).
								Each(nil, toOutput, trident.OutFields).
								PartitionPersist(&trident.SinkStateFactory{Sink: sink, Type: state.Transactional}, trident.OutFields, trident.WriteOutputs{}, nil)
							return topo, nil
						}, trident.WithTransactionalState(meta), trident.WithClock(clock))
					if err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					if stop == nil {
						stop = &stopAfter{} // never
					}
					stop.cancel = cancel
					sink := &enginetest.CollectSink{}
					err = job.Run(ctx, src, sink)
					rows := map[string]int{}
					for _, o := range sink.Outputs() {
						rows[o.Key]++
					}
					m, _ := job.Metrics().(trident.JobMetrics)
					return rows, m, err
				}
				whole, _, err := run(t.TempDir(), enginetest.NewMemKV(), core.NewManualClock(time.Unix(0, 0)), nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				for row, n := range whole {
					if n != 1 {
						t.Errorf("uninterrupted run: window %s emitted %d times", row, n)
					}
				}
				if len(whole) < 20 {
					t.Fatalf("uninterrupted run emitted %d windows; the test needs more", len(whole))
				}

				restart := func(windowStore func(windowing.WindowsStoreFactory) windowing.WindowsStoreFactory) (map[string]int, bool) {
					dir, kv := t.TempDir(), enginetest.NewMemKV()
					// Each run's clock starts again: a tuple that the first
					// run's window never took reaches the second's at its time.
					first, m, err := run(dir, kv, core.NewManualClock(time.Unix(0, 0)), windowStore, &stopAfter{n: 150})
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("first run: %v, want context.Canceled", err)
					}
					if m.BatchesCommitted == 0 || len(first) == 0 {
						t.Fatalf("the first run committed %d batches, %d windows; stop it later", m.BatchesCommitted, len(first))
					}
					second, _, err := run(dir, kv, core.NewManualClock(time.Unix(0, 0)), windowStore, nil)
					if err != nil {
						t.Fatal(err)
					}
					for row, n := range second {
						first[row] += n
					}
					return first, equalKeys(first, whole)
				}
				got, same := restart(nil)
				if !same {
					t.Errorf("stopped and restarted, the windows differ from an uninterrupted run's:\n%s", diffKeys(got, whole))
				}
				// The control: the same restart with the windows in memory
				// loses the windows the stop cut.
				if _, same := restart(func(windowing.WindowsStoreFactory) windowing.WindowsStoreFactory {
					return windowing.InMemoryWindowsStoreFactory{}
				}); same {
					t.Error("a restart with the windows in memory emitted the same windows; the test does not see the store")
				}
			})
		}
	}
}

func equalKeys(a, b map[string]int) bool {
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return len(a) == len(b)
}

func diffKeys(got, want map[string]int) string {
	var missing, extra []string
	for k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return fmt.Sprintf("missing %v\nextra %v", missing, extra)
}

// TestWindowStoreForgets: a window keeps records only for the batches its
// windows or a replay may still need, so its store does not grow with the
// stream.
func TestWindowStoreForgets(t *testing.T) {
	kv := enginetest.NewMemKV()
	var out collected
	runTopology(t, nil, func() (*trident.TridentTopology, error) {
		topo := trident.NewTridentTopology()
		topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(1000, 4))).
			TumblingWindow(10, &windowing.KVWindowsStoreFactory{KV: kv, Prefix: "w/"}, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum")).
			Peek(&out)
		return topo, nil
	})
	if got := len(out.sorted()); got != 100 {
		t.Fatalf("%d windows, want 100", got)
	}
	// 250 batches; records of the last 64 txids, and of the batches with
	// tuples still in the open window, stay.
	keys, err := kv.Keys(context.Background(), "w/")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 60 || len(keys) > 70 {
		t.Errorf("%d records left in the window store, want about 65", len(keys))
	}
}

type failingFactory struct{}

func (failingFactory) Create(map[string]any) (windowing.WindowsStore, error) {
	return nil, errors.New("disk on fire")
}

// TestWindowStoreFailures: a store that cannot be made, or that holds a
// record the window cannot read, fails the run with the reason.
func TestWindowStoreFailures(t *testing.T) {
	corrupt := enginetest.NewMemKV()
	// The window is the topology's second node, partition 0, txid 1.
	if err := corrupt.Put(context.Background(), "w/wb|w1|0|00000000000000000001", []byte{0xff}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		factory windowing.WindowsStoreFactory
		want    string
	}{
		{"factory fails", failingFactory{}, "disk on fire"},
		{"unreadable record", &windowing.KVWindowsStoreFactory{KV: corrupt, Prefix: "w/"}, "Remove the store's records"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := trident.NewTridentTopology()
			topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(10, 2))).
				TumblingWindow(3, tc.factory, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
			err := runToEnd(topo)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
