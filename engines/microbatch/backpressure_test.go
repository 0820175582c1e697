package microbatch

import (
	"fmt"
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

// floodModel runs a job that takes 20 µs per record (50,000 records/s)
// behind a source offering 200,000 records/s, four times more, batch after
// batch of 100 ms, on simulated time: each batch receives what the source
// offers during its interval, capped by the rate limit in force when the
// interval began; batches run one at a time, so a batch waits (scheduling
// delay) while the one before it runs. With backpressure the limit is what
// a real rateController with Spark's default PID estimator published from
// the batches completed so far, starting at twice what the job can take.
// It returns the batches as the listener bus reports them, and the limits
// in force, batch by batch.
func floodModel(backpressure bool, batches int) ([]BatchInfo, []float64) {
	const (
		interval   = 100 * time.Millisecond
		sourceRate = 200_000.0
		perRecord  = 20 * time.Microsecond
	)
	start := time.Unix(1e9, 0)
	limit := math.Inf(1)
	var pending []BatchInfo // completed later than the current time
	var rc *rateController
	if backpressure {
		limit = 100_000
		rc = &rateController{streamID: 0, estimator: NewPIDRateEstimator(interval, 1.0, 0.2, 0.0, 100),
			publish: func(r float64) { limit = r }}
	}
	var out []BatchInfo
	var limits []float64
	free := start // when the job is free to start the next batch
	for k := 1; k <= batches; k++ {
		from := start.Add(time.Duration(k-1) * interval)
		// Batches that completed by the start of this interval have
		// published their rates.
		kept := pending[:0]
		for _, b := range pending {
			if !b.ProcessingEndTime.After(from) {
				if rc != nil {
					rc.OnBatchCompleted(b)
				}
				out = append(out, b)
				continue
			}
			kept = append(kept, b)
		}
		pending = kept
		limits = append(limits, limit)
		n := int64(math.Min(sourceRate, limit) * interval.Seconds())
		at := from.Add(interval)
		begin := at
		if free.After(begin) {
			begin = free
		}
		end := begin.Add(time.Duration(n) * perRecord)
		free = end
		pending = append(pending, BatchInfo{
			BatchTime: TimeOf(at), SubmissionTime: at, ProcessingStartTime: begin, ProcessingEndTime: end,
			StreamIDToInputInfo: map[int]StreamInputInfo{0: {InputStreamID: 0, NumRecords: n}},
		})
	}
	return append(out, pending...), limits
}

// TestBackpressureBoundsSchedulingDelay floods a job four times faster than
// it can process, on simulated time: without backpressure the queue of
// batches grows for as long as the run lasts; with Spark's PID estimator the
// input is slowed to what the job can take and the scheduling delay stays
// bounded.
func TestBackpressureBoundsSchedulingDelay(t *testing.T) {
	const batches = 60 // 6 s
	without, _ := floodModel(false, batches)
	with, limits := floodModel(true, batches)
	last := without[len(without)-1]
	if last.SchedulingDelay() < 3*time.Second {
		t.Fatalf("without backpressure the last batch waited %v; the flood should have queued batches", last.SchedulingDelay())
	}
	for i := 1; i < len(without); i++ {
		if without[i].SchedulingDelay() < without[i-1].SchedulingDelay() {
			t.Fatalf("without backpressure the delay fell from %v to %v at batch %d", without[i-1].SchedulingDelay(), without[i].SchedulingDelay(), i+1)
		}
	}
	var worst time.Duration
	for _, b := range with[len(with)*2/3:] {
		worst = max(worst, b.SchedulingDelay())
	}
	if worst > 100*time.Millisecond {
		t.Fatalf("with backpressure the scheduling delay reached %v in the last third (without: %v)", worst, last.SchedulingDelay())
	}
	for _, r := range limits[len(limits)*2/3:] {
		if r < 40_000 || r > 60_000 {
			t.Fatalf("with backpressure the input was held to %.0f records/s in the last third, want about the 50,000 the job takes (limits %v)", r, limits)
		}
	}
}

// pushReceiver stores each block the test sends, reliably (StoreBlock), and
// says when it is stored.
type pushReceiver struct {
	BaseReceiver[int]
	blocks chan []int
	stored chan struct{}
	wg     sync.WaitGroup
}

func (r *pushReceiver) OnStart() {
	done := r.Done()
	r.wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case b := <-r.blocks:
				if r.StoreBlock(b, nil) != nil {
					return
				}
				r.stored <- struct{}{}
			}
		}
	})
}

func (r *pushReceiver) OnStop() { r.wg.Wait() }

// TestBackpressureRateFollowsBatchTimings checks the engine's wiring of
// backpressure on a manual clock: after each batch, the rate the receiver is
// held to is what Spark's PID estimator computes from that batch's timings
// as the engine recorded them. The job's work moves the clock (a cost per
// record that changes from batch to batch), so the processing delays, and
// with them the rates, are known exactly: the first batch only seeds the
// estimator, then the rate follows the job, 50,000, 25,000 and 100,000
// records/s.
func TestBackpressureRateFollowsBatchTimings(t *testing.T) {
	const initial = 1e6
	h := newHarness(t, 100*time.Millisecond, NewConf().Set(ConfBlockInterval, "20ms").
		Set(ConfBackpressure, "true").Set(ConfInitialRate, "1000000"))
	steps := []struct {
		records int
		cost    time.Duration // per record
		rate    float64       // the receiver's rate once the batch completed
	}{
		{1000, 20 * time.Microsecond, initial},
		{1000, 20 * time.Microsecond, 50_000},
		{2000, 40 * time.Microsecond, 25_000},
		{500, 10 * time.Microsecond, 100_000},
	}
	recv := &pushReceiver{blocks: make(chan []int), stored: make(chan struct{})}
	var batch int // the job's batches, one at a time
	ReceiverStream[int](h.ssc, recv).ForeachRDD(func(r *rdd.RDD[int], _ Time) error {
		n, err := r.Count()
		if n > 0 {
			h.clock.Advance(time.Duration(n) * steps[batch].cost)
			batch++
		}
		return err
	})
	h.start()
	sup := h.ssc.tracker.sups[0].(*receiverSupervisor[int])
	if got := sup.limiter.currentRate(); got != initial {
		t.Fatalf("receiver rate %v before any batch, want the initial %v", got, initial)
	}
	for k, s := range steps {
		recv.blocks <- make([]int, s.records)
		<-recv.stored
		h.clock.Set(h.batchTime(k + 1).AsTime())
		h.counter.waitBatches(t, k+1)
		h.counter.mu.Lock()
		b := h.counter.batches[k]
		h.counter.mu.Unlock()
		if n, d := b.NumRecords(), b.ProcessingDelay(); n != int64(s.records) || d != time.Duration(s.records)*s.cost {
			t.Fatalf("batch %d: %d records in %v, want %d in %v", k+1, n, d, s.records, time.Duration(s.records)*s.cost)
		}
		h.counter.waitFor(t, fmt.Sprintf("the receiver's rate after batch %d to be %v", k+1, s.rate), func() bool {
			return sup.limiter.currentRate() == s.rate
		})
	}
}
