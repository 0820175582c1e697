package core

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func simpleTopology(log *spoutLog, sink *sinkLog, n int, tracked bool) *StormTopology {
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: n, Tracked: tracked, Log: log}, 1)
	b.SetBolt("pass", passBolt{}, 2).ShuffleGrouping("s")
	b.SetBolt("sink", &sinkBolt{Log: sink}, 1).ShuffleGrouping("pass")
	return b.CreateTopology()
}

func TestClusterErrors(t *testing.T) {
	checkGoroutines(t)
	c := newCluster(t)
	if err := c.SubmitTopology("one", nil, simpleTopology(newSpoutLog(), newSinkLog(), 1, false)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		is   error
		want string
	}{
		{"kill unknown", c.KillTopology("nope"), ErrNotAlive, `topology "nope": topology not alive (running: one)`},
		{"activate unknown", c.Activate("nope"), ErrNotAlive, `"nope"`},
		{"deactivate unknown", c.Deactivate("nope"), ErrNotAlive, `"nope"`},
		{"rebalance unknown", c.Rebalance("nope", RebalanceOptions{}), ErrNotAlive, `"nope"`},
		{"submit twice", c.SubmitTopology("one", nil, simpleTopology(newSpoutLog(), newSinkLog(), 1, false)), ErrAlreadyAlive, `submit "one"`},
		{"invalid topology", c.SubmitTopology("two", nil, NewTopologyBuilder().CreateTopology()), ErrInvalidTopology, "no components"},
		{"invalid config", c.SubmitTopology("two", Config{"topology.wokers": 1}, simpleTopology(newSpoutLog(), newSinkLog(), 1, false)), ErrInvalidConfig, `did you mean "topology.workers"`},
		{"rebalance above tasks", c.Rebalance("one", RebalanceOptions{NumExecutors: map[string]int{"pass": 3}}), ErrInvalidTopology, `3 executors, but it has 2 tasks`},
		{"rebalance unknown component", c.Rebalance("one", RebalanceOptions{NumExecutors: map[string]int{"x": 1}}), ErrInvalidTopology, `no component "x"`},
	} {
		if !errors.Is(tc.err, tc.is) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %v containing %q", tc.name, tc.err, tc.is, tc.want)
		}
	}
	if got := c.Topologies(); len(got) != 1 || got[0] != "one" {
		t.Fatalf("topologies %v", got)
	}
	c.Shutdown()
	if err := c.SubmitTopology("three", nil, simpleTopology(newSpoutLog(), newSinkLog(), 1, false)); !errors.Is(err, ErrClusterShutdown) {
		t.Fatalf("submit after shutdown: %v", err)
	}
}

// failingOpen refuses to open.
type failingOpen struct{ numberSpout }

func (failingOpen) Open(Config, *TopologyContext, *SpoutOutputCollector) error {
	return errors.New("broker unreachable")
}

func TestOpenErrorRefusesTopology(t *testing.T) {
	checkGoroutines(t)
	b := NewTopologyBuilder()
	b.SetSpout("s", &failingOpen{}, 1)
	b.SetBolt("b", passBolt{}, 1).ShuffleGrouping("s")
	c := newCluster(t)
	err := c.SubmitTopology("t", nil, b.CreateTopology())
	var te *TaskError
	if !errors.As(err, &te) || te.Component != "s" || !strings.Contains(err.Error(), "broker unreachable") {
		t.Fatalf("submit: %v", err)
	}
	if len(c.Topologies()) != 0 {
		t.Fatal("refused topology left running")
	}
}

// TestActivateDeactivate checks that a deactivated spout is not polled,
// that its Activate and Deactivate are called, and that it resumes. The
// spout itself counts NextTuple calls made while it is not active: Storm
// calls Deactivate and NextTuple on the executor's goroutine, so a call
// after Deactivate and before the next Activate is seen whenever it is
// made, and Activate can only be called in a later round than the one
// that deactivated the spout.
func TestActivateDeactivate(t *testing.T) {
	checkGoroutines(t)
	log, sink := newSpoutLog(), newSinkLog()
	c := newCluster(t)
	if err := c.SubmitTopology("t", nil, simpleTopology(log, sink, 1<<30, false)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "activation", log.active.Load)
	waitUntil(t, 5*time.Second, "tuples", func() bool { return sink.total() > 100 })
	for cycle := 1; cycle <= 3; cycle++ {
		if err := c.Deactivate("t"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 5*time.Second, "Deactivate", func() bool { return !log.active.Load() })
		if m, _ := c.Metrics("t"); m.Status != "INACTIVE" {
			t.Fatalf("status %q", m.Status)
		}
		calls := log.calls.Load()
		if err := c.Activate("t"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 5*time.Second, "NextTuple again", func() bool { return log.calls.Load() > calls })
		if n := log.callsInactive.Load(); n != 0 {
			t.Fatalf("cycle %d: NextTuple called %d times while the spout was deactivated", cycle, n)
		}
		log.mu.Lock()
		activations := log.activations
		log.mu.Unlock()
		if activations != cycle+1 {
			t.Fatalf("Activate called %d times, want %d (start and %d reactivations)", activations, cycle+1, cycle)
		}
	}
}

// gateBolt holds every tuple until its gate opens, then acks them all.
type gateBolt struct {
	BaseRichBolt
	Gate *gate
	c    *OutputCollector
	held []*Tuple
}

type gate struct {
	mu       sync.Mutex
	open     bool
	received int
}

func (g *gate) set(open bool) {
	g.mu.Lock()
	g.open = open
	g.mu.Unlock()
}

func (g *gate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.received
}

func (b *gateBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *gateBolt) Execute(t *Tuple) {
	b.Gate.mu.Lock()
	b.Gate.received++
	open := b.Gate.open
	b.Gate.mu.Unlock()
	if IsTick(t) {
		if open {
			for _, h := range b.held {
				b.c.Ack(h)
			}
			b.held = b.held[:0]
		}
		return
	}
	b.held = append(b.held, t)
	if open {
		for _, h := range b.held {
			b.c.Ack(h)
		}
		b.held = b.held[:0]
	}
}

func (b *gateBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// TestMaxSpoutPending holds every tuple un-acked: the spout must stop at
// topology.max.spout.pending tuples in flight, and go on once they are
// acked.
func TestMaxSpoutPending(t *testing.T) {
	checkGoroutines(t)
	log, g := newSpoutLog(), &gate{}
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 200, Tracked: true, Log: log}, 1)
	b.SetBolt("gate", &gateBolt{Gate: g}, 1).ShuffleGrouping("s")
	conf := Config{}
	conf.SetMaxSpoutPending(25)
	conf.SetTickTupleFreqSecs(1)
	clock := NewManualClock(time.Unix(0, 0))
	c := newCluster(t, WithClock(clock))
	if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	// The spout's skip metric says it has found itself at the limit and
	// waited; once nothing is in flight, every tuple it emitted before
	// that has reached the gate.
	waitUntil(t, 5*time.Second, "the spout to wait at max.spout.pending", func() bool {
		m, _ := c.Metrics("t")
		for _, cm := range m.Components {
			if cm.Component == "s" {
				return cm.SkippedMaxSpoutMs > 0
			}
		}
		return false
	})
	waitQuiescent(t, c, "t")
	if got := g.count(); got != 25 {
		t.Fatalf("spout emitted %d tuples with max.spout.pending 25", got)
	}
	m, _ := c.Metrics("t")
	for _, cm := range m.Components {
		if cm.Component == "s" && (cm.Pending != 25 || cm.Emitted["default"] != 25) {
			t.Fatalf("spout pending %d, emitted %d, want 25 and 25", cm.Pending, cm.Emitted["default"])
		}
	}
	g.set(true)
	clock.Advance(time.Second) // a tick releases the held tuples
	waitUntil(t, 5*time.Second, "every tuple acked", func() bool { return log.ackedCount() == 200 })
}

// TestBackpressure blocks the only bolt: its queue fills, the spout stops
// being polled, and once the bolt moves again every tuple arrives exactly
// once: a full queue never drops.
func TestBackpressure(t *testing.T) {
	checkGoroutines(t)
	log, sink := newSpoutLog(), newSinkLog()
	release := make(chan struct{})
	var once sync.Once
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 2000, Log: log}, 1)
	b.SetBolt("slow", &blockingBolt{Release: release}, 1).ShuffleGrouping("s")
	b.SetBolt("sink", &sinkBolt{Log: sink}, 1).ShuffleGrouping("slow")
	conf := Config{}
	conf.SetNumAckers(0)
	conf[TopologyExecutorReceiveBufferSize] = 16
	conf[TopologyProducerBatchSize] = 4
	c := newCluster(t)
	// Registered after the cluster's shutdown, so it runs first.
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	// The queue holds 4 batches of 4; the spout stops soon after.
	waitUntil(t, 5*time.Second, "the spout to be held back", func() bool {
		m, _ := c.Metrics("t")
		for _, cm := range m.Components {
			if cm.Component == "s" {
				return cm.SkippedBackpressureMs > 0
			}
		}
		return false
	})
	log.mu.Lock()
	emitted := log.emitted
	log.mu.Unlock()
	if emitted >= 2000 {
		t.Fatalf("spout emitted all %d tuples into a blocked bolt", emitted)
	}
	once.Do(func() { close(release) })
	waitUntil(t, 10*time.Second, "every tuple", func() bool { return sink.total() == 2000 })
	if sink.distinct() != 2000 {
		t.Fatalf("%d distinct of 2000", sink.distinct())
	}
}

// blockingBolt forwards tuples once Release is closed.
type blockingBolt struct {
	BaseBasicBolt
	Release chan struct{}
}

func (b *blockingBolt) Execute(t *Tuple, c *BasicOutputCollector) error {
	<-b.Release
	c.Emit(Values{t.GetValue(0)})
	return nil
}

func (b *blockingBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// TestPanicsAreReported makes a bolt panic on every 10th tuple and a spout
// panic once: both are reported errors, the tuples are failed and replayed,
// and the topology goes on to ack everything.
func TestPanicsAreReported(t *testing.T) {
	checkGoroutines(t)
	log, sink := newSpoutLog(), newSinkLog()
	b := NewTopologyBuilder()
	b.SetSpout("s", &panickySpout{numberSpout: numberSpout{N: 100, Tracked: true, Log: log}}, 1)
	b.SetBolt("p", &panicBolt{K: 10}, 1).ShuffleGrouping("s")
	b.SetBolt("sink", &sinkBolt{Log: sink}, 1).ShuffleGrouping("p")
	c := newCluster(t)
	if err := c.SubmitTopology("t", nil, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "every tuple acked", func() bool { return log.ackedCount() == 100 })
	m, _ := c.Metrics("t")
	var spoutErr, boltErr bool
	for _, e := range m.Errors {
		spoutErr = spoutErr || e.Component == "s" && strings.Contains(e.Error, "panic: spout hiccup")
		boltErr = boltErr || e.Component == "p" && strings.Contains(e.Error, "panic: bad tuple")
	}
	if !spoutErr || !boltErr {
		t.Fatalf("errors %+v; want the spout's and the bolt's panics", m.Errors)
	}
	if log.failedTotal() == 0 {
		t.Fatal("no tuple failed after a panic")
	}
	if sink.distinct() != 100 {
		t.Fatalf("sink saw %d distinct of 100", sink.distinct())
	}
}

type panickySpout struct {
	numberSpout
	panicked bool
}

func (s *panickySpout) NextTuple() {
	if !s.panicked {
		s.panicked = true
		panic("spout hiccup")
	}
	s.numberSpout.NextTuple()
}

// permitBolt holds every tuple and, on each tick, acks as many of the
// held ones as the test has permitted so far.
type permitBolt struct {
	BaseRichBolt
	Permits *atomic.Int64 // tuples the bolt may ack in all
	Held    *atomic.Int64 // tuples received and not yet acked
	c       *OutputCollector
	held    []*Tuple
	acked   int64
}

func (b *permitBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *permitBolt) Execute(t *Tuple) {
	if !IsTick(t) {
		b.held = append(b.held, t)
		b.Held.Add(1)
		return
	}
	for len(b.held) > 0 && b.acked < b.Permits.Load() {
		b.c.Ack(b.held[0])
		b.held = b.held[1:]
		b.acked++
		b.Held.Add(-1)
	}
}

func (b *permitBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// TestKillWaitsForTrees kills a topology while its trees are held open:
// the kill deactivates the spout and then waits, with the executors still
// running, while any tree is incomplete. The bolt completes all trees but
// one while the kill waits, which proves the topology still runs; with
// one tree open the kill must not have returned (its wait, 60 s, is far
// off); it returns once the last tree completes.
func TestKillWaitsForTrees(t *testing.T) {
	checkGoroutines(t)
	const n = 50
	log := newSpoutLog()
	var permits, held atomic.Int64
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: n, Tracked: true, Log: log}, 1)
	b.SetBolt("hold", &permitBolt{Permits: &permits, Held: &held}, 1).ShuffleGrouping("s")
	conf := Config{}
	conf.SetTickTupleFreqSecs(1)
	clock := NewManualClock(time.Unix(0, 0))
	c := newCluster(t, WithClock(clock))
	if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "every tuple held", func() bool { return held.Load() == n })
	done := make(chan error, 1)
	go func() { done <- c.KillTopologyWithOpts("t", KillOptions{WaitSecs: 60}) }()
	// The running spout executor calls Deactivate once the kill began.
	waitUntil(t, 5*time.Second, "the kill to deactivate the spout", func() bool { return !log.active.Load() })
	permits.Store(n - 1)
	clock.Advance(time.Second) // a tick lets the bolt ack
	waitUntil(t, 5*time.Second, "all trees but one to complete", func() bool { return log.ackedCount() == n-1 })
	select {
	case err := <-done:
		t.Fatalf("kill returned (%v) with a tree in flight", err)
	default:
	}
	permits.Store(n)
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := log.ackedCount(); got != n {
		t.Fatalf("%d of %d trees completed before the kill finished", got, n)
	}
}

// TestTickTuples checks per-topology and per-component tick frequencies on
// a manual clock.
func TestTickTuples(t *testing.T) {
	checkGoroutines(t)
	every1, every3 := newSinkLog(), newSinkLog()
	b := NewTopologyBuilder()
	b.SetSpout("s", &numberSpout{N: 0, Log: newSpoutLog()}, 1)
	b.SetBolt("one", &sinkBolt{Log: every1}, 2).ShuffleGrouping("s")
	b.SetBolt("three", &sinkBolt{Log: every3}, 1).ShuffleGrouping("s").AddConfiguration(TopologyTickTupleFreqSecs, 3)
	conf := Config{}
	conf.SetTickTupleFreqSecs(1)
	clock := NewManualClock(time.Unix(0, 0))
	c := newCluster(t, WithClock(clock))
	if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	// Wait for the tickers: one per bolt executor, plus the acker's and
	// the spout's message timeouts.
	waitUntil(t, 5*time.Second, "tickers", func() bool { return clock.Tickers() == 5+1 }) // and the stuck-task watchdog
	for i := 1; i <= 6; i++ {
		clock.Advance(time.Second)
		want1 := 2 * i
		waitUntil(t, 5*time.Second, "ticks", func() bool {
			every1.mu.Lock()
			defer every1.mu.Unlock()
			return every1.ticks == want1
		})
	}
	waitUntil(t, 5*time.Second, "slow ticks", func() bool {
		every3.mu.Lock()
		defer every3.mu.Unlock()
		return every3.ticks == 2
	})
}

// TestMetrics checks Storm's meanings of the counts on a tracked run.
func TestMetrics(t *testing.T) {
	checkGoroutines(t)
	log, sink := newSpoutLog(), newSinkLog()
	c := newCluster(t)
	conf := Config{}
	conf[TopologyStatsSampleRate] = 1.0
	if err := c.SubmitTopology("m", conf, simpleTopology(log, sink, 500, true)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "every tree", func() bool { return log.ackedCount() == 500 })
	var m TopologyMetrics
	waitUntil(t, 5*time.Second, "published metrics", func() bool {
		m, _ = c.Metrics("m")
		return m.Components[3].Acked == 500
	})
	byID := map[string]ComponentMetrics{}
	for _, cm := range m.Components {
		byID[cm.Component] = cm
	}
	s, pass, snk, ack := byID["s"], byID["pass"], byID["sink"], byID[AckerComponentID]
	for _, tc := range []struct {
		what      string
		got, want int64
	}{
		{"spout emitted", s.Emitted["default"], 500},
		{"spout transferred", s.Transferred, 500},
		{"spout acked (trees completed)", s.Acked, 500},
		{"pass executed", pass.Executed, 500},
		{"pass acked", pass.Acked, 500},
		{"pass emitted", pass.Emitted["default"], 500},
		{"sink executed", snk.Executed, 500},
		{"acker executed (500 inits, 1000 acks)", ack.Executed, 1500},
		{"spout pending", s.Pending, 0},
		{"pass tasks", int64(len(pass.Tasks)), 2},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.what, tc.got, tc.want)
		}
	}
	if s.CompleteLatencyMs <= 0 || pass.ExecuteLatencyMs <= 0 || pass.ProcessLatencyMs <= 0 {
		t.Errorf("latencies: complete %v execute %v process %v", s.CompleteLatencyMs, pass.ExecuteLatencyMs, pass.ProcessLatencyMs)
	}
	if pass.Capacity <= 0 || pass.Capacity > 1 {
		t.Errorf("capacity %v", pass.Capacity)
	}
	if s.Type != "spout" || pass.Type != "bolt" || ack.Type != "acker" {
		t.Errorf("types %s %s %s", s.Type, pass.Type, ack.Type)
	}
}

// holdBolt holds every tuple; on each tick it resets their timeouts when
// Reset is set. Release acks them all.
type holdBolt struct {
	BaseRichBolt
	Reset   bool
	Release chan struct{}
	Ticks   *sinkLog
	c       *OutputCollector
	held    []*Tuple
}

func (b *holdBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *holdBolt) Execute(t *Tuple) {
	if !IsTick(t) {
		b.held = append(b.held, t)
		return
	}
	select {
	case <-b.Release:
		for _, h := range b.held {
			b.c.Ack(h)
		}
		b.held = nil
	default:
		if b.Reset {
			for _, h := range b.held {
				b.c.ResetTimeout(h)
			}
		}
	}
	b.Ticks.mu.Lock()
	b.Ticks.ticks++
	b.Ticks.mu.Unlock()
}

func (b *holdBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// TestResetTimeout holds tuples for five message timeouts: without
// ResetTimeout they time out and are replayed; with it, they never fail.
func TestResetTimeout(t *testing.T) {
	for _, reset := range []bool{false, true} {
		t.Run(map[bool]string{false: "without reset", true: "with reset"}[reset], func(t *testing.T) {
			checkGoroutines(t)
			log, ticks := newSpoutLog(), newSinkLog()
			release := make(chan struct{})
			b := NewTopologyBuilder()
			b.SetSpout("s", &numberSpout{N: 20, Tracked: true, Log: log}, 1)
			b.SetBolt("hold", &holdBolt{Reset: reset, Release: release, Ticks: ticks}, 1).ShuffleGrouping("s")
			conf := Config{}
			conf.SetMessageTimeoutSecs(30)
			conf.SetTickTupleFreqSecs(10)
			clock := NewManualClock(time.Unix(0, 0))
			c := newCluster(t, WithClock(clock))
			if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
				t.Fatal(err)
			}
			tp, _ := c.get("t")
			waitUntil(t, 5*time.Second, "tickers", func() bool { return clock.Tickers() == 3+1 }) // and the stuck-task watchdog
			waitUntil(t, 5*time.Second, "20 tuples held", func() bool {
				m, _ := c.Metrics("t")
				return m.Components[1].Executed == 20
			})
			for step := 1; step <= 15; step++ {
				clock.Advance(10 * time.Second)
				waitUntil(t, 5*time.Second, "the tick and its resets", func() bool {
					ticks.mu.Lock()
					n := ticks.ticks
					ticks.mu.Unlock()
					return n == step && tp.inflight.Load() == 0
				})
			}
			failed := log.failedTotal()
			if reset && failed != 0 {
				t.Fatalf("%d tuples timed out although their timeouts were reset", failed)
			}
			if !reset && failed < 20 {
				t.Fatalf("%d tuples timed out; all 20 should have", failed)
			}
			close(release)
			clock.Advance(10 * time.Second)
			if reset {
				waitUntil(t, 5*time.Second, "acks", func() bool { return log.ackedCount() == 20 })
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDebugLogsEmits(t *testing.T) {
	checkGoroutines(t)
	var buf syncBuffer
	log, sink := newSpoutLog(), newSinkLog()
	c := newCluster(t, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	conf := Config{}
	conf.SetDebug(true)
	if err := c.SubmitTopology("dbg", conf, simpleTopology(log, sink, 3, true)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "3 acks", func() bool { return log.ackedCount() == 3 })
	out := buf.String()
	for _, want := range []string{"msg=emitting component=s", "msgID=2", "component=pass"} {
		if !strings.Contains(out, want) {
			t.Fatalf("debug log lacks %q:\n%s", want, out)
		}
	}
}
