package core

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// stuckBolt forwards ("n"), except that instances prepared before the
// worker kill (generation 0) hold every tuple forever: the tuples a dead
// worker took with it.
type stuckBolt struct {
	BaseRichBolt
	Gen      *atomic.Int64
	Prepared *atomic.Int64
	c        *OutputCollector
	mine     int64
	held     []*Tuple
}

func (b *stuckBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c, b.mine = c, b.Gen.Load()
	b.Prepared.Add(1)
	return nil
}

func (b *stuckBolt) Execute(t *Tuple) {
	if b.mine == 0 {
		b.held = append(b.held, t)
		return
	}
	b.c.Emit(t, Values{t.GetValue(0)})
	b.c.Ack(t)
}

func (b *stuckBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// TestKillWorker kills the worker that runs one of two stuck bolt tasks.
// Its tuples die with it. At at-most-once they stay lost; at
// at-least-once they time out and are replayed until every one has passed
// through a restarted task.
func TestKillWorker(t *testing.T) {
	for _, tracked := range []bool{false, true} {
		t.Run(map[bool]string{false: "at-most-once", true: "at-least-once"}[tracked], func(t *testing.T) {
			checkGoroutines(t)
			const n = 200
			var gen, prepared atomic.Int64
			log, sink := newSpoutLog(), newSinkLog()
			b := NewTopologyBuilder()
			b.SetSpout("s", &numberSpout{N: n, Tracked: tracked, Log: log}, 1)
			b.SetBolt("stuck", &stuckBolt{Gen: &gen, Prepared: &prepared}, 2).ShuffleGrouping("s")
			b.SetBolt("sink", &sinkBolt{Log: sink}, 1).ShuffleGrouping("stuck")
			conf := Config{}
			conf.SetNumWorkers(2)
			if !tracked {
				conf.SetNumAckers(0)
			}
			clock := NewManualClock(time.Unix(0, 0))
			c := newCluster(t, WithClock(clock))
			if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
				t.Fatal(err)
			}
			tp, _ := c.get("t")
			waitUntil(t, 5*time.Second, "every tuple taken", func() bool {
				m, _ := c.Metrics("t")
				for _, cm := range m.Components {
					if cm.Component == "stuck" {
						return cm.Executed == n
					}
				}
				return false
			})
			// Kill the worker of the second stuck task.
			victim := tp.asg.workerOf[tp.plan.byID["stuck"].tasks[1]]
			gen.Store(1)
			if err := c.KillWorker("t", victim); err != nil {
				t.Fatal(err)
			}
			if got := prepared.Load(); got != 3 {
				t.Fatalf("Prepare called %d times; want 2 at submission and 1 at the restart", got)
			}
			if !tracked {
				// Once the spout is spent and nothing is in flight,
				// anything the restart let through has reached the sink.
				waitSpent(t, c, "t")
				if sink.total() != 0 {
					t.Fatalf("sink saw %d tuples; all were held or lost", sink.total())
				}
				return
			}
			// Timeouts fail the lost and the held trees; replays reach the
			// restarted task, round-robin, until everything got through.
			// The clock moves on by a message timeout only once the
			// topology has settled after the last move: no replay left to
			// emit and nothing in flight.
			settled := func() bool {
				log.mu.Lock()
				replays := log.emitted - n
				log.mu.Unlock()
				return log.failedTotal() == replays && tp.inflight.Load() == 0
			}
			waitUntil(t, 20*time.Second, "every value through the restarted task", func() bool {
				if sink.distinct() == n {
					return true
				}
				if settled() {
					clock.Advance(30 * time.Second)
				}
				return false
			})
			if log.failedTotal() == 0 {
				t.Fatal("nothing failed, so nothing was replayed")
			}
		})
	}
	t.Run("bad worker", func(t *testing.T) {
		c := newCluster(t)
		if err := c.SubmitTopology("t", nil, simpleTopology(newSpoutLog(), newSinkLog(), 1, false)); err != nil {
			t.Fatal(err)
		}
		if err := c.KillWorker("t", 5); !errors.Is(err, ErrInvalidTopology) {
			t.Fatalf("KillWorker(5) = %v", err)
		}
		if err := c.KillWorker("nope", 0); !errors.Is(err, ErrNotAlive) {
			t.Fatalf("KillWorker of an unknown topology = %v", err)
		}
	})
}
