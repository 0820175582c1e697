package trident_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
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

// runWorkers runs jobs as the workers of one distributed topology, its
// executors placed round-robin, its transaction metadata in kv (a
// coordination store the workers share), until the four-counter check
// over their statuses says that the run is over. It returns each worker's
// metrics.
func runWorkers(t *testing.T, jobs []*trident.Job, src engines.Source, sink engines.Sink, kv engines.KV, tcp bool) []trident.JobMetrics {
	t.Helper()
	workers := len(jobs)
	layout, err := jobs[0].Layout(src, sink)
	if err != nil {
		t.Fatal(err)
	}
	workerOf := make([]int, len(layout))
	for i := range layout {
		workerOf[i] = i % workers
	}
	r := clustertest.NewRouter()
	transports := make([]clustertest.TransportFunc, workers)
	for w := range workers {
		transports[w] = r.Transport
	}
	if tcp {
		transports = clustertest.TCPTransports(t, workers)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, workers)
	in := engines.Input{Kind: engines.KindLog, Log: src, Coordination: kv}
	for w, job := range jobs {
		go func() {
			errc <- job.RunWorkerInput(ctx, in, sink, core.Placement{Worker: w, WorkerOf: workerOf, Transport: transports[w]}, 1)
		}()
	}
	var prev []core.WorkerStatus
	deadline := time.Now().Add(30 * time.Second)
	for {
		cur := make([]core.WorkerStatus, workers)
		ok := true
		for w, j := range jobs {
			st, err := j.WorkerStatus()
			if err != nil {
				ok = false // not started yet
				break
			}
			if st.Error != "" {
				cancel()
				t.Fatalf("worker %d: %s", w, st.Error)
			}
			cur[w] = st
		}
		if ok && core.Terminated(prev, cur) {
			break
		}
		if ok {
			prev = cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workers never finished; last statuses %+v", cur)
		}
		time.Sleep(2 * time.Millisecond) // the next reading of the poll
	}
	cancel()
	for range workers {
		if err := <-errc; err != context.Canceled {
			t.Errorf("RunWorker: %v, want context.Canceled", err)
		}
	}
	out := make([]trident.JobMetrics, workers)
	for w, j := range jobs {
		out[w] = j.Metrics().(trident.JobMetrics)
	}
	return out
}

// wordOutput maps [word, count] to the output the sink keeps.
var wordOutput = operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
	c.Emit(tuple.Values{engines.Output{Key: t.GetString(0), Value: t.Get(1).(int64)}})
})

// TestDistributedWordCount runs Trident word count as three workers of one
// topology, every executor placed round-robin over them, each worker its
// own Job as each would be its own process, the transaction metadata in a
// shared coordination store. The end is found by the four-counter check
// over the workers' statuses, and the counts the sink holds are the
// oracle's, for each kind of spout and state, joined by an in-process
// router and by the cluster's TCP transport.
func TestDistributedWordCount(t *testing.T) {
	kinds := []struct {
		name  string
		spout spout.Kind
		state state.Type
	}{
		{"transactional", spout.Transactional, state.Transactional},
		{"opaque", spout.Opaque, state.Opaque},
		{"non-transactional", spout.NonTransactional, state.NonTransactional},
	}
	for _, k := range kinds {
		for _, tcp := range []bool{false, true} {
			name := k.name
			if tcp {
				name += " over TCP"
			}
			t.Run(name, func(t *testing.T) {
				enginetest.NoGoroutinesLeft(t)
				const workers, partitions, lines = 3, 4, 400
				src := enginetest.NewMemSource(partitions)
				want := map[string]int64{}
				for i := range lines {
					line := fmt.Sprintf("w%d w%d common", i%17, i%5)
					src.AppendValues(i%partitions, line)
					for _, w := range strings.Fields(line) {
						want[w]++
					}
				}
				src.CloseAll()
				sink := &enginetest.CollectSink{}
				jobs := make([]*trident.Job, workers)
				for w := range jobs {
					job, err := trident.NewJob("words", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0},
						func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
							sp, err := spout.NewSourceSpout(src, k.spout, 60)
							if err != nil {
								return nil, err
							}
							// Each worker, as each process, has its own memory
							// state: the keys of the partitions it runs.
							topo := trident.NewTridentTopology()
							topo.NewStream("sentences", sp).ParallelismHint(partitions).
								Each(tuple.NewFields("value"), split, tuple.NewFields("word")).
								GroupBy(tuple.NewFields("word")).
								PersistentAggregate(state.NewMemoryMapStateFactory(k.state), nil, builtin.Count{}, tuple.NewFields("count")).
								ParallelismHint(3).
								NewValuesStream().
								Each(tuple.NewFields("word", "count"), wordOutput, trident.OutFields).
								PartitionPersist(&trident.SinkStateFactory{Sink: sink, Type: k.state}, trident.OutFields, trident.WriteOutputs{}, nil)
							return topo, nil
						})
					if err != nil {
						t.Fatal(err)
					}
					jobs[w] = job
				}
				kv := enginetest.NewMemKV()
				ms := runWorkers(t, jobs, src, sink, kv, tcp)
				got := sink.Final()
				for w, n := range want {
					if got[w] != n {
						t.Errorf("word %q: %d, want %d", w, got[w], n)
					}
				}
				if len(got) != len(want) {
					t.Errorf("%d words, want %d", len(got), len(want))
				}
				// The metrics are per worker: one worker ran the master
				// coordinator and counted the batches; the emitters of
				// every worker together emitted each line once.
				coordinators, emitted := 0, int64(0)
				for _, m := range ms {
					if m.BatchesCommitted > 0 {
						coordinators++
					}
					emitted += m.TuplesEmitted
				}
				if coordinators != 1 {
					t.Errorf("%d workers counted committed batches, want 1 (the coordinator's): %+v", coordinators, ms)
				}
				if emitted != lines {
					t.Errorf("the workers' spouts emitted %d tuples, want %d", emitted, lines)
				}
				if k.spout != spout.NonTransactional {
					if v, ok, _ := kv.Get(context.Background(), "trident-words.committed"); !ok || len(v) == 0 {
						t.Errorf("no committed txid in the coordination store")
					}
				}
			})
		}
	}
}

// TestDistributedWindow runs a tumbling count window, per spout partition,
// as three workers, and checks that every window's sum reaches the sink
// exactly once.
func TestDistributedWindow(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(map[bool]string{false: "router", true: "TCP"}[tcp], func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			const workers, partitions, perPart, window = 3, 4, 100, 5
			src := enginetest.NewMemSource(partitions)
			var want []string
			for p := range partitions {
				sum := int64(0)
				for i := range perPart {
					v := int64(1000*p + i)
					src.AppendValues(p, strconv.FormatInt(v, 10))
					sum += v
					if (i+1)%window == 0 {
						want = append(want, strconv.FormatInt(sum, 10))
						sum = 0
					}
				}
			}
			src.CloseAll()
			slices.Sort(want)
			parse := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
				n, _ := strconv.ParseInt(t.GetString(0), 10, 64)
				c.Emit(tuple.Values{n})
			})
			toOutput := operation.FunctionFunc(func(t tuple.Tuple, c operation.TridentCollector) {
				sum := t.Get(0).(int64)
				c.Emit(tuple.Values{engines.Output{Key: strconv.FormatInt(sum, 10), Value: sum}})
			})
			sink := &enginetest.CollectSink{}
			// The windows keep their tuples in the coordination store the
			// workers share, beside the transaction metadata.
			kv := enginetest.NewMemKV()
			windows := &windowing.KVWindowsStoreFactory{KV: kv, Prefix: "windows/"}
			jobs := make([]*trident.Job, workers)
			for w := range jobs {
				job, err := trident.NewJob("windows", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0},
					func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
						sp, err := spout.NewSourceSpout(src, spout.Transactional, 12)
						if err != nil {
							return nil, err
						}
						// One spout task per partition, and the window in its
						// bolt: each window holds consecutive records of one
						// partition.
						topo := trident.NewTridentTopology()
						topo.NewStream("numbers", sp).ParallelismHint(partitions).
							Each(tuple.NewFields("value"), parse, tuple.NewFields("n")).
							TumblingWindow(window, windows, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum")).
							Each(tuple.NewFields("sum"), toOutput, trident.OutFields).
							Shuffle().
							PartitionPersist(&trident.SinkStateFactory{Sink: sink, Type: state.Transactional}, trident.OutFields, trident.WriteOutputs{}, nil).
							ParallelismHint(2)
						return topo, nil
					})
				if err != nil {
					t.Fatal(err)
				}
				jobs[w] = job
			}
			runWorkers(t, jobs, src, sink, kv, tcp)
			if keys, _ := kv.Keys(context.Background(), "windows/"); len(keys) == 0 {
				t.Error("the windows kept nothing in the coordination store")
			}
			var got []string
			for _, o := range sink.Outputs() {
				got = append(got, o.Key)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("window sums %v\nwant %v", got, want)
			}
		})
	}
}

// TestRunWorkerNeedsSharedMetadata: several workers with their transaction
// metadata in memory would each have their own txids, so RunWorker
// refuses; with one worker it runs.
func TestRunWorkerNeedsSharedMetadata(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	newJob := func() *trident.Job {
		job, err := trident.NewJob("alone", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0},
			func(src engines.Source, _ engines.Sink) (*trident.TridentTopology, error) {
				sp, err := spout.NewSourceSpout(src, spout.Transactional, 10)
				if err != nil {
					return nil, err
				}
				topo := trident.NewTridentTopology()
				topo.NewStream("s", sp)
				return topo, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return job
	}
	src := enginetest.NewMemSource(1)
	src.AppendValues(0, "a", "b")
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	layout, err := newJob().Layout(src, sink)
	if err != nil {
		t.Fatal(err)
	}
	two := make([]int, len(layout))
	two[len(two)-1] = 1
	err = newJob().RunWorker(context.Background(), src, sink, core.Placement{Worker: 0, WorkerOf: two, Transport: clustertest.NewRouter().Transport}, 1)
	if !errors.Is(err, trident.ErrNoSharedMetadata) {
		t.Fatalf("two workers with in-memory metadata: %v, want ErrNoSharedMetadata", err)
	}
	// One worker keeps its metadata to itself, and the run ends as the
	// four-counter check says.
	job := newJob()
	r := clustertest.NewRouter()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- job.RunWorker(ctx, src, sink, core.Placement{Worker: 0, WorkerOf: make([]int, len(layout)), Transport: r.Transport}, 1)
	}()
	var prev []core.WorkerStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		st, err := job.WorkerStatus()
		if err == nil {
			if core.Terminated(prev, []core.WorkerStatus{st}) {
				break
			}
			prev = []core.WorkerStatus{st}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker never finished: %+v, %v", st, err)
		}
	}
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("RunWorker: %v, want context.Canceled", err)
	}
	if m := job.Metrics().(trident.JobMetrics); m.TuplesEmitted != 2 || m.BatchesCommitted == 0 {
		t.Errorf("metrics %+v, want 2 tuples emitted in committed batches", m)
	}
}

// TestDistributedFatalError: a batch that fails trident.max.batch.attempts
// times ends the run; the error shows in the status of the worker running
// the master coordinator, whose RunWorker returns it.
func TestDistributedFatalError(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	const workers, partitions = 3, 2
	src := enginetest.NewMemSource(partitions)
	src.AppendValues(0, "a b")
	src.AppendValues(1, "c d")
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	broken := operation.FunctionFunc(func(tuple.Tuple, operation.TridentCollector) { panic("injected fault") })
	jobs := make([]*trident.Job, workers)
	for w := range jobs {
		job, err := trident.NewJob("broken", core.Config{trident.TopologyTridentBatchEmitIntervalMillis: 0, trident.TridentMaxBatchAttempts: 2},
			func(src engines.Source, sink engines.Sink) (*trident.TridentTopology, error) {
				sp, err := spout.NewSourceSpout(src, spout.Transactional, 10)
				if err != nil {
					return nil, err
				}
				topo := trident.NewTridentTopology()
				topo.NewStream("s", sp).ParallelismHint(partitions).
					Shuffle().
					Each(tuple.NewFields("value"), broken, tuple.NewFields("x")).ParallelismHint(2)
				return topo, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		jobs[w] = job
	}
	layout, err := jobs[0].Layout(src, sink)
	if err != nil {
		t.Fatal(err)
	}
	workerOf := make([]int, len(layout))
	coordinator := -1
	for i, e := range layout {
		workerOf[i] = i % workers
		if strings.HasPrefix(e.Component, "$mastercoord") {
			coordinator = workerOf[i]
		}
	}
	r := clustertest.NewRouter()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make([]chan error, workers)
	in := engines.Input{Kind: engines.KindLog, Log: src, Coordination: enginetest.NewMemKV()}
	for w, job := range jobs {
		errs[w] = make(chan error, 1)
		go func() {
			errs[w] <- job.RunWorkerInput(ctx, in, sink, core.Placement{Worker: w, WorkerOf: workerOf, Transport: r.Transport}, 1)
		}()
	}
	var status core.WorkerStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		st, err := jobs[coordinator].WorkerStatus()
		if err == nil && st.Error != "" {
			status = st
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no fatal error reported; last status %+v, %v", st, err)
		}
	}
	if !strings.Contains(status.Error, "failed 2 times") || !strings.Contains(status.Error, "$mastercoord-bg0") {
		t.Errorf("status error %q, want the coordinator's batch failed 2 times", status.Error)
	}
	select {
	case err := <-errs[coordinator]:
		if err == nil || err.Error() != status.Error {
			t.Errorf("the coordinator's worker returned %v, want %s", err, status.Error)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the coordinator's worker did not return its fatal error")
	}
	for w, job := range jobs {
		if st, err := job.WorkerStatus(); w != coordinator && (err != nil || st.Error != "") {
			t.Errorf("worker %d: %+v, %v; the replayed batches' errors are not fatal there", w, st, err)
		}
	}
	cancel()
	for w := range workers {
		if w != coordinator {
			if err := <-errs[w]; err != context.Canceled {
				t.Errorf("worker %d: %v, want context.Canceled", w, err)
			}
		}
	}
}
