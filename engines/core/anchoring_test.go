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
