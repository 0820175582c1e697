package microbatch

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

// TestReceiversHoldCores runs receivers on local[N]: with as many receivers
// as cores the context warns and processes nothing while the receivers run,
// as in Spark, where each receiver is a task holding a core; with one core
// more, every batch runs. Stopping gracefully stops the receivers first,
// which gives their cores back, so even a starved context then processes
// what it received.
func TestReceiversHoldCores(t *testing.T) {
	for _, tc := range []struct {
		master    string
		receivers int
		starved   bool
	}{
		{"local", 1, true},
		{"local[1]", 1, true},
		{"local[2]", 2, true},
		{"local[2]", 1, false},
		{"local[3]", 2, false},
	} {
		t.Run(fmt.Sprintf("%s with %d receivers", tc.master, tc.receivers), func(t *testing.T) {
			before := runtime.NumGoroutine()
			logs := &syncBuffer{}
			clock := NewManualClock(start0)
			ssc, err := NewStreamingContext(NewConf().SetMaster(tc.master).Set(ConfBlockInterval, "20ms"), 100*time.Millisecond,
				WithClock(clock), WithOutput(&syncBuffer{}), WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			counter := newBatchCounter(ssc)
			started := &startCounter{}
			ssc.AddStreamingListener(started)
			var streams []*DStream[int]
			var recvs []*counterReceiver
			for range tc.receivers {
				r := &counterReceiver{n: 100}
				recvs = append(recvs, r)
				streams = append(streams, ReceiverStream[int](ssc, r))
			}
			var mu sync.Mutex
			total := 0
			err = streams[0].Union(streams[1:]...).ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
				n, err := r.Count()
				mu.Lock()
				total += int(n)
				mu.Unlock()
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := ssc.Start(); err != nil {
				t.Fatal(err)
			}
			defer ssc.Stop(false)
			for _, r := range recvs {
				r.wg.Wait()
			}
			// Two batches hold every record; their tasks start only with a
			// core free.
			for range 2 {
				clock.Advance(100 * time.Millisecond)
			}
			warned := strings.Contains(logs.String(), "every core is held by a receiver")
			if warned != tc.starved {
				t.Fatalf("warning logged: %v, want %v; log:\n%s", warned, tc.starved, logs)
			}
			if tc.starved {
				counter.waitFor(t, "the first batch to start", func() bool { return started.get() > 0 })
				time.Sleep(50 * time.Millisecond) // a batch with a core would be done by now
				if n := counter.completed(); n != 0 {
					t.Fatalf("%d batches completed with every core held by a receiver", n)
				}
			} else {
				counter.waitBatches(t, 2)
			}
			done := make(chan error, 1)
			go func() { done <- ssc.Stop(true) }()
			deadline := time.Now().Add(10 * time.Second)
		stopping:
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					break stopping
				case <-time.After(5 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("graceful stop did not finish")
				}
				clock.Advance(100 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := 100 * tc.receivers; total != want {
				t.Fatalf("processed %d records, want %d", total, want)
			}
			waitGoroutines(t, before)
		})
	}
}

// TestStarvedContextStopsAtOnce: tasks waiting for a core held by a
// receiver are killed by a stop at once, which returns.
func TestStarvedContextStopsAtOnce(t *testing.T) {
	before := runtime.NumGoroutine()
	h := newHarness(t, 100*time.Millisecond, NewConf().SetMaster("local[1]").Set(ConfBlockInterval, "20ms"))
	h.ssc.logger = slog.New(slog.NewTextHandler(&syncBuffer{}, nil))
	started := &startCounter{}
	h.ssc.AddStreamingListener(started)
	r := &counterReceiver{n: 10}
	if err := ReceiverStream[int](h.ssc, r).Count().Print(); err != nil {
		t.Fatal(err)
	}
	h.start()
	r.wg.Wait()
	h.clock.Advance(100 * time.Millisecond)
	h.counter.waitFor(t, "the batch to start", func() bool { return started.get() > 0 })
	if err := h.ssc.Stop(false); err != nil {
		t.Fatal(err)
	}
	if n := h.counter.completed(); n != 0 {
		t.Fatalf("%d batches completed", n)
	}
	waitGoroutines(t, before)
}

// startCounter counts started batches.
type startCounter struct {
	BaseStreamingListener
	mu sync.Mutex
	n  int
}

func (c *startCounter) OnBatchStarted(BatchInfo) { c.mu.Lock(); c.n++; c.mu.Unlock() }

func (c *startCounter) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }
