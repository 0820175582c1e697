package harness

import "time"

// Clock is the harness's time: nanoseconds since the Unix epoch, and timers.
// Tests inject a fake one to make plans and stalls deterministic.
type Clock interface {
	Now() int64
	// After delivers once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() int64 { return time.Now().UnixNano() }

// After implements Clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
