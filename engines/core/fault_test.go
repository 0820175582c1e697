package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/enginetest"
)

// lossyCount is a word-count bolt with a fault: every K-th word it receives
// is dropped (neither acked nor failed: the tree times out) or failed.
// Others are counted, written to the sink and acked.
type lossyCount struct {
	core.BaseRichBolt
	K    int
	Drop bool
	Sink engines.Sink

	collector *core.OutputCollector
	counts    map[string]int64
	seen      int
}

func (b *lossyCount) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.collector, b.counts = c, make(map[string]int64)
	return nil
}

func (b *lossyCount) Execute(t *core.Tuple) {
	b.seen++
	if b.seen%b.K == 0 {
		if !b.Drop {
			b.collector.Fail(t)
		}
		return
	}
	w := t.GetStringByField("word")
	r := t.GetValueByField("record").(*engines.Record)
	b.counts[w]++
	err := b.Sink.Write([]engines.Output{{Key: w, Value: b.counts[w], Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}})
	if err != nil {
		b.collector.Fail(t)
		return
	}
	b.collector.Ack(t)
}

func (b *lossyCount) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestFaultsAndGuarantees runs word count with a count bolt that loses every
// k-th word, and checks the verifier's verdict: at at-least-once, Storm's
// acker and the replaying spout leave nothing lost (failed trees replay at
// once, dropped ones after the message timeout); at at-most-once the loss
// shows.
func TestFaultsAndGuarantees(t *testing.T) {
	sentences := []string{"a b c d", "b c d e", "the quick brown fox", "jumps over the lazy dog", "a a a"}
	const records = 400
	for _, tc := range []struct {
		guarantee engines.Guarantee
		drop      bool
		queue     bool // read a reliable queue instead of the log
	}{
		{engines.AtLeastOnce, false, false},
		{engines.AtLeastOnce, true, false},
		{engines.AtMostOnce, false, false},
		{engines.AtMostOnce, true, false},
		{engines.AtLeastOnce, false, true},
		{engines.AtLeastOnce, true, true},
		{engines.AtMostOnce, false, true},
	} {
		name := fmt.Sprintf("%s/fail", tc.guarantee)
		if tc.drop {
			name = fmt.Sprintf("%s/drop", tc.guarantee)
		}
		if tc.queue {
			name += "/queue"
		}
		t.Run(name, func(t *testing.T) {
			log := enginetest.NewMemSource(3)
			queue := enginetest.NewMemQueue(3)
			in := engines.LogInput(log)
			if tc.queue {
				in = engines.Input{Kind: engines.KindQueue, Queue: queue}
			}
			want := map[wordKey]int64{}
			var batch []string
			for i := range records {
				s := sentences[i%len(sentences)]
				batch = append(batch, s)
				for _, w := range strings.Fields(s) {
					want[wordKey{Key: w}]++
				}
			}
			for i, s := range batch {
				log.AppendValues(i%3, s)
			}
			log.CloseAll()
			// The queue's messages are batches of two records: a failed
			// word gives its whole message back, so the fault strikes
			// more rarely there (every 50th word) for redeliveries to
			// get through.
			k, messages := 7, 0
			if tc.queue {
				k = 50
			}
			for p := range 3 {
				var part []string
				for i := p; i < len(batch); i += 3 {
					part = append(part, batch[i])
				}
				for len(part) > 0 {
					n := min(2, len(part))
					queue.Append(p, part[:n]...)
					messages++
					part = part[n:]
				}
			}
			queue.CloseAll()
			sink := &enginetest.CollectSink{}

			conf := core.Config{}
			if tc.guarantee == engines.AtMostOnce {
				conf.SetNumAckers(0)
			} else {
				conf.SetMaxSpoutPending(50)
			}
			clock := core.NewManualClock(time.Unix(1e9, 0))
			job, err := core.NewJob("faults", nil, conf, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
				b := core.NewTopologyBuilder()
				b.SetSpout("spout", &core.SourceSpout{Source: src}, 2)
				b.SetBolt("split", splitBolt{}, 2).ShuffleGrouping("spout")
				b.SetBolt("count", &lossyCount{K: k, Drop: tc.drop, Sink: sink}, 2).FieldsGrouping("split", core.NewFields("word"))
				return b.CreateTopology(), nil
			}, core.JobClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- job.RunInput(ctx, in, sink) }()

			// At at-most-once the job would wait for nothing; at
			// at-least-once dropped trees need the clock to move for
			// their timeouts. Time moves in message-timeout steps.
			stop := advanceWhileRunning(clock)
			runErr := <-done
			stop()
			if runErr != nil {
				t.Fatal(runErr)
			}

			got := map[wordKey]int64{}
			outs := sink.Outputs()
			for _, o := range outs {
				got[wordKey{Key: o.Key}]++
			}
			v := verify(want, got)
			t.Logf("expected %d, lost %d, duplicated %d, wrong %d", v.expected, v.lost, v.duplicated, v.wrong)
			m := job.Metrics().(core.TopologyMetrics)
			var spout core.ComponentMetrics
			for _, c := range m.Components {
				if c.Component == "spout" {
					spout = c
				}
			}
			switch tc.guarantee {
			case engines.AtLeastOnce:
				if v.lost != 0 || v.wrong != 0 {
					t.Fatalf("at-least-once lost %d word occurrences (wrong %d)", v.lost, v.wrong)
				}
				if spout.Failed == 0 {
					t.Fatal("no spout tuple failed, so nothing was replayed: the fault did not bite")
				}
				if !tc.queue && spout.Acked != records {
					t.Fatalf("spout acked %d trees, want %d", spout.Acked, records)
				}
				if tc.queue {
					// A failed tree gives its whole message back: the
					// queue redelivers it, and every message ends acked.
					var acks, naks int
					for p := range 3 {
						a, n := queue.Counts(p)
						acks, naks = acks+a, naks+n
					}
					if naks == 0 || acks != messages {
						t.Fatalf("queue: %d acks (want %d messages), %d naks (want some)", acks, messages, naks)
					}
				}
			case engines.AtMostOnce:
				if v.lost == 0 {
					t.Fatal("at-most-once with a lossy bolt shows no loss")
				}
				if v.duplicated != 0 || v.wrong != 0 {
					t.Fatalf("at-most-once duplicated %d, wrong %d", v.duplicated, v.wrong)
				}
			}
		})
	}
}

// verdict is what the harness's verifier computes for additive results:
// units short of the oracle are lost, units beyond it duplicated, keys it
// does not know wrong.
type verdict struct{ expected, lost, duplicated, wrong int64 }

func verify(want, got map[wordKey]int64) verdict {
	var v verdict
	for k, w := range want {
		v.expected += w
		g := got[k]
		if g < w {
			v.lost += w - g
		} else {
			v.duplicated += g - w
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			v.wrong += g
		}
	}
	return v
}

// TestJobKillWorker kills a worker in the middle of an at-least-once word
// count: the restarted worker's spout starts its partitions over and lost
// trees replay, so words may be counted twice but none is lost.
func TestJobKillWorker(t *testing.T) {
	src := enginetest.NewMemSource(4)
	want := map[wordKey]int64{}
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			s := fmt.Sprintf("w%d w%d common", i%13, i%7)
			for _, w := range strings.Fields(s) {
				want[wordKey{Key: w}]++
			}
			src.AppendValues(i%4, s)
		}
	}
	publish(0, 200)
	sink := &enginetest.CollectSink{}
	conf := core.Config{}
	conf.SetNumWorkers(2)
	conf.SetMaxSpoutPending(20)
	clock := core.NewManualClock(time.Unix(1e9, 0))
	job, err := core.NewJob("kill", nil, conf, func(src engines.Source, sink engines.Sink) (*core.StormTopology, error) {
		b := core.NewTopologyBuilder()
		b.SetSpout("spout", &core.SourceSpout{Source: src}, 2)
		b.SetBolt("split", splitBolt{}, 2).ShuffleGrouping("spout")
		b.SetBolt("count", &countBolt{SinkWriter: core.SinkWriter{Sink: sink}}, 2).FieldsGrouping("split", core.NewFields("word"))
		return b.CreateTopology(), nil
	}, core.JobClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if err := job.KillWorker(0); err == nil {
		t.Fatal("KillWorker before Run succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx, src, sink) }()
	for deadline := time.Now().Add(10 * time.Second); len(sink.Outputs()) < 100; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no outputs")
		}
	}
	if err := job.KillWorker(1); err != nil {
		t.Fatal(err)
	}
	publish(200, 400)
	src.CloseAll()
	stop := advanceWhileRunning(clock)
	err = <-done
	stop()
	if err != nil {
		t.Fatal(err)
	}
	got := map[wordKey]int64{}
	for _, o := range sink.Outputs() {
		got[wordKey{Key: o.Key}]++
	}
	v := verify(want, got)
	t.Logf("expected %d, lost %d, duplicated %d", v.expected, v.lost, v.duplicated)
	if v.lost != 0 || v.wrong != 0 {
		t.Fatalf("lost %d, wrong %d after a worker kill at at-least-once", v.lost, v.wrong)
	}
}

// complainer reports an error for every tuple and acks it.
type complainer struct {
	core.BaseRichBolt
	c *core.OutputCollector
}

func (b *complainer) Prepare(_ core.Config, _ *core.TopologyContext, c *core.OutputCollector) error {
	b.c = c
	return nil
}

func (b *complainer) Execute(t *core.Tuple) {
	b.c.ReportError(fmt.Errorf("bad record %q", t.GetValue(0).(*engines.Record).Value))
	b.c.Ack(t)
}

func (b *complainer) DeclareOutputFields(core.OutputFieldsDeclarer) {}

// TestJobReturnsReportedError: an error reported while the last tuple is
// processed fails the run, however the job's drain check and the error
// race.
func TestJobReturnsReportedError(t *testing.T) {
	for i := range 30 {
		src := enginetest.NewMemSource(1)
		src.AppendValues(0, "oops")
		src.CloseAll()
		conf := core.Config{}
		conf.SetNumAckers(i % 2)
		job, err := core.NewJob("errs", nil, conf, func(src engines.Source, _ engines.Sink) (*core.StormTopology, error) {
			b := core.NewTopologyBuilder()
			b.SetSpout("spout", &core.SourceSpout{Source: src}, 1)
			b.SetBolt("complain", &complainer{}, 1).ShuffleGrouping("spout")
			return b.CreateTopology(), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = job.Run(context.Background(), src, &enginetest.CollectSink{})
		if err == nil || !strings.Contains(err.Error(), `bad record "oops"`) {
			t.Fatalf("run %d: Run returned %v, want the reported error", i, err)
		}
	}
}

// advanceWhileRunning moves clock on by a message timeout (30 s) every
// 2 ms, so that trees lost in a test time out and replay, until the
// returned stop is called.
func advanceWhileRunning(clock *core.ManualClock) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				clock.Advance(30 * time.Second)
			}
		}
	}()
	return func() { close(done) }
}
