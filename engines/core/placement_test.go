package core_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

// router joins the workers of a distributed topology inside one test
// process: each worker's transport registers its tasks' queues, and a send
// to a task of another worker waits until that worker has registered. It
// stands in for the cluster's TCP transport, which has the same contract.
type router struct {
	mu     sync.Mutex
	queues map[int]*engines.Queue[core.Tuple]
	joined chan struct{} // closed and replaced on every registration
}

func newRouter() *router {
	return &router{queues: map[int]*engines.Queue[core.Tuple]{}, joined: make(chan struct{})}
}

func (r *router) transport(_ core.WireCodec, local map[int]*engines.Queue[core.Tuple], _ map[int]int) (engines.Transport[core.Tuple], error) {
	r.mu.Lock()
	for id, q := range local {
		r.queues[id] = q
	}
	close(r.joined)
	r.joined = make(chan struct{})
	r.mu.Unlock()
	return &routed{r: r, done: make(chan struct{})}, nil
}

type routed struct {
	r    *router
	done chan struct{}
	once sync.Once
}

func (t *routed) queue(ctx context.Context, dst int) (*engines.Queue[core.Tuple], error) {
	for {
		t.r.mu.Lock()
		q, joined := t.r.queues[dst], t.r.joined
		t.r.mu.Unlock()
		if q != nil {
			return q, nil
		}
		if ctx == nil {
			return nil, nil
		}
		select {
		case <-joined:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.done:
			return nil, engines.ErrTransportClosed
		}
	}
}

func (t *routed) Send(ctx context.Context, dst int, batch []core.Tuple) error {
	q, err := t.queue(ctx, dst)
	if err != nil {
		return err
	}
	return engines.NewLocalTransport([]*engines.Queue[core.Tuple]{q}).Send(ctx, 0, batch)
}

func (t *routed) TrySend(dst int, batch []core.Tuple) (bool, error) {
	q, _ := t.queue(nil, dst)
	if q == nil {
		return false, nil
	}
	return engines.NewLocalTransport([]*engines.Queue[core.Tuple]{q}).TrySend(0, batch)
}

func (t *routed) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}

// terminated applies the four-counter check to two successive readings of
// every worker's status: all spouts exhausted, no tree pending, nothing in
// flight summed over the workers, and nothing moved between the readings.
func terminated(prev, cur []core.WorkerStatus) bool {
	if prev == nil {
		return false
	}
	var inflight, sent, done int64
	for i, st := range cur {
		if !st.Exhausted || st.Pending != 0 || st != prev[i] {
			return false
		}
		inflight += st.Inflight
		sent += st.Sent
		done += st.Done
	}
	return inflight == 0 && sent == done
}

// TestDistributedWordCount runs word count as three workers of one
// topology, every executor placed round-robin over them, each worker its
// own Job as each would be its own process, and checks that the workers'
// statuses tell when the run is over and that the counts are exact, with
// and without ackers.
func TestDistributedWordCount(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ackers int
		tcp    bool // the cluster's TCP transport and tuple codec, else an in-process router
	}{
		{"at-least-once", 3, false},
		{"at-most-once", 0, false},
		{"at-least-once over TCP", 3, true},
		{"at-most-once over TCP", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			const workers, partitions, lines = 3, 4, 500
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
			newJob := func() *core.Job {
				conf := core.Config{}
				conf.SetNumAckers(tc.ackers)
				conf.SetNumWorkers(workers)
				job, err := core.NewJob("words", nil, conf, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
					b := core.NewTopologyBuilder()
					b.SetSpout("spout", &core.SourceSpout{Source: src}, partitions)
					b.SetBolt("split", splitBolt{}, 3).ShuffleGrouping("spout")
					b.SetBolt("count", &countBolt{SinkWriter: core.SinkWriter{Sink: sink}}, 2).FieldsGrouping("split", core.NewFields("word"))
					return b.CreateTopology(), nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return job
			}
			layout, err := newJob().Layout(src, sink)
			if err != nil {
				t.Fatal(err)
			}
			workerOf := make([]int, len(layout))
			for i := range layout {
				workerOf[i] = i % workers
			}
			r := newRouter()
			transports := make([]func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error), workers)
			for w := range workers {
				transports[w] = r.transport
			}
			if tc.tcp {
				transports = tcpTransports(t, workers)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			jobs := make([]*core.Job, workers)
			errc := make(chan error, workers)
			for w := range workers {
				jobs[w] = newJob()
				go func() {
					errc <- jobs[w].RunWorker(ctx, src, sink, core.Placement{Worker: w, WorkerOf: workerOf, Transport: transports[w]}, 1)
				}()
			}
			var prev []core.WorkerStatus
			deadline := time.Now().Add(20 * time.Second)
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
						t.Fatalf("worker %d: %s", w, st.Error)
					}
					cur[w] = st
				}
				if ok && terminated(prev, cur) {
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
			got := sink.Final()
			for w, n := range want {
				if got[w] != n {
					t.Errorf("word %q: %d, want %d", w, got[w], n)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d words, want %d", len(got), len(want))
			}
		})
	}
}

// tcpTransports returns, for each of n workers, a transport factory that
// makes the cluster's TCP node on a listener opened here, so every worker
// knows every other's address before any starts, as an assignment gives
// them.
func tcpTransports(t *testing.T, n int) []func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error) {
	lns := make([]net.Listener, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	out := make([]func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error), n)
	var mu sync.Mutex
	var nodes []*transport.Node[core.Tuple]
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, nd := range nodes {
			nd.Close()
		}
	})
	for i := range out {
		out[i] = func(codec core.WireCodec, local map[int]*engines.Queue[core.Tuple], remote map[int]int) (engines.Transport[core.Tuple], error) {
			addrs := map[int]string{}
			for task, w := range remote {
				addrs[task] = lns[w].Addr().String()
			}
			nd, err := transport.NewNode(transport.Config[core.Tuple]{ID: fmt.Sprint("worker-", i), Token: "test", Codec: codec,
				Local: local, Remote: addrs, Listener: lns[i]})
			if err == nil {
				mu.Lock()
				nodes = append(nodes, nd)
				mu.Unlock()
			}
			return nd, err
		}
	}
	return out
}

// TestSubmitTopologyPlaced runs word count as two workers, each a
// LocalCluster given its share with SubmitTopologyPlaced, and judges the
// end by the four-counter check over the clusters' WorkerStatus.
func TestSubmitTopologyPlaced(t *testing.T) {
	enginetest.NoGoroutinesLeft(t)
	const workers, partitions, lines = 2, 2, 200
	src := enginetest.NewMemSource(partitions)
	want := map[string]int64{}
	for i := range lines {
		line := fmt.Sprintf("w%d common", i%7)
		src.AppendValues(i%partitions, line)
		for _, w := range strings.Fields(line) {
			want[w]++
		}
	}
	src.CloseAll()
	sink := &enginetest.CollectSink{}
	build := func() *core.StormTopology {
		b := core.NewTopologyBuilder()
		b.SetSpout("spout", &core.SourceSpout{Source: src}, partitions)
		b.SetBolt("split", splitBolt{}, 2).ShuffleGrouping("spout")
		b.SetBolt("count", &countBolt{SinkWriter: core.SinkWriter{Sink: sink}}, 2).FieldsGrouping("split", core.NewFields("word"))
		return b.CreateTopology()
	}
	conf := core.Config{}
	conf.SetNumAckers(1)
	// Executors in placement order: the acker, count x2, spout x2, split
	// x2; alternate them over the workers.
	workerOf := []int{0, 1, 0, 1, 0, 1, 0}
	r := newRouter()
	clusters := make([]*core.LocalCluster, workers)
	for w := range workers {
		clusters[w] = core.NewLocalCluster(core.WithSeed(uint64(w + 1)))
		defer clusters[w].Shutdown()
	}
	for w, c := range clusters {
		pl := &core.Placement{Worker: w, WorkerOf: workerOf, Transport: r.transport}
		if err := c.SubmitTopologyPlaced("words", conf, build(), pl); err != nil {
			t.Fatal(err)
		}
	}
	var prev []core.WorkerStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		cur := make([]core.WorkerStatus, workers)
		for w, c := range clusters {
			st, err := c.WorkerStatus("words")
			if err != nil {
				t.Fatal(err)
			}
			if st.Error != "" {
				t.Fatalf("worker %d: %s", w, st.Error)
			}
			cur[w] = st
		}
		if terminated(prev, cur) {
			break
		}
		prev = cur
		if time.Now().After(deadline) {
			t.Fatalf("the workers never finished; last statuses %+v", cur)
		}
	}
	for _, c := range clusters {
		if err := c.KillTopologyWithOpts("words", core.KillOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := sink.Final()
	for w, n := range want {
		if got[w] != n {
			t.Errorf("word %q: %d, want %d", w, got[w], n)
		}
	}
	if _, err := clusters[0].WorkerStatus("words"); !errors.Is(err, core.ErrNotAlive) {
		t.Errorf("WorkerStatus of a killed topology: %v, want ErrNotAlive", err)
	}
	bad := &core.Placement{Worker: 0, WorkerOf: []int{0}, Transport: r.transport}
	if err := clusters[0].SubmitTopologyPlaced("words", conf, build(), bad); !errors.Is(err, core.ErrInvalidTopology) {
		t.Errorf("a placement of 1 executor for 7: %v, want ErrInvalidTopology", err)
	}
}
