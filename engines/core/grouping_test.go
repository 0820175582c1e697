package core

import (
	"strings"
	"testing"
	"time"
)

// ownersOf maps each value a sink saw to the tasks that saw it.
func ownersOf(l *sinkLog) map[int]map[int]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	owners := make(map[int]map[int]bool)
	for task, vs := range l.byTask {
		for _, v := range vs {
			if owners[v] == nil {
				owners[v] = make(map[int]bool)
			}
			owners[v][task] = true
		}
	}
	return owners
}

// TestFieldsGroupingAcrossRebalance sends 20 keys through a fields grouping
// while the bolt's executors and the workers change twice; every key must
// stay with one task, and no tuple may be lost, even with no ackers to
// replay it.
func TestFieldsGroupingAcrossRebalance(t *testing.T) {
	checkGoroutines(t)
	const n = 3000
	log, sink := newSpoutLog(), newSinkLog()
	b := NewTopologyBuilder()
	b.SetSpout("keys", &numberSpout{N: n, Mod: 20, Log: log}, 2)
	b.SetBolt("sink", &sinkBolt{Log: sink}, 2).SetNumTasks(6).FieldsGrouping("keys", NewFields("n"))
	conf := Config{}
	conf.SetNumAckers(0)
	conf[TopologyProducerBatchSize] = 8
	c := newCluster(t)
	if err := c.SubmitTopology("fields", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "a third of the tuples", func() bool { return sink.total() >= n/3 })
	if err := c.Rebalance("fields", RebalanceOptions{WaitSecs: 1, NumWorkers: 3, NumExecutors: map[string]int{"sink": 6}}); err != nil {
		t.Fatal(err)
	}
	m, _ := c.Metrics("fields")
	if m.Workers != 3 {
		t.Fatalf("workers after rebalance %d, want 3", m.Workers)
	}
	waitUntil(t, 10*time.Second, "two thirds of the tuples", func() bool { return sink.total() >= 2*n/3 })
	if err := c.Rebalance("fields", RebalanceOptions{WaitSecs: 1, NumWorkers: 1, NumExecutors: map[string]int{"sink": 1}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "every tuple", func() bool { return sink.total() >= n })
	if err := c.KillTopologyWithOpts("fields", KillOptions{WaitSecs: 1}); err != nil {
		t.Fatal(err)
	}
	if got := sink.total(); got != n {
		t.Fatalf("sink saw %d tuples, want %d: a rebalance lost or duplicated some", got, n)
	}
	for key, tasks := range ownersOf(sink) {
		if len(tasks) != 1 {
			t.Fatalf("key %d went to tasks %v; a fields grouping keeps a key on one task", key, tasks)
		}
	}
	if len(sink.tasks()) < 4 {
		t.Fatalf("20 keys reached only tasks %v of 6", sink.tasks())
	}
}

func TestGroupings(t *testing.T) {
	const n = 120
	for _, tc := range []struct {
		name    string
		workers int
		wire    func(d *BoltDeclarer)
		// check gets the sink's tasks and the worker of each task, the
		// spout's worker last.
		check func(t *testing.T, sink *sinkLog, tasks []int, workerOf []int)
	}{
		{"all reaches every task", 1, func(d *BoltDeclarer) { d.AllGrouping("s") },
			func(t *testing.T, sink *sinkLog, tasks []int, _ []int) {
				for _, task := range tasks {
					if got := len(sink.byTask[task]); got != n {
						t.Fatalf("task %d got %d tuples, want all %d", task, got, n)
					}
				}
			}},
		{"global goes to the lowest task", 1, func(d *BoltDeclarer) { d.GlobalGrouping("s") },
			func(t *testing.T, sink *sinkLog, tasks []int, _ []int) {
				if len(sink.byTask) != 1 || len(sink.byTask[tasks[0]]) != n {
					t.Fatalf("tasks got %v, want all at task %d", counts(sink), tasks[0])
				}
			}},
		{"shuffle gives equal shares", 1, func(d *BoltDeclarer) { d.ShuffleGrouping("s") },
			func(t *testing.T, sink *sinkLog, tasks []int, _ []int) {
				for _, task := range tasks {
					if got := len(sink.byTask[task]); got != n/len(tasks) {
						t.Fatalf("shares %v, want %d each", counts(sink), n/len(tasks))
					}
				}
			}},
		{"none behaves as shuffle", 1, func(d *BoltDeclarer) { d.NoneGrouping("s") },
			func(t *testing.T, sink *sinkLog, tasks []int, _ []int) {
				if len(sink.byTask) != len(tasks) {
					t.Fatalf("reached %v", counts(sink))
				}
			}},
		{"partial key uses at most two tasks per key", 1, func(d *BoltDeclarer) { d.PartialKeyGrouping("s", NewFields("n")) },
			func(t *testing.T, sink *sinkLog, _ []int, _ []int) {
				for key, owners := range ownersOf(sink) {
					if len(owners) > 2 {
						t.Fatalf("key %d on %d tasks", key, len(owners))
					}
				}
			}},
		{"local or shuffle stays in the worker", 2, func(d *BoltDeclarer) { d.LocalOrShuffleGrouping("s") },
			func(t *testing.T, sink *sinkLog, tasks []int, workerOf []int) {
				spoutWorker := workerOf[len(workerOf)-1]
				if len(sink.byTask) != 2 {
					t.Fatalf("reached %v; want the two sink tasks of the spout's worker", counts(sink))
				}
				for task := range sink.byTask {
					if workerOf[task] != spoutWorker {
						t.Fatalf("task %d in worker %d got tuples from the spout in worker %d", task, workerOf[task], spoutWorker)
					}
				}
			}},
		{"custom chooses", 1, func(d *BoltDeclarer) { d.CustomGrouping("s", &lastTaskGrouping{}) },
			func(t *testing.T, sink *sinkLog, tasks []int, _ []int) {
				if len(sink.byTask[tasks[len(tasks)-1]]) != n || len(sink.byTask) != 1 {
					t.Fatalf("custom grouping: %v", counts(sink))
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			log, sink := newSpoutLog(), newSinkLog()
			b := NewTopologyBuilder()
			b.SetSpout("s", &numberSpout{N: n, Mod: 7, Log: log}, 1)
			tc.wire(b.SetBolt("sink", &sinkBolt{Log: sink}, 4))
			conf := Config{}
			conf.SetNumWorkers(tc.workers)
			c := newCluster(t)
			if err := c.SubmitTopology("g", conf, b.CreateTopology()); err != nil {
				t.Fatal(err)
			}
			tp, _ := c.get("g")
			tasks := tp.plan.byID["sink"].tasks
			workerOf := append(append([]int(nil), tp.asg.workerOf...), tp.asg.workerOf[tp.plan.byID["s"].tasks[0]])
			want := n
			if tc.name == "all reaches every task" {
				want = n * len(tasks)
			}
			waitUntil(t, 10*time.Second, "the tuples", func() bool { return sink.total() >= want })
			c.KillTopologyWithOpts("g", KillOptions{})
			tc.check(t, sink, tasks, workerOf)
		})
	}
}

func counts(l *sinkLog) map[int]int {
	m := make(map[int]int)
	for k, v := range l.byTask {
		m[k] = len(v)
	}
	return m
}

// lastTaskGrouping sends everything to the last target task.
type lastTaskGrouping struct{ targets []int }

func (g *lastTaskGrouping) Prepare(_ *TopologyContext, _ GlobalStreamID, targets []int) {
	g.targets = targets
}

func (g *lastTaskGrouping) ChooseTasks(int, Values) []int { return g.targets[len(g.targets)-1:] }

// directEmitter emits each number directly to sink task n mod tasks, on
// the direct stream "d"; with Misuse it emits directly on the default
// stream, which is not direct.
type directEmitter struct {
	BaseRichSpout
	N, Sent int
	Misuse  bool
	c       *SpoutOutputCollector
	targets []int
}

func (s *directEmitter) Open(_ Config, ctx *TopologyContext, c *SpoutOutputCollector) error {
	s.c, s.targets = c, ctx.ComponentTasks("sink")
	return nil
}

func (s *directEmitter) NextTuple() {
	if s.Sent >= s.N {
		return
	}
	n := s.Sent
	s.Sent++
	stream := "d"
	if s.Misuse {
		stream = DefaultStreamID
	}
	s.c.EmitDirect(s.targets[n%len(s.targets)], stream, Values{n}, nil)
}

func (s *directEmitter) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.Declare(NewFields("n"))
	d.DeclareStream("d", true, NewFields("n"))
}

func TestDirectGrouping(t *testing.T) {
	checkGoroutines(t)
	for _, misuse := range []bool{false, true} {
		sink := newSinkLog()
		b := NewTopologyBuilder()
		b.SetSpout("s", &directEmitter{N: 30, Misuse: misuse}, 1)
		d := b.SetBolt("sink", &sinkBolt{Log: sink}, 3).DirectGrouping("s", "d")
		if misuse {
			d.ShuffleGrouping("s")
		}
		c := newCluster(t)
		if err := c.SubmitTopology("direct", nil, b.CreateTopology()); err != nil {
			t.Fatal(err)
		}
		if misuse {
			waitUntil(t, 5*time.Second, "the error", func() bool {
				m, _ := c.Metrics("direct")
				return len(m.Errors) > 0
			})
			m, _ := c.Metrics("direct")
			if !strings.Contains(m.Errors[0].Error, `EmitDirect on stream "default", which is not direct`) {
				t.Fatalf("error %q", m.Errors[0].Error)
			}
			if sink.total() != 0 {
				t.Fatal("a misused EmitDirect delivered tuples")
			}
			c.Shutdown()
			continue
		}
		waitUntil(t, 5*time.Second, "30 tuples", func() bool { return sink.total() == 30 })
		tp, _ := c.get("direct")
		tasks := tp.plan.byID["sink"].tasks
		sink.mu.Lock()
		for i, task := range tasks {
			for _, v := range sink.byTask[task] {
				if v%len(tasks) != i {
					t.Fatalf("value %d reached task %d", v, task)
				}
			}
		}
		sink.mu.Unlock()
		c.Shutdown()
	}
}

func TestEmitErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		emit func(c *OutputCollector, in *Tuple)
		want string
	}{
		{"undeclared stream", func(c *OutputCollector, in *Tuple) { c.EmitStream("nope", in, Values{1}) }, `stream "nope" is not declared`},
		{"wrong arity", func(c *OutputCollector, in *Tuple) { c.Emit(in, Values{1, 2}) }, "has fields [n] but 2 values were emitted"},
		{"direct to a non-subscriber", func(c *OutputCollector, in *Tuple) { c.EmitDirect(1, "d", in, Values{1}) }, "does not subscribe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			sink := newSinkLog()
			b := NewTopologyBuilder()
			b.SetSpout("s", &numberSpout{N: 5, Tracked: true, Log: newSpoutLog()}, 1)
			b.SetBolt("bad", &emitterBolt{Emit: tc.emit}, 1).ShuffleGrouping("s")
			b.SetBolt("sink", &sinkBolt{Log: sink}, 1).DirectGrouping("bad", "d").ShuffleGrouping("bad")
			c := newCluster(t)
			if err := c.SubmitTopology("emit", nil, b.CreateTopology()); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 5*time.Second, "the error", func() bool {
				m, _ := c.Metrics("emit")
				return len(m.Errors) > 0
			})
			m, _ := c.Metrics("emit")
			if !strings.Contains(m.Errors[0].Error, tc.want) || !strings.Contains(m.Errors[0].Error, ErrEmit.Error()) {
				t.Fatalf("error %q, want %q", m.Errors[0].Error, tc.want)
			}
		})
	}
}

// emitterBolt runs Emit on each input.
type emitterBolt struct {
	BaseRichBolt
	Emit func(c *OutputCollector, in *Tuple)
	c    *OutputCollector
}

func (b *emitterBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *emitterBolt) Execute(in *Tuple) {
	b.Emit(b.c, in)
	b.c.Ack(in)
}

func (b *emitterBolt) DeclareOutputFields(d OutputFieldsDeclarer) {
	d.Declare(NewFields("n"))
	d.DeclareStream("d", true, NewFields("n"))
}
