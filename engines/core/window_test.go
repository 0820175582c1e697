package core

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// feedSpout emits what a test sends on Feed, tracked by a counter id.
type feedSpout struct {
	BaseRichSpout
	Feed   chan Values
	Fields []string
	Log    *spoutLog
	c      *SpoutOutputCollector
	id     int
}

func (s *feedSpout) Open(_ Config, _ *TopologyContext, c *SpoutOutputCollector) error {
	s.c = c
	return nil
}

func (s *feedSpout) NextTuple() {
	select {
	case v := <-s.Feed:
		s.id++
		s.c.Emit(v, s.id)
	default:
	}
}

func (s *feedSpout) Ack(id any) {
	s.Log.mu.Lock()
	s.Log.acked[id.(int)]++
	s.Log.mu.Unlock()
}

func (s *feedSpout) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields(s.Fields...)) }

// windowLog records the windows a windowRecorder saw, as value lists.
type windowLog struct {
	mu       sync.Mutex
	windows  []string
	received int
}

func (l *windowLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.windows)
}

func (l *windowLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.windows)
}

// windowRecorder records each window as "all|new|expired" of the first
// values, and emits the window's size (anchored on the window by default).
type windowRecorder struct {
	BaseWindowedBolt
	Log *windowLog
	c   *OutputCollector
}

func (b *windowRecorder) Prepare(_ Config, _ *TopologyContext, c *OutputCollector) error {
	b.c = c
	return nil
}

func (b *windowRecorder) Execute(w *TupleWindow) {
	show := func(ts []*Tuple) string {
		var parts []string
		for _, t := range ts {
			parts = append(parts, fmt.Sprint(t.GetValue(0)))
		}
		return strings.Join(parts, ",")
	}
	b.Log.mu.Lock()
	b.Log.windows = append(b.Log.windows, show(w.Get())+"|"+show(w.GetNew())+"|"+show(w.GetExpired()))
	b.Log.mu.Unlock()
	b.c.Emit(nil, Values{len(w.Get())})
}

func (b *windowRecorder) DeclareOutputFields(d OutputFieldsDeclarer) { d.Declare(NewFields("n")) }

// windowRig runs feed -> window bolt -> sink on a manual clock.
type windowRig struct {
	feed    chan Values
	log     *windowLog
	spout   *spoutLog
	sink    *sinkLog
	clock   *ManualClock
	cluster *LocalCluster
}

func newWindowRig(t *testing.T, fields []string, configure func(b *BaseWindowedBolt), ackers int) *windowRig {
	checkGoroutines(t)
	r := &windowRig{feed: make(chan Values, 100), log: &windowLog{}, spout: newSpoutLog(), sink: newSinkLog(),
		clock: NewManualClock(time.UnixMilli(0))}
	w := &windowRecorder{Log: r.log}
	configure(&w.BaseWindowedBolt)
	b := NewTopologyBuilder()
	b.SetSpout("feed", &feedSpout{Feed: r.feed, Fields: fields, Log: r.spout}, 1)
	b.SetBolt("window", w, 1).ShuffleGrouping("feed")
	b.SetBolt("sink", &sinkBolt{Log: r.sink}, 1).ShuffleGrouping("window")
	if late := w.lateStream; late != "" {
		b.SetBolt("late", &lateSink{Log: r.sink}, 1).ShuffleGrouping("window", late)
	}
	conf := Config{}
	conf.SetNumAckers(ackers)
	conf.SetMessageTimeoutSecs(300)
	r.cluster = newCluster(t, WithClock(r.clock))
	if err := r.cluster.SubmitTopology("w", conf, b.CreateTopology()); err != nil {
		t.Fatal(err)
	}
	return r
}

// send feeds values and waits until the window bolt has executed them.
func (r *windowRig) send(t *testing.T, vals ...Values) {
	t.Helper()
	before := r.executed()
	for _, v := range vals {
		r.feed <- v
	}
	waitUntil(t, 5*time.Second, "the window bolt to take the tuples", func() bool { return r.executed() == before+int64(len(vals)) })
}

func (r *windowRig) executed() int64 {
	m, _ := r.cluster.Metrics("w")
	for _, c := range m.Components {
		if c.Component == "window" {
			return c.Executed
		}
	}
	return -1
}

func ints(from, to int) []Values {
	var out []Values
	for i := from; i < to; i++ {
		out = append(out, Values{i})
	}
	return out
}

func TestCountWindows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		configure func(b *BaseWindowedBolt)
		n         int
		want      []string
	}{
		{"tumbling", func(b *BaseWindowedBolt) { b.WithTumblingWindow(Count(3)) }, 7, []string{
			"0,1,2|0,1,2|", "3,4,5|3,4,5|0,1,2",
		}},
		{"sliding", func(b *BaseWindowedBolt) { b.WithWindow(Count(4), Count(2)) }, 7, []string{
			"0,1|0,1|", "0,1,2,3|2,3|", "2,3,4,5|4,5|0,1",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWindowRig(t, []string{"n"}, tc.configure, 1)
			r.send(t, ints(0, tc.n)...)
			waitUntil(t, 5*time.Second, "windows", func() bool { return r.log.count() == len(tc.want) })
			if got := r.log.get(); !slices.Equal(got, tc.want) {
				t.Fatalf("windows %q, want %q", got, tc.want)
			}
			// Outputs are anchored on the window; tuples are acked when
			// they leave their last window.
			waitUntil(t, 5*time.Second, "the sink", func() bool { return r.sink.total() == len(tc.want) })
		})
	}
}

func TestCountTumblingAcksOnExpiry(t *testing.T) {
	r := newWindowRig(t, []string{"n"}, func(b *BaseWindowedBolt) { b.WithTumblingWindow(Count(5)) }, 1)
	r.send(t, ints(0, 4)...)
	// Once nothing is in flight, an ack the window bolt sent for these
	// tuples would have reached the spout.
	waitQuiescent(t, r.cluster, "w")
	if n := r.spout.ackedCount(); n != 0 {
		t.Fatalf("%d tuples acked before their window was evaluated", n)
	}
	r.send(t, ints(4, 12)...)
	waitUntil(t, 5*time.Second, "the first two windows acked", func() bool { return r.spout.ackedCount() == 10 })
}

func TestProcessingTimeWindow(t *testing.T) {
	r := newWindowRig(t, []string{"n"}, func(b *BaseWindowedBolt) {
		b.WithWindow(Duration(10*time.Second), Duration(5*time.Second))
	}, 1)
	waitUntil(t, 5*time.Second, "tickers", func() bool { return r.clock.Tickers() == 3+1 }) // and the stuck-task watchdog
	// Windows are (end-10s, end], evaluated at 5s, 10s, 15s.
	r.clock.Advance(time.Millisecond)
	r.send(t, ints(0, 3)...) // at 1ms
	r.clock.Advance(5*time.Second - time.Millisecond)
	waitUntil(t, 5*time.Second, "window 1", func() bool { return r.log.count() == 1 })
	r.clock.Advance(time.Millisecond)
	r.send(t, ints(3, 5)...) // at 5.001s
	r.clock.Advance(5*time.Second - time.Millisecond)
	waitUntil(t, 5*time.Second, "window 2", func() bool { return r.log.count() == 2 })
	r.clock.Advance(5 * time.Second)
	waitUntil(t, 5*time.Second, "window 3", func() bool { return r.log.count() == 3 })
	want := []string{"0,1,2|0,1,2|", "0,1,2,3,4|3,4|", "3,4||0,1,2"}
	if got := r.log.get(); !slices.Equal(got, want) {
		t.Fatalf("windows %q, want %q", got, want)
	}
}

// lateSink records late tuples' first value under task -1.
type lateSink struct {
	BaseBasicBolt
	Log *sinkLog
}

func (b *lateSink) Execute(t *Tuple, _ *BasicOutputCollector) error {
	late := t.GetValueByField(lateTupleField).(*Tuple)
	b.Log.mu.Lock()
	b.Log.byTask[-1] = append(b.Log.byTask[-1], late.GetInt(0))
	b.Log.mu.Unlock()
	return nil
}

func (b *lateSink) DeclareOutputFields(OutputFieldsDeclarer) {}

func TestEventTimeWindows(t *testing.T) {
	r := newWindowRig(t, []string{"id", "ts"}, func(b *BaseWindowedBolt) {
		b.WithTumblingWindow(Duration(10 * time.Second)).
			WithTimestampField("ts").
			WithLag(time.Second).
			WithWatermarkInterval(time.Second).
			WithLateTupleStream("late")
	}, 1)
	waitUntil(t, 5*time.Second, "tickers", func() bool { return r.clock.Tickers() == 3+1 }) // and the stuck-task watchdog
	ev := func(id int, ts int64) Values { return Values{id, ts} }
	// Out of order within the lag is fine; windows end on multiples of 10s.
	r.send(t, ev(1, 1000), ev(2, 9000), ev(3, 5000), ev(4, 10000), ev(5, 12000))
	r.clock.Advance(time.Second) // watermark 12000-1000 = 11000: window (0, 10000] is due
	waitUntil(t, 5*time.Second, "the first window", func() bool { return r.log.count() == 1 })
	r.send(t, ev(6, 3000), ev(7, 19000), ev(8, 31500))
	r.clock.Advance(time.Second) // watermark 30500: (10000, 20000] due; (20000, 30000] is empty
	waitUntil(t, 5*time.Second, "the second window", func() bool { return r.log.count() == 2 })
	want := []string{"1,2,3,4|1,2,3,4|", "5,7|5,7|1,2,3,4"}
	if got := r.log.get(); !slices.Equal(got, want) {
		t.Fatalf("windows %q, want %q", got, want)
	}
	waitUntil(t, 5*time.Second, "the late tuple", func() bool {
		r.sink.mu.Lock()
		defer r.sink.mu.Unlock()
		return len(r.sink.byTask[-1]) == 1
	})
	if got := r.sink.byTask[-1][0]; got != 6 {
		t.Fatalf("late tuple %d, want 6", got)
	}
}

func TestWindowValidation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		configure func(b *BaseWindowedBolt)
		want      string
	}{
		{"no window", func(b *BaseWindowedBolt) {}, "has no window"},
		{"slide longer than window", func(b *BaseWindowedBolt) { b.WithWindow(Count(2), Count(3)) }, "longer than the window"},
		{"longer than the timeout", func(b *BaseWindowedBolt) { b.WithTumblingWindow(Duration(time.Minute)) }, "exceeds topology.message.timeout.secs"},
		{"mixed on event time", func(b *BaseWindowedBolt) {
			b.WithWindow(Count(3), Duration(time.Second)).WithTimestampField("ts")
		}, "must both be counts or both durations"},
		{"zero count", func(b *BaseWindowedBolt) { b.WithTumblingWindow(Count(0)) }, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &windowRecorder{Log: &windowLog{}}
			tc.configure(&w.BaseWindowedBolt)
			b := NewTopologyBuilder()
			b.SetSpout("s", &numberSpout{Log: newSpoutLog()}, 1)
			b.SetBolt("w", w, 1).ShuffleGrouping("s")
			_, err := buildPlan("t", nil, nil, b.CreateTopology(), 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEventTimeCountWindows(t *testing.T) {
	r := newWindowRig(t, []string{"id", "ts"}, func(b *BaseWindowedBolt) {
		b.WithWindow(Count(3), Count(2)).WithTimestampField("ts").WithWatermarkInterval(time.Second)
	}, 1)
	waitUntil(t, 5*time.Second, "tickers", func() bool { return r.clock.Tickers() == 3+1 }) // and the stuck-task watchdog
	ev := func(id int, ts int64) Values { return Values{id, ts} }
	// Arrival order differs from timestamp order; windows follow
	// timestamps, up to the watermark (no lag: the latest timestamp).
	r.send(t, ev(1, 100), ev(3, 300), ev(2, 200), ev(5, 500), ev(4, 400))
	r.clock.Advance(time.Second) // watermark 500: every 2nd of 1..5 ends a window
	waitUntil(t, 5*time.Second, "two windows", func() bool { return r.log.count() == 2 })
	r.send(t, ev(6, 600), ev(7, 700))
	r.clock.Advance(time.Second) // watermark 700: 6 ends one
	waitUntil(t, 5*time.Second, "the third window", func() bool { return r.log.count() == 3 })
	want := []string{"1,2|1,2|", "2,3,4|3,4|1", "4,5,6|5,6|2,3"}
	if got := r.log.get(); !slices.Equal(got, want) {
		t.Fatalf("windows %q, want %q", got, want)
	}
}
