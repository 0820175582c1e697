package core

import (
	"testing"
	"time"
)

// joinBolt joins ("n") from two components: once both sides of a value
// have arrived it emits it anchored on both inputs (multi-anchoring: the
// joined tuple belongs to both spout tuples' trees) and acks them.
type joinBolt struct {
	BaseRichBolt
	c       *OutputCollector
	waiting map[int]*Tuple
}

func (b *joinBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c, b.waiting = c, make(map[int]*Tuple)
	return nil
}

func (b *joinBolt) Execute(t *Tuple) {
	n := t.GetInt(0)
	other, ok := b.waiting[n]
	if !ok || other.SourceComponent() == t.SourceComponent() {
		b.waiting[n] = t
		return
	}
	delete(b.waiting, n)
	b.c.EmitAnchors([]*Tuple{other, t}, Values{n})
	b.c.Ack(other)
	b.c.Ack(t)
}

func (b *joinBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// failOnce fails the first tuple it sees for each value, then acks.
type failOnce struct {
	BaseRichBolt
	Log  *sinkLog
	c    *OutputCollector
	seen map[int]bool
}

func (b *failOnce) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c, b.seen = c, make(map[int]bool)
	return nil
}

func (b *failOnce) Execute(t *Tuple) {
	n := t.GetInt(0)
	if !b.seen[n] {
		b.seen[n] = true
		b.c.Fail(t)
		return
	}
	b.Log.mu.Lock()
	b.Log.count[n]++
	b.Log.mu.Unlock()
	b.c.Ack(t)
}

func (b *failOnce) DeclareOutputFields(OutputFieldsDeclarer) {}

// TestMultiAnchoring joins the tuples of two spouts: each joined tuple
// belongs to two trees, so failing it fails both spout tuples, and acking
// it completes both.
func TestMultiAnchoring(t *testing.T) {
	checkGoroutines(t)
	const n = 200
	left, right, sink := newSpoutLog(), newSpoutLog(), newSinkLog()
	b := NewTopologyBuilder()
	b.SetSpout("left", &numberSpout{N: n, Tracked: true, Log: left}, 1)
	b.SetSpout("right", &numberSpout{N: n, Tracked: true, Log: right}, 2)
	b.SetBolt("join", &joinBolt{}, 2).
		FieldsGrouping("left", NewFields("n")).
		FieldsGrouping("right", NewFields("n"))
	b.SetBolt("sink", &failOnce{Log: sink}, 1).GlobalGrouping("join")
	conf := Config{}
	conf.SetNumAckers(2)
	c := newCluster(t)
	if err := c.SubmitTopology("join", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "both sides acked", func() bool {
		return left.ackedCount() == n && right.ackedCount() == n
	})
	// Every value failed once at the sink: both of its spout tuples failed
	// and were replayed.
	left.mu.Lock()
	right.mu.Lock()
	defer left.mu.Unlock()
	defer right.mu.Unlock()
	for i := range n {
		if left.failed[i] < 1 || right.failed[i] < 1 {
			t.Fatalf("value %d failed %d times on the left and %d on the right; want both at least once", i, left.failed[i], right.failed[i])
		}
	}
	if sink.distinct() != n {
		t.Fatalf("sink acked %d distinct values of %d", sink.distinct(), n)
	}
}

// batchingBolt holds its inputs and acks them in Flush, promising not to
// touch them afterwards (TupleReuser), so that their memory is reused.
type batchingBolt struct {
	BaseRichBolt
	Log  *sinkLog
	c    *OutputCollector
	held []*Tuple
}

func (b *batchingBolt) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *batchingBolt) Execute(t *Tuple) { b.held = append(b.held, t) }

func (b *batchingBolt) Flush() {
	b.Log.mu.Lock()
	for _, t := range b.held {
		b.Log.count[t.GetInt(0)]++
	}
	b.Log.mu.Unlock()
	for i, t := range b.held {
		b.c.Ack(t)
		b.held[i] = nil
	}
	b.held = b.held[:0]
}

func (b *batchingBolt) ReuseAckedTuples() bool { return true }

func (b *batchingBolt) DeclareOutputFields(OutputFieldsDeclarer) {}

// TestReusedBatches runs a bolt that acks in batches and lets the executor
// reuse its input batches: every value arrives intact, every tree
// completes, and batches come back to the pool (without ackers, only the
// bolt's input batches can).
func TestReusedBatches(t *testing.T) {
	for _, tracked := range []bool{true, false} {
		checkGoroutines(t)
		const n = 5000
		log, sink := newSpoutLog(), newSinkLog()
		b := NewTopologyBuilder()
		b.SetSpout("s", &numberSpout{N: n, Tracked: tracked, Log: log}, 2)
		b.SetBolt("batch", &batchingBolt{Log: sink}, 2).ShuffleGrouping("s")
		conf := Config{}
		if !tracked {
			conf.SetNumAckers(0)
		}
		c := newCluster(t)
		if err := c.SubmitTopology("t", conf, b.CreateTopology()); err != nil {
			t.Fatal(err)
		}
		tp, _ := c.get("t")
		checkReuse(t, tp, log, sink, n, tracked)
		c.Shutdown()
	}
}

func checkReuse(t *testing.T, tp *topology, log *spoutLog, sink *sinkLog, n int, tracked bool) {
	if tracked {
		waitUntil(t, 10*time.Second, "every tree", func() bool { return log.ackedCount() == n })
	} else {
		waitUntil(t, 10*time.Second, "every value", func() bool { return sink.distinct() == n })
	}
	if sink.distinct() != n {
		t.Fatalf("%d distinct values of %d", sink.distinct(), n)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for v, k := range sink.count {
		if v < 0 || v >= n || k != 1 {
			t.Fatalf("value %d seen %d times", v, k)
		}
	}
	if len(tp.pool.free) == 0 {
		t.Fatal("no batch came back to the pool")
	}
}
