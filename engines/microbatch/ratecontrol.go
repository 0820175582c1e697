package microbatch

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// rateLimiter keeps a receiver under a rate in records per second, the role
// of Guava's RateLimiter inside Spark's receivers: a rate of 0 means no
// limit. Acquiring n records at once is allowed and paid for by the next
// acquirer, so bulk stores are not penalised.
type rateLimiter struct {
	clock   Clock
	limited atomic.Bool // rate > 0: the unlimited path takes no lock
	mu      sync.Mutex
	rate    float64
	next    time.Time
}

func newRateLimiter(clock Clock, rate float64) *rateLimiter {
	l := &rateLimiter{clock: clock}
	l.setRate(rate)
	return l
}

func (l *rateLimiter) setRate(r float64) {
	l.mu.Lock()
	l.rate = r
	l.limited.Store(r > 0)
	l.mu.Unlock()
}

func (l *rateLimiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// acquire waits until n records may pass; false if done closed first.
func (l *rateLimiter) acquire(n int, done <-chan struct{}) bool {
	if !l.limited.Load() {
		return true
	}
	l.mu.Lock()
	if l.rate <= 0 {
		l.mu.Unlock()
		return true
	}
	now := l.clock.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	l.mu.Unlock()
	if at.After(now) {
		return l.clock.WaitTill(at, done)
	}
	return true
}

// PIDRateEstimator computes the rate an input should receive at so that a
// batch takes about one batch interval to process, Spark's PIDRateEstimator:
//
//	processingRate  = elements / processingDelay
//	error           = latestRate - processingRate
//	historicalError = schedulingDelay x processingRate / batchInterval
//	newRate         = max(minRate, latestRate - P error - I historicalError - D dError/dt)
//
// The proportional term follows the processing rate; the integral term
// drains the backlog that scheduling delay reveals. The first batch only
// seeds latestRate.
type PIDRateEstimator struct {
	batchIntervalMs         float64
	proportional, integral  float64
	derivative, minRate     float64
	mu                      sync.Mutex
	firstRun                bool
	latestTime              int64
	latestRate, latestError float64
}

// NewPIDRateEstimator returns an estimator with Spark's defaults passed in:
// proportional 1.0, integral 0.2, derived 0.0, minRate 100.
func NewPIDRateEstimator(batchInterval time.Duration, proportional, integral, derivative, minRate float64) *PIDRateEstimator {
	return &PIDRateEstimator{
		batchIntervalMs: float64(batchInterval.Milliseconds()),
		proportional:    proportional, integral: integral, derivative: derivative, minRate: minRate,
		firstRun: true, latestTime: -1, latestRate: -1, latestError: -1,
	}
}

// Compute returns the new rate in records per second after a batch that
// ended at timeMs (ms) with elements records, processingDelay and
// schedulingDelay (ms); ok is false when there is no new estimate (the first
// batch, an empty one, or an out-of-order update).
func (e *PIDRateEstimator) Compute(timeMs, elements, processingDelayMs, schedulingDelayMs int64) (rate float64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if timeMs <= e.latestTime || elements <= 0 || processingDelayMs <= 0 {
		return 0, false
	}
	delaySinceUpdate := float64(timeMs-e.latestTime) / 1000
	processingRate := float64(elements) / float64(processingDelayMs) * 1000
	err := e.latestRate - processingRate
	historicalError := float64(schedulingDelayMs) * processingRate / e.batchIntervalMs
	dError := (err - e.latestError) / delaySinceUpdate
	newRate := math.Max(e.latestRate-e.proportional*err-e.integral*historicalError-e.derivative*dError, e.minRate)
	e.latestTime = timeMs
	if e.firstRun {
		e.latestRate = processingRate
		e.latestError = 0
		e.firstRun = false
		return 0, false
	}
	e.latestRate = newRate
	e.latestError = err
	return newRate, true
}

// rateController is the StreamingListener that turns each completed batch
// into a new rate for one input stream (Spark's RateController): receivers
// get it as their rate limit, a direct stream as its per-batch cap.
type rateController struct {
	BaseStreamingListener
	streamID  int
	estimator *PIDRateEstimator
	publish   func(rate float64)
}

func (c *rateController) OnBatchCompleted(b BatchInfo) {
	in, ok := b.StreamIDToInputInfo[c.streamID]
	if !ok {
		return
	}
	rate, ok := c.estimator.Compute(b.ProcessingEndTime.UnixMilli(), in.NumRecords, b.ProcessingDelay().Milliseconds(), b.SchedulingDelay().Milliseconds())
	if ok {
		c.publish(rate)
	}
}
