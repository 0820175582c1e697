package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/cluster/clustertest"
	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

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
			r := clustertest.NewRouter()
			transports := make([]clustertest.TransportFunc, workers)
			for w := range workers {
				transports[w] = r.Transport
			}
			if tc.tcp {
				transports = clustertest.TCPTransports(t, workers)
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
