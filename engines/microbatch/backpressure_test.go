package microbatch

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/microbatch/rdd"
)

func TestPIDRateEstimator(t *testing.T) {
	e := NewPIDRateEstimator(time.Second, 1.0, 0.2, 0.0, 100)
	steps := []struct {
		time, elements, proc, sched int64
		want                        float64
		ok                          bool
	}{
		// The first batch only seeds the rate: 1000 records in 500 ms.
		{1000, 1000, 500, 0, 0, false},
		// 1000 records in 1000 ms, 500 ms behind: 2000 - 1.0*(2000-1000) - 0.2*(500*1000/1000).
		{2000, 1000, 1000, 500, 900, true},
		// Out of order, empty or instant batches give no estimate.
		{1500, 1000, 1000, 0, 0, false},
		{3000, 0, 1000, 0, 0, false},
		{3000, 10, 0, 0, 0, false},
		// A far slower batch would go below zero: the estimate stops at minRate.
		{4000, 10, 1000, 100000, 100, true},
	}
	for i, s := range steps {
		got, ok := e.Compute(s.time, s.elements, s.proc, s.sched)
		if ok != s.ok || math.Abs(got-s.want) > 1e-9 {
			t.Errorf("step %d: Compute = %v, %v; want %v, %v", i, got, ok, s.want, s.ok)
		}
	}
}

// floodReceiver stores 200 records every millisecond of real time: a source
// of 200,000 records/s, four times faster than the job below.
type floodReceiver struct {
	BaseReceiver[int]
	wg sync.WaitGroup
}

func (r *floodReceiver) OnStart() {
	done := r.Done()
	r.wg.Go(func() {
		chunk := make([]int, 200)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if r.StoreMany(chunk, nil) != nil {
				return
			}
		}
	})
}

func (r *floodReceiver) OnStop() { r.wg.Wait() }

// floodRun runs a job that takes 20 µs per record (50,000 records/s) behind
// a flooding receiver for the given time, and returns its batches.
func floodRun(t *testing.T, backpressure bool, run time.Duration) []BatchInfo {
	conf := NewConf().Set(ConfBlockInterval, "20ms")
	if backpressure {
		// Start at twice what the job can take, so the estimator has to
		// act, without the unbounded first batch (SPARK-18580).
		conf.Set(ConfBackpressure, "true").Set(ConfInitialRate, "100000")
	}
	ssc, err := NewStreamingContext(conf, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c := newBatchCounter(ssc)
	ReceiverStream[int](ssc, &floodReceiver{}).ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
		n, err := r.Count()
		time.Sleep(time.Duration(n) * 20 * time.Microsecond)
		return err
	})
	if err := ssc.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(run)
	ssc.Stop(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]BatchInfo(nil), c.batches...)
}

// TestBackpressureBoundsSchedulingDelay floods a job four times faster than
// it can process: without backpressure the queue of batches grows for as
// long as the run lasts; with Spark's PID estimator the receiver is slowed to
// what the job can take and the scheduling delay stays bounded.
func TestBackpressureBoundsSchedulingDelay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds of real time")
	}
	without := floodRun(t, false, 3*time.Second)
	with := floodRun(t, true, 3*time.Second)
	if len(without) < 3 || len(with) < 10 {
		t.Fatalf("too few batches: %d without, %d with backpressure", len(without), len(with))
	}
	last := without[len(without)-1]
	if last.SchedulingDelay() < 500*time.Millisecond {
		t.Fatalf("without backpressure the last batch waited %v; the flood should have queued batches", last.SchedulingDelay())
	}
	var worst time.Duration
	for _, b := range with[len(with)*2/3:] {
		worst = max(worst, b.SchedulingDelay())
	}
	if worst > last.SchedulingDelay()/2 {
		t.Fatalf("with backpressure the scheduling delay reached %v in the last third (without: %v)", worst, last.SchedulingDelay())
	}
}
