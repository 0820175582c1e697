package microbatch

import (
	"sync"
	"time"
)

// Clock is the time source of a StreamingContext: the batch timer, the block
// generator and the rate limiter all read it. Spark makes it pluggable
// (spark.streaming.clock) so its tests can drive batches with a ManualClock;
// so does streambench.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// WaitTill blocks until the clock reads at least t and returns true, or
	// until done is closed and returns false.
	WaitTill(t time.Time, done <-chan struct{}) bool
}

// SystemClock is the wall clock.
type SystemClock struct{}

var _ Clock = SystemClock{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// WaitTill implements Clock.
func (SystemClock) WaitTill(t time.Time, done <-chan struct{}) bool {
	for {
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-done:
			timer.Stop()
			return false
		}
	}
}

// ManualClock is a clock that moves only when told to, Spark's ManualClock:
// a test advances it by one batch interval and the batch for that time runs,
// with no real waiting. It is safe for concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	changed chan struct{}
}

var _ Clock = (*ManualClock)(nil)

// NewManualClock returns a ManualClock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, changed: make(chan struct{})}
}

// Now implements Clock.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and wakes every waiter whose time
// has come.
func (c *ManualClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t; a clock never moves backwards.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// WaitTill implements Clock.
func (c *ManualClock) WaitTill(t time.Time, done <-chan struct{}) bool {
	for {
		c.mu.Lock()
		reached, ch := !c.now.Before(t), c.changed
		c.mu.Unlock()
		if reached {
			return true
		}
		select {
		case <-ch:
		case <-done:
			return false
		}
	}
}

// recurringTimer calls fn at start, start+period, ... on its own goroutine,
// like Spark's RecurringTimer, until stopped. fn runs for one time at a time.
type recurringTimer struct {
	clock  Clock
	period time.Duration
	fn     func(Time)
	done   chan struct{}
	exited chan struct{}
	once   sync.Once
}

func newRecurringTimer(clock Clock, period time.Duration, fn func(Time)) *recurringTimer {
	return &recurringTimer{clock: clock, period: period, fn: fn, done: make(chan struct{}), exited: make(chan struct{})}
}

// nextTime returns the first multiple of the period strictly after now.
func nextTime(now time.Time, period time.Duration) Time {
	ms, p := now.UnixMilli(), period.Milliseconds()
	return Time((ms/p + 1) * p)
}

func (r *recurringTimer) start(first Time) {
	go func() {
		defer close(r.exited)
		for t := first; ; t = t.Add(r.period) {
			if !r.clock.WaitTill(t.AsTime(), r.done) {
				return
			}
			select {
			case <-r.done:
				return
			default:
			}
			r.fn(t)
		}
	}()
}

// stop stops the timer and waits for its goroutine; a call of fn under way
// completes first.
func (r *recurringTimer) stop() {
	r.once.Do(func() { close(r.done) })
	<-r.exited
}
