package core

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// waitQuiescent waits until nothing is in flight in the topology: every
// batch handed to the transport has been processed, and every batch that
// processing emitted too. Whatever the test caused so far (executes, acks,
// tree completions, spout callbacks) has then happened, so a check that
// something did not happen can be made without sleeping. It is meant for
// topologies whose spouts have stopped emitting.
func waitQuiescent(t testing.TB, c *LocalCluster, name string) {
	t.Helper()
	tp, err := c.get(name)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "nothing in flight", func() bool { return tp.inflight.Load() == 0 })
}

// waitSpent waits until every spout task of the topology has said it has
// nothing more to emit (FiniteSpout.Exhausted, seen by its executor after a
// round that emitted nothing) and then nothing is in flight: everything
// any spout will ever emit has been processed downstream. A restarted
// spout task counts afresh, so a spout that would emit again after a
// worker restart is waited for too.
func waitSpent(t testing.TB, c *LocalCluster, name string) {
	t.Helper()
	tp, err := c.get(name)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "exhausted spouts and nothing in flight", func() bool {
		tp.mu.Lock()
		tasks := tp.tasks
		tp.mu.Unlock()
		for _, tk := range tasks {
			if tk != nil && tk.spout != nil && (tk.finite == nil || !tk.exhausted.Load()) {
				return false
			}
		}
		return tp.inflight.Load() == 0
	})
}

// checkGoroutines fails the test if goroutines started during it are still
// running at its end (after its cleanups, which run first).
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				n := runtime.Stack(buf, true)
				t.Fatalf("%d goroutines left behind (had %d):\n%s", runtime.NumGoroutine()-before, before, buf[:n])
			}
			time.Sleep(time.Millisecond)
		}
	})
}

// newCluster returns a cluster shut down at the end of the test.
func newCluster(t *testing.T, opts ...ClusterOption) *LocalCluster {
	c := NewLocalCluster(append([]ClusterOption{WithSeed(1)}, opts...)...)
	t.Cleanup(c.Shutdown)
	return c
}

// spoutLog is shared by every task of a numberSpout.
type spoutLog struct {
	mu          sync.Mutex
	acked       map[int]int
	failed      map[int]int
	emitted     int
	activations int
	calls       atomic.Int64 // NextTuple calls
	// callsInactive counts NextTuple calls made while the spout was not
	// active (before its Activate, or between Deactivate and Activate),
	// which Storm never makes.
	callsInactive atomic.Int64
	active        atomic.Bool
}

func newSpoutLog() *spoutLog {
	return &spoutLog{acked: make(map[int]int), failed: make(map[int]int)}
}

func (l *spoutLog) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

func (l *spoutLog) failedTotal() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.failed {
		n += c
	}
	return n
}

// numberSpout emits 0..N-1 ("n"), spread over its tasks, with the number as
// message id when Tracked, and emits a failed number again.
type numberSpout struct {
	BaseRichSpout
	N       int
	Tracked bool
	Log     *spoutLog
	// Stream, when set, is the stream emitted on instead of the default.
	Stream string
	// Mod, when set, makes the emitted value n mod Mod (the id stays n).
	Mod int

	collector *SpoutOutputCollector
	next      int
	step      int
	replay    []int
}

func (s *numberSpout) Open(_ Config, ctx *TopologyContext, c *SpoutOutputCollector) error {
	s.collector = c
	s.next = ctx.ThisTaskIndex()
	s.step = len(ctx.ComponentTasks(ctx.ThisComponentID()))
	return nil
}

func (s *numberSpout) NextTuple() {
	s.Log.calls.Add(1)
	if !s.Log.active.Load() {
		s.Log.callsInactive.Add(1)
	}
	var n int
	switch {
	case len(s.replay) > 0:
		n = s.replay[0]
		s.replay = s.replay[1:]
	case s.next < s.N:
		n = s.next
		s.next += s.step
	default:
		return
	}
	var id any
	if s.Tracked {
		id = n
	}
	s.Log.mu.Lock()
	s.Log.emitted++
	s.Log.mu.Unlock()
	v := n
	if s.Mod > 0 {
		v = n % s.Mod
	}
	if s.Stream != "" {
		s.collector.EmitStream(s.Stream, Values{v}, id)
		return
	}
	s.collector.Emit(Values{v}, id)
}

func (s *numberSpout) Ack(id any) {
	s.Log.mu.Lock()
	s.Log.acked[id.(int)]++
	s.Log.mu.Unlock()
}

func (s *numberSpout) Fail(id any) {
	s.Log.mu.Lock()
	s.Log.failed[id.(int)]++
	s.Log.mu.Unlock()
	s.replay = append(s.replay, id.(int))
}

func (s *numberSpout) Activate() {
	s.Log.active.Store(true)
	s.Log.mu.Lock()
	s.Log.activations++
	s.Log.mu.Unlock()
}

func (s *numberSpout) Deactivate() { s.Log.active.Store(false) }

func (s *numberSpout) Exhausted() bool { return s.next >= s.N && len(s.replay) == 0 }

func (s *numberSpout) DeclareOutputFields(d OutputFieldsDeclarer) {
	if s.Stream != "" {
		d.DeclareStream(s.Stream, false, NewFields("n"))
		return
	}
	d.Declare(NewFields("n"))
}

// passBolt forwards its input (a BasicBolt: anchored and acked for it).
type passBolt struct{ BaseBasicBolt }

func (passBolt) Execute(t *Tuple, c *BasicOutputCollector) error {
	c.Emit(Values{t.GetValue(0)})
	return nil
}

func (passBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// sinkLog records what sinkBolt tasks received.
type sinkLog struct {
	mu     sync.Mutex
	byTask map[int][]int
	count  map[int]int // times each value was seen
	ticks  int
}

func newSinkLog() *sinkLog { return &sinkLog{byTask: make(map[int][]int), count: make(map[int]int)} }

func (l *sinkLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, v := range l.byTask {
		n += len(v)
	}
	return n
}

func (l *sinkLog) distinct() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.count)
}

func (l *sinkLog) tasks() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ts []int
	for k := range l.byTask {
		ts = append(ts, k)
	}
	sort.Ints(ts)
	return ts
}

// sinkBolt records ("n") per task and acks.
type sinkBolt struct {
	BaseRichBolt
	Log       *sinkLog
	collector *OutputCollector
	task      int
}

func (b *sinkBolt) Prepare(_ Config, ctx *TopologyContext, c *OutputCollector) error {
	b.collector, b.task = c, ctx.ThisTaskID()
	return nil
}

func (b *sinkBolt) Execute(t *Tuple) {
	b.Log.mu.Lock()
	if IsTick(t) {
		b.Log.ticks++
	} else {
		n := t.GetInt(0)
		b.Log.byTask[b.task] = append(b.Log.byTask[b.task], n)
		b.Log.count[n]++
	}
	b.Log.mu.Unlock()
	b.collector.Ack(t)
}

func (b *sinkBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// faultyBolt forwards ("n") and acks, except that every K-th tuple it sees
// (per task) is dropped (neither acked nor failed) or failed.
type faultyBolt struct {
	BaseRichBolt
	K         int
	Drop      bool
	collector *OutputCollector
	seen      int
}

func (b *faultyBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.collector = c
	return nil
}

func (b *faultyBolt) Execute(t *Tuple) {
	b.seen++
	if b.seen%b.K == 0 {
		if !b.Drop {
			b.collector.Fail(t)
		}
		return
	}
	b.collector.Emit(t, Values{t.GetValue(0)})
	b.collector.Ack(t)
}

func (b *faultyBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// panicBolt panics on every K-th tuple and forwards the others.
type panicBolt struct {
	BaseBasicBolt
	K    int
	seen int
}

func (b *panicBolt) Execute(t *Tuple, c *BasicOutputCollector) error {
	b.seen++
	if b.seen%b.K == 0 {
		panic(fmt.Sprintf("bad tuple %v", t.GetValue(0)))
	}
	c.Emit(Values{t.GetValue(0)})
	return nil
}

func (b *panicBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }
