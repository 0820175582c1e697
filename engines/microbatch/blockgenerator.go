package microbatch

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// blockQueueSize is how many cut blocks may wait to be pushed
// (spark.streaming.blockQueueSize): beyond it, cutting waits for pushing.
const blockQueueSize = 10

// blockGenerator cuts the records a receiver stores one at a time into
// blocks, Spark's BlockGenerator: records are appended to a buffer, a timer
// swaps the buffer out every block interval, and a pushing goroutine hands
// each block to the supervisor. A batch's blocks become its RDD's partitions,
// so batch interval / block interval sets a receiver's parallelism.
//
// One refinement over Spark: before a batch at time t takes its blocks, the
// job generator waits for the block cut at t to be pushed (syncTo), so that
// a record stored before a batch time is in that batch. In Spark the two
// timers race and such a record may slip into the next batch.
type blockGenerator[T any] struct {
	clock    Clock
	interval time.Duration
	push     func([]T, any) error
	merge    func(acc, m any) any
	timer    *recurringTimer

	mu      sync.Mutex
	cond    *sync.Cond
	buf     []T
	meta    any // metadata of the records in buf, merged
	stopped bool
	lastCut Time
	cut     int64 // blocks cut
	pushed  int64 // blocks pushed
	queue   chan cutBlock[T]
	exited  chan struct{}
	// discarding is set by abandon: blocks not yet pushed are dropped.
	discarding atomic.Bool
}

// cutBlock is a block waiting to be pushed, with its records' metadata.
type cutBlock[T any] struct {
	records []T
	meta    any
}

func newBlockGenerator[T any](clock Clock, interval time.Duration, push func([]T, any) error, merge func(acc, m any) any) *blockGenerator[T] {
	g := &blockGenerator[T]{clock: clock, interval: interval, push: push, merge: merge, queue: make(chan cutBlock[T], blockQueueSize), exited: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *blockGenerator[T]) start() {
	first := nextTime(g.clock.Now(), g.interval)
	g.lastCut = first.Add(-g.interval)
	g.timer = newRecurringTimer(g.clock, g.interval, g.cutBlock)
	g.timer.start(first)
	go g.pushLoop()
}

func (g *blockGenerator[T]) add(v T) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return ErrReceiverStopped
	}
	g.buf = append(g.buf, v)
	return nil
}

// addMany buffers records with their metadata, under one lock.
func (g *blockGenerator[T]) addMany(vs []T, meta any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return ErrReceiverStopped
	}
	if need := len(g.buf) + len(vs); need > cap(g.buf) {
		// Double rather than let append grow a large buffer by a quarter at
		// a time, copying the block again on every growth.
		g.buf = slices.Grow(g.buf, max(need, 2*cap(g.buf))-len(g.buf))
	}
	g.buf = append(g.buf, vs...)
	if meta != nil {
		g.meta = g.merge(g.meta, meta)
	}
	return nil
}

// take swaps out the buffer; the caller holds g.mu.
func (g *blockGenerator[T]) take() cutBlock[T] {
	blk := cutBlock[T]{records: g.buf, meta: g.meta}
	// The next block is sized like this one with room to spare, so a
	// stream of steady or slowly rising rate appends without regrowing (and
	// copying) its buffer.
	g.buf, g.meta = make([]T, 0, len(blk.records)+len(blk.records)/2), nil
	if len(blk.records) > 0 {
		g.cut++
	}
	return blk
}

// cutBlock swaps out the buffer at block time t.
func (g *blockGenerator[T]) cutBlock(t Time) {
	g.mu.Lock()
	blk := g.take()
	g.mu.Unlock()
	if len(blk.records) > 0 {
		g.queue <- blk
	}
	g.mu.Lock()
	g.lastCut = t
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *blockGenerator[T]) pushLoop() {
	defer close(g.exited)
	for blk := range g.queue {
		// A push error has been reported by the supervisor; the block's
		// records are lost, as with an unreliable receiver in Spark.
		if !g.discarding.Load() {
			_ = g.push(blk.records, blk.meta)
		}
		g.mu.Lock()
		g.pushed++
		g.cond.Broadcast()
		g.mu.Unlock()
	}
}

// syncTo waits until the block due at t has been cut and every cut block
// pushed, or the generator or its receiver stops.
func (g *blockGenerator[T]) syncTo(t Time, done <-chan struct{}) {
	aligned := Time(t.Milliseconds() / g.interval.Milliseconds() * g.interval.Milliseconds())
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-done:
			g.mu.Lock()
			g.cond.Broadcast()
			g.mu.Unlock()
		case <-stop:
		}
	}()
	g.mu.Lock()
	defer g.mu.Unlock()
	for !g.stopped && (g.lastCut < aligned || g.pushed < g.cut) {
		select {
		case <-done:
			return
		default:
		}
		g.cond.Wait()
	}
}

// abandon makes stop drop what is buffered and queued instead of pushing
// it: a context stopped at once does not wait for blocks no batch will
// process (each may be a write-ahead log append and fsync). A block being
// pushed completes. The records dropped were never acknowledged to the
// source (a reliable receiver acknowledges a block once it is stored), so
// at-least-once holds for a source that replays them.
func (g *blockGenerator[T]) abandon() { g.discarding.Store(true) }

// stop stops the timer, cuts what is buffered into a last block and waits
// for every block to be pushed (or dropped, once abandoned).
func (g *blockGenerator[T]) stop() {
	if g.timer == nil {
		return
	}
	g.timer.stop()
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.stopped = true
	blk := g.take()
	g.mu.Unlock()
	if len(blk.records) > 0 && !g.discarding.Load() {
		g.queue <- blk
	}
	close(g.queue)
	<-g.exited
	g.mu.Lock()
	g.cond.Broadcast()
	g.mu.Unlock()
}
