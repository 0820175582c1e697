package harness

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/transport"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/workloads/workloadtest"
)

// TestPipelinesAcrossWorkers runs every workload's pipeline on each cluster
// engine as three workers of one topology, in this process but joined by
// the cluster's TCP transport, so every tuple that crosses a worker goes
// through the topology's codec as it would between processes; the end is
// the four-counter check over the workers' statuses, and the outputs give
// the oracle's answer. A value the codec cannot encode (a type a pipeline
// emits and nobody registered) fails here rather than in a cluster run.
func TestPipelinesAcrossWorkers(t *testing.T) {
	const workers, partitions, records = 3, 4, 300
	for _, w := range Workloads {
		for _, engine := range clusterEngines {
			t.Run(w.Name+"/"+engine, func(t *testing.T) {
				inst, err := w.New(workloadtest.Config(1, partitions, nil))
				if err != nil {
					t.Fatal(err)
				}
				spec, err := LookupEngine(engine)
				if err != nil {
					t.Fatal(err)
				}
				opts := engines.Options{Parallelism: workers, Guarantee: spec.DefaultGuarantee(), Conf: engines.Conf{core.TopologyWorkers: fmt.Sprint(workers)}}
				src := workloadtest.Source(inst, partitions, records)
				sink := &enginetest.CollectSink{}
				first, err := inst.Pipeline(engine, opts)
				if err != nil {
					t.Skipf("no %s pipeline: %v", engine, err)
				}
				layout, err := first.(interface {
					Layout(engines.Source, engines.Sink) ([]core.ExecutorInfo, error)
				}).Layout(src, sink)
				if err != nil {
					t.Fatal(err)
				}
				workerOf := make([]int, len(layout))
				for i := range layout {
					workerOf[i] = i % workers
				}
				transports := tcpWorkers(t, workers)
				kv := enginetest.NewMemKV()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				jobs := make([]coreWorker, workers)
				errc := make(chan error, workers)
				for i := range workers {
					eng, err := inst.Pipeline(engine, opts)
					if err != nil {
						t.Fatal(err)
					}
					jobs[i] = eng.(coreWorker)
					pl := core.Placement{Worker: i, WorkerOf: workerOf, Transport: transports[i]}
					go func() {
						if iw, ok := eng.(inputWorker); ok {
							in := engines.LogInput(src)
							in.Coordination = kv
							errc <- iw.RunWorkerInput(ctx, in, sink, pl, 1)
							return
						}
						errc <- jobs[i].RunWorker(ctx, src, sink, pl, 1)
					}()
				}
				var prev []core.WorkerStatus
				for deadline := time.Now().Add(30 * time.Second); ; {
					cur := make([]core.WorkerStatus, workers)
					ready := true
					for i, j := range jobs {
						st, err := j.WorkerStatus()
						if err != nil {
							ready = false
							break
						}
						if st.Error != "" {
							t.Fatalf("worker %d: %s", i, st.Error)
						}
						cur[i] = st
					}
					if ready && fourCounters(prev, cur) {
						break
					}
					if ready {
						prev = cur
					}
					if time.Now().After(deadline) {
						t.Fatalf("the workers never finished: %+v", cur)
					}
					time.Sleep(5 * time.Millisecond) // the next round of the poll
				}
				cancel()
				for range workers {
					<-errc
				}
				published := make([]int64, partitions)
				for p := range published {
					published[p] = records
				}
				if diff := workloadtest.Diff(inst.Expect(published), workloadtest.Final(sink.Outputs())); len(diff) > 0 {
					t.Errorf("outputs differ from the oracle: %v", diff)
				}
			})
		}
	}
}

// fourCounters is the termination check of two successive rounds of
// statuses (see clusterRun.finished).
func fourCounters(prev, cur []core.WorkerStatus) bool {
	if prev == nil {
		return false
	}
	var inflight, sent, done int64
	for i, st := range cur {
		if !st.Exhausted || st.Pending != 0 || st != prev[i] {
			return false
		}
		inflight, sent, done = inflight+st.Inflight, sent+st.Sent, done+st.Done
	}
	return inflight == 0 && sent == done
}

// tcpWorkers returns, for each of n workers, a transport factory making
// the cluster's TCP node on a listener opened here.
func tcpWorkers(t *testing.T, n int) []func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error) {
	lns := make([]net.Listener, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	var mu sync.Mutex
	var nodes []*transport.Node[core.Tuple]
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, nd := range nodes {
			nd.Close()
		}
	})
	out := make([]func(core.WireCodec, map[int]*engines.Queue[core.Tuple], map[int]int) (engines.Transport[core.Tuple], error), n)
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
