package core

import (
	"sync"
	"time"
)

// Clock is the source of time for message timeouts, tick tuples, windows
// and latency metrics. A LocalCluster uses the wall clock unless given
// another with WithClock; tests drive a ManualClock so that a 30-second
// message timeout takes no time at all.
type Clock interface {
	Now() time.Time
	// NewTicker returns a ticker that delivers the time every d, dropping
	// ticks a slow receiver misses, like time.Ticker.
	NewTicker(d time.Duration) Ticker
}

// Ticker is a Clock's periodic timer.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// WallClock is the real time.
type WallClock struct{}

// Now returns time.Now().
func (WallClock) Now() time.Time { return time.Now() }

// NewTicker returns a time.Ticker.
func (WallClock) NewTicker(d time.Duration) Ticker { return wallTicker{time.NewTicker(d)} }

type wallTicker struct{ t *time.Ticker }

func (w wallTicker) C() <-chan time.Time { return w.t.C }
func (w wallTicker) Stop()               { w.t.Stop() }

// ManualClock is a Clock that moves only when Advance is called. Its tickers
// fire during Advance, once for every period crossed (a receiver that has
// not taken the previous tick misses the next, as with time.Ticker).
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers map[*manualTicker]struct{}
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, tickers: make(map[*manualTicker]struct{})}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTicker returns a ticker firing every d of manual time.
func (c *ManualClock) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("core: non-positive ticker period")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTicker{clock: c, period: d, next: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.tickers[t] = struct{}{}
	return t
}

// Advance moves the clock forward by d, firing the tickers due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.tickers {
		for !t.next.After(c.now) {
			select {
			case t.ch <- t.next:
			default:
			}
			t.next = t.next.Add(t.period)
		}
	}
}

// Tickers returns the number of running tickers, so a test can wait for the
// executors it drives to have started theirs.
func (c *ManualClock) Tickers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tickers)
}

type manualTicker struct {
	clock  *ManualClock
	period time.Duration
	next   time.Time
	ch     chan time.Time
}

func (t *manualTicker) C() <-chan time.Time { return t.ch }

func (t *manualTicker) Stop() {
	t.clock.mu.Lock()
	delete(t.clock.tickers, t)
	t.clock.mu.Unlock()
}
