package core

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// TopologyExecutorStuckReportSecs is how long a task may stay in one call
// of Execute or NextTuple before it is reported as stuck, as the task's
// error. Storm reports nothing about an executor hung in user code
// (STORM-956): its tuples time out and replay while the cause stays
// hidden. The key is this package's, named in Storm's style.
const TopologyExecutorStuckReportSecs = "topology.executor.stuck.report.secs"

// callWatch lets a watchdog see that a task is inside a user call without
// reading the clock on the hot path: the executor adds one on entering
// Execute or NextTuple and one on leaving, so an odd value that has not
// changed between two looks means one call has lasted at least that long.
type callWatch struct {
	seq atomic.Uint64
	// What the watchdog last saw, and since when; reported is the seq
	// already reported as stuck, so one stuck call is reported once.
	seen      uint64
	since     time.Time
	sinceWall time.Time
	reported  uint64
}

// stuckWallMin is how long, in real time, a call must also have been seen
// under way before it is reported: the least limit the setting takes (a
// whole second), so on the wall clock it changes nothing. The limit is on
// the topology's clock, which a test may move a minute at a time: a
// NextTuple call of a few microseconds under way across such a jump, its
// goroutine descheduled for a while on a loaded machine, has not been
// stuck, and it is not still under way a second later.
const stuckWallMin = time.Second

func (w *callWatch) enter() { w.seq.Add(1) }
func (w *callWatch) leave() { w.seq.Add(1) }

// ErrStuck is the error reported for a task stuck in one call.
var ErrStuck = fmt.Errorf("task stuck in user code")

// stuckMu serializes watchdogs: during a rebalance the old assignment's
// may still be looking when the new one's starts.
var stuckMu sync.Mutex

// checkStuck looks at every task once at now and reports those that have
// been in one call for limit or longer.
func (tp *topology) checkStuck(now time.Time, limit time.Duration) {
	stuckMu.Lock()
	defer stuckMu.Unlock()
	for _, t := range tp.taskList() {
		w := &t.calls
		seq := w.seq.Load()
		if seq != w.seen || seq%2 == 0 {
			w.seen, w.since, w.sinceWall = seq, now, time.Now()
			continue
		}
		if d := now.Sub(w.since); d >= limit && time.Since(w.sinceWall) >= stuckWallMin && w.reported != seq {
			w.reported = seq
			call := "Execute"
			if t.spout != nil {
				call = "NextTuple"
			}
			t.reportError(fmt.Errorf("%w: in one %s call for %v (over %s %v); its tuples wait, and time out if it does not return",
				ErrStuck, call, d.Round(time.Millisecond), TopologyExecutorStuckReportSecs, limit))
		}
	}
}

// watchStuck checks for stuck tasks every quarter of the limit until ctx
// is done, on the topology's clock.
func (tp *topology) watchStuck(ctx context.Context) {
	secs, ok := tp.plan.conf.Int(TopologyExecutorStuckReportSecs)
	if !ok {
		return
	}
	limit := time.Duration(secs) * time.Second
	tk := tp.clock.NewTicker(limit / 4)
	go func() {
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tk.C():
				tp.checkStuck(now, limit)
			}
		}
	}()
}
