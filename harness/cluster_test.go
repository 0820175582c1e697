package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
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
				transports := clustertest.TCPTransports(t, workers)
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
					if ready && core.Terminated(prev, cur) {
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
