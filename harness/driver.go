package harness

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/streambench/streambench/harness/resultfile"
)

// DriverConfig is an open-loop plan.
type DriverConfig struct {
	// Rate is the offered load in records per second; 0 means as fast as
	// the engine takes them (each record is then due when it is published).
	Rate float64
	// Records ends the plan after this many records; Duration after this
	// long. Exactly one is set.
	Records  int64
	Duration time.Duration
	// Backlog bounds the published records per partition the engine has not
	// fetched yet: the source's capacity. A full source makes the driver fall
	// behind its plan; the lag is send delay and the records' latency still
	// counts from when they were due.
	Backlog int64
	// Tick is the longest the driver sleeps between publishes when records
	// are due; shorter ticks cost more wake-ups, longer ones more send delay.
	Tick time.Duration
}

// Driver publishes a plan's records to a Log.
type Driver struct {
	cfg   DriverConfig
	src   Log
	clock Clock
	delay *resultfile.Histogram // send delay: actual publish time minus intended

	start int64
	sent  atomic.Int64 // records published, over all partitions
	parts int64
	// finishedAt is when the plan completed; read it after Run returns.
	finishedAt int64
	err        error // the first failed publish

}

// NewDriver returns a driver for the plan, starting at start (nanoseconds
// since the Unix epoch).
func NewDriver(cfg DriverConfig, src Log, clock Clock, start int64) *Driver {
	if cfg.Tick <= 0 {
		cfg.Tick = 200 * time.Microsecond
	}
	return &Driver{cfg: cfg, src: src, clock: clock, delay: resultfile.NewHistogram(), start: start, parts: int64(src.Partitions())}
}

// Sent returns how many records have been published.
func (d *Driver) Sent() int64 { return d.sent.Load() }

// SendDelay returns the send delay histogram; read it after Run returns.
func (d *Driver) SendDelay() *resultfile.Histogram { return d.delay }

// intended returns when record g of the stream is due.
func (d *Driver) intended(g int64) int64 {
	return d.start + int64(float64(g)*1e9/d.cfg.Rate)
}

// due returns how many records the plan has due by now.
func (d *Driver) due(now int64) int64 {
	var n int64
	if d.cfg.Rate > 0 {
		if now >= d.start {
			n = int64(float64(now-d.start)*d.cfg.Rate/1e9) + 1
		}
	} else {
		n = 1 << 62 // as many as the source takes
	}
	if d.cfg.Records > 0 {
		n = min(n, d.cfg.Records)
	}
	return n
}

// finished reports whether the plan is complete at now, given sent records.
func (d *Driver) finished(now, sent int64) bool {
	if d.cfg.Records > 0 {
		return sent >= d.cfg.Records
	}
	if d.cfg.Rate > 0 {
		return sent >= int64(d.cfg.Duration.Seconds()*d.cfg.Rate)
	}
	return now >= d.start+int64(d.cfg.Duration)
}

// Step publishes every record due at now that the source has room for, in
// stream order, and returns how many it published. Record g goes to
// partition g mod P at offset g div P.
func (d *Driver) Step(now int64) int64 {
	sent := d.sent.Load()
	target := d.due(now)
	if d.cfg.Records == 0 && d.cfg.Rate > 0 {
		target = min(target, int64(d.cfg.Duration.Seconds()*d.cfg.Rate))
	}
	// Records stay in stream order: stop at the first whose partition is full.
	for p, read := range d.src.ReadOffsets() {
		p := int64(p)
		limit := read + d.cfg.Backlog // offsets below limit fit
		if g := limit*d.parts + p; g < target {
			target = g
		}
	}
	if target <= sent {
		return 0
	}
	if d.cfg.Rate > 0 {
		for g := sent; g < target; g++ {
			d.delay.Record(time.Duration(now - d.intended(g)))
		}
	}
	for p := range d.parts {
		end := (target + d.parts - 1 - p) / d.parts // records of p among the first target
		var err error
		if d.cfg.Rate > 0 {
			err = d.src.Publish(int(p), end, func(o int64) int64 { return d.intended(o*d.parts + p) })
		} else {
			err = d.src.Publish(int(p), end, func(int64) int64 { return now })
		}
		if err != nil && d.err == nil {
			d.err = fmt.Errorf("publish to partition %d: %w", p, err)
		}
	}
	d.sent.Store(target)
	return target - sent
}

// Run publishes the plan until it is complete, then closes the source. It
// returns ctx.Err() if ctx ends first (the source is closed then too), and
// the source's error if a publish or the close fails.
func (d *Driver) Run(ctx context.Context) (err error) {
	defer func() {
		if cerr := d.src.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close the source: %w", cerr)
		}
	}()
	if err := d.sleep(ctx, time.Duration(d.start-d.clock.Now())); err != nil {
		return err
	}
	if w, ok := d.src.(ConnectWaiter); ok {
		if err := w.WaitConnected(ctx); err != nil {
			return err
		}
	}
	for {
		now := d.clock.Now()
		d.Step(now)
		if d.err != nil {
			return d.err
		}
		sent := d.sent.Load()
		if d.finished(now, sent) {
			d.finishedAt = now
			return nil
		}
		if d.cfg.Rate > 0 && d.due(now) <= sent {
			// On plan: sleep until the next record is due, at most a tick.
			wait := min(time.Duration(d.intended(sent)-now), d.cfg.Tick)
			if err := d.sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		// The source is full (or the plan is "as fast as taken"): wait for
		// the engine to fetch, or a tick.
		select {
		case <-d.src.Progress():
		case <-d.clock.After(d.cfg.Tick):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (d *Driver) sleep(ctx context.Context, wait time.Duration) error {
	if wait <= 0 {
		return ctx.Err()
	}
	select {
	case <-d.clock.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
