package microbatch

import (
	"context"
	"errors"
	"iter"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/enginetest"
	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// TestEngineCancelMidBatch: a run cancelled while a batch is being
// processed stops that batch within a thousand records a task, whatever
// the guarantee, instead of finishing it (a large batch at max rate took
// seconds, past the harness's wait), and leaves no checkpoint directory
// and no goroutine. The batch holds every record: the map function holds
// the first until the stop has begun, then counts how many more it is
// given.
func TestEngineCancelMidBatch(t *testing.T) {
	const records = 40_000
	for _, g := range engines.Guarantees {
		t.Run(g.String(), func(t *testing.T) {
			enginetest.NoGoroutinesLeft(t)
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			var (
				mapped    atomic.Int64
				once      sync.Once
				first     = make(chan struct{})
				cancelled = make(chan struct{})
			)
			pipeline := func(ssc *StreamingContext, in *DStream[engines.Record], sink engines.Sink) error {
				lens := Map(in, func(r engines.Record) int {
					once.Do(func() { close(first); <-cancelled })
					mapped.Add(1)
					return len(r.Value)
				})
				return lens.ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
					return r.ForeachPartition(func(_ int, it iter.Seq[int]) error {
						n := 0
						for range it {
							n++
						}
						return sink.Write([]engines.Output{{Key: "n", Value: int64(n), Event: true}})
					})
				})
			}
			// One batch takes everything: the source is full before the
			// first batch time, and the batch interval is long.
			e, err := NewEngine(EngineConfig{BatchInterval: 500 * time.Millisecond, Guarantee: g, Parallelism: 2,
				Conf: NewConf().Set(ConfBlockInterval, "500ms")}, pipeline)
			if err != nil {
				t.Fatal(err)
			}
			src := enginetest.NewMemSource(2)
			fillSource(src, records)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- e.Run(ctx, src, &enginetest.CollectSink{}) }()
			select {
			case <-first:
			case err := <-done:
				t.Fatalf("Run returned %v before a batch ran", err)
			case <-time.After(30 * time.Second):
				t.Fatal("no batch ran")
			}
			cancel()
			enginetest.WaitFor(t, "the stop to kill the batch", e.killing)
			close(cancelled)
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return after the cancel")
			}
			// Two tasks at a time, each killed within its next thousand
			// records (rdd's check interval) after the cancel.
			if n := mapped.Load(); n > 2*2*1024 {
				t.Errorf("%d records mapped after the cancel: the batch under way was not killed", n)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "*")); len(left) > 0 {
				t.Errorf("left in the temporary directory: %v", left)
			}
		})
	}
}
