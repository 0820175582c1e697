package core

import (
	"runtime"
	"testing"
)

// constSpout emits the same small tuple forever, like Storm's ConstSpout in
// its performance topologies; with Tracked, each with a message id.
type constSpout struct {
	BaseRichSpout
	Tracked bool
	c       *SpoutOutputCollector
	values  Values
	ids     []any
	id      int
}

func (s *constSpout) Open(_ Config, _ *TopologyContext, c *SpoutOutputCollector) error {
	s.c, s.values = c, Values{"some data"}
	// Boxed once, so that the benchmark measures the engine rather than
	// the boxing of message ids.
	s.ids = make([]any, 1024)
	for i := range s.ids {
		s.ids[i] = i
	}
	return nil
}

func (s *constSpout) NextTuple() {
	if s.Tracked {
		s.id++
		s.c.Emit(s.values, s.ids[s.id&1023])
		return
	}
	s.c.Emit(s.values, nil)
}

func (s *constSpout) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("str")) }

// idBolt forwards its input's values, anchored (Storm's IdBolt).
type idBolt struct{ BaseBasicBolt }

func (idBolt) Execute(t *Tuple, c *BasicOutputCollector) error {
	c.Emit(t.Values())
	return nil
}

func (idBolt) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("str")) }

// countingSink signals every chunk tuples it has received.
type countingSink struct {
	BaseBasicBolt
	Chunk int
	Ch    chan struct{}
	n     int
}

func (s *countingSink) Execute(*Tuple, *BasicOutputCollector) error {
	s.n++
	if s.n == s.Chunk {
		s.n = 0
		s.Ch <- struct{}{}
	}
	return nil
}

func (s *countingSink) DeclareOutputFields(OutputFieldsDeclarer) {}

// BenchmarkSpoutBoltBolt measures spout -> id bolt -> sink bolt, one
// executor each, with small tuples: the path Storm's ConstSpoutIdBoltNullBolt
// topology measures. One iteration is 10,000 tuples through the sink.
func BenchmarkSpoutBoltBolt(b *testing.B) {
	for _, bc := range []struct {
		name   string
		ackers int
	}{{"ackers=0", 0}, {"ackers=1", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			const chunk = 10_000
			ch := make(chan struct{}, 16)
			tb := NewTopologyBuilder()
			tb.SetSpout("spout", &constSpout{Tracked: bc.ackers > 0}, 1)
			tb.SetBolt("id", idBolt{}, 1).ShuffleGrouping("spout")
			tb.SetBolt("sink", &countingSink{Chunk: chunk, Ch: ch}, 1).ShuffleGrouping("id")
			conf := Config{}
			conf.SetNumAckers(bc.ackers)
			if bc.ackers > 0 {
				conf.SetMaxSpoutPending(4096)
			}
			c := NewLocalCluster()
			defer c.Shutdown()
			if err := c.SubmitTopology("bench", conf, tb.CreateTopology()); err != nil {
				b.Fatal(err)
			}
			<-ch // warm up
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				<-ch
				n += chunk
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tuples/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/tuple")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "B/tuple")
			go func() {
				for range ch {
				}
			}()
			c.Shutdown()
			close(ch)
		})
	}
}
