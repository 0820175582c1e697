package microbatch

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// start0 is the manual clock's start: a whole number of seconds, so batch
// times are round.
var start0 = time.UnixMilli(1_700_000_000_000)

// batchCounter is a StreamingListener that counts completed batches and
// keeps their infos, like Spark's test BatchCounter.
type batchCounter struct {
	BaseStreamingListener
	mu      sync.Mutex
	cond    *sync.Cond
	batches []BatchInfo
	errors  []ReceiverInfo
}

func newBatchCounter(ssc *StreamingContext) *batchCounter {
	c := &batchCounter{}
	c.cond = sync.NewCond(&c.mu)
	ssc.AddStreamingListener(c)
	return c
}

func (c *batchCounter) OnBatchCompleted(b BatchInfo) {
	c.mu.Lock()
	c.batches = append(c.batches, b)
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *batchCounter) OnReceiverError(r ReceiverInfo) {
	c.mu.Lock()
	c.errors = append(c.errors, r)
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *batchCounter) completed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.batches)
}

// waitFor polls cond until it holds, for at most 10 s.
func (c *batchCounter) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (c *batchCounter) waitBatches(t testing.TB, n int) {
	t.Helper()
	c.waitFor(t, "batches to complete", func() bool { return c.completed() >= n })
}

// harness drives a context with a manual clock.
type harness struct {
	t       testing.TB
	ssc     *StreamingContext
	clock   *ManualClock
	out     *syncBuffer
	counter *batchCounter
}

func newHarness(t testing.TB, batch time.Duration, conf *Conf) *harness {
	t.Helper()
	clock := NewManualClock(start0)
	out := &syncBuffer{}
	if conf == nil {
		conf = NewConf()
	}
	ssc, err := NewStreamingContext(conf, batch, WithClock(clock), WithOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ssc: ssc, clock: clock, out: out, counter: newBatchCounter(ssc)}
	t.Cleanup(func() { ssc.Stop(false) })
	return h
}

func (h *harness) start() {
	h.t.Helper()
	if err := h.ssc.Start(); err != nil {
		h.t.Fatal(err)
	}
}

// runBatches advances the clock one batch at a time, waiting for each batch.
func (h *harness) runBatches(n int) {
	h.t.Helper()
	for range n {
		want := h.counter.completed() + 1
		h.clock.Advance(h.ssc.batch)
		h.counter.waitBatches(h.t, want)
	}
}

// batchTime returns the time of the k-th batch (from 1).
func (h *harness) batchTime(k int) Time { return TimeOf(start0).Add(time.Duration(k) * h.ssc.batch) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
