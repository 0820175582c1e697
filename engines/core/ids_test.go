package core

import (
	"testing"
	"time"
)

// TestRestartedTaskDrawsNewIDs: a task restarted with its worker draws root
// and edge ids from a sequence of its own. Were it seeded as its first
// incarnation was, the new spout's first trees would reuse the root ids of
// trees the dead one left pending at the acker, and the XOR of one tree
// would mix with another's: a tree could be acked while tuples of it were
// still lost.
func TestRestartedTaskDrawsNewIDs(t *testing.T) {
	checkGoroutines(t)
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 10, Tracked: true, Log: newSpoutLog()}, 2)
	b.SetBolt("sink", &sinkBolt{Log: newSinkLog()}, 1).ShuffleGrouping("s")
	conf := Config{}
	conf.SetNumWorkers(2)
	c := newCluster(t, WithSeed(7), WithClock(NewManualClock(time.Unix(0, 0))))
	if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	tp, _ := c.get("t")
	id := tp.plan.byID["s"].tasks[1]
	victim := tp.asg.workerOf[id]
	if err := c.KillWorker("t", victim); err != nil {
		t.Fatal(err)
	}
	tp.mu.Lock()
	restarted := tp.tasks[id]
	tp.mu.Unlock()
	if restarted.incarnation != 1 {
		t.Fatalf("the restarted task is incarnation %d, want 1", restarted.incarnation)
	}
	for _, tc := range []struct{ a, b int }{{0, 1}, {1, 2}, {0, 5}} {
		first := tp.newTask(restarted.comp, id, tc.a).rng
		again := tp.newTask(restarted.comp, id, tc.b).rng
		seen := map[uint64]bool{}
		for range 10000 {
			seen[first.id()] = true
		}
		for i := range 10000 {
			if v := again.id(); seen[v] {
				t.Fatalf("incarnations %d and %d of task %d both draw id %x (draw %d)", tc.a, tc.b, id, v, i)
			}
		}
	}
	// The same incarnation draws the same ids: runs stay reproducible
	// under WithSeed.
	x, y := tp.newTask(restarted.comp, id, 3).rng, tp.newTask(restarted.comp, id, 3).rng
	if x.id() != y.id() {
		t.Fatal("one incarnation seeded two ways")
	}
}
