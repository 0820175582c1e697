package trident_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/tuple"
)

// collected gathers tuples a Peek sees, from every task.
type collected struct {
	mu   sync.Mutex
	rows []string
}

func (c *collected) Accept(t tuple.Tuple) {
	c.mu.Lock()
	c.rows = append(c.rows, fmt.Sprint([]any(t.Values())))
	c.mu.Unlock()
}

func (c *collected) sorted() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.rows)
	sort.Strings(out)
	return out
}

// runTopology runs the topology build returns as a Job until its spouts
// drain, and checks that no goroutine is left behind.
func runTopology(t *testing.T, conf core.Config, build func() (*trident.TridentTopology, error)) *trident.Job {
	t.Helper()
	return runTopologyWith(t, conf, nil, build)
}

func runTopologyWith(t *testing.T, conf core.Config, opts []trident.JobOption, build func() (*trident.TridentTopology, error)) *trident.Job {
	t.Helper()
	before := runtime.NumGoroutine()
	if conf == nil {
		conf = core.Config{}
	}
	if _, ok := conf[trident.TopologyTridentBatchEmitIntervalMillis]; !ok {
		conf[trident.TopologyTridentBatchEmitIntervalMillis] = 0
	}
	job, err := trident.NewJob("test", conf, func(engines.Source, engines.Sink) (*trident.TridentTopology, error) { return build() }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := enginetest.NewMemSource(1)
	src.CloseAll()
	if err := job.Run(ctx, src, &enginetest.CollectSink{}); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, before)
	return job
}

// waitGoroutines polls until the goroutine count is back to at most n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left after Run, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func numGoroutines() int { return runtime.NumGoroutine() }
