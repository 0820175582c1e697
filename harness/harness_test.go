package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/streambench/streambench/engines"
	"github.com/streambench/streambench/harness/resultfile"
	"github.com/streambench/streambench/workloads"
)

// fakeClock is a Clock the test moves by hand. Its timers fire at once.
type fakeClock struct {
	mu  sync.Mutex
	now int64
}

func (c *fakeClock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t int64) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, c.Now()+int64(d))
	return ch
}

func fillValue(r *engines.Record) { r.Value = fmt.Sprintf("%d/%d", r.Partition, r.Offset) }

// consume fetches every published record of every partition and writes one
// output per record to rec, as an engine would.
func consume(t *testing.T, src *GeneratorSource, next []int64, rec *Recorder) int {
	t.Helper()
	buf := make([]engines.Record, 64)
	total := 0
	for p := range next {
		for {
			n, err := src.Fetch(p, next[p], buf)
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			outs := make([]engines.Output, n)
			for i, r := range buf[:n] {
				outs[i] = engines.Output{Key: r.Value, Value: 1, Partition: r.Partition, Offset: r.Offset, Intended: r.Intended}
			}
			if err := rec.Write(outs); err != nil {
				t.Fatal(err)
			}
			next[p] += int64(n)
			total += n
		}
	}
	return total
}

// TestStallShowsAsLatency: an engine that stops consuming for a second
// shows that second as latency measured from the intended send time, and
// the driver's lag as send delay; a closed-loop measurement would have
// reported neither.
func TestStallShowsAsLatency(t *testing.T) {
	clock := &fakeClock{}
	const ms = int64(time.Millisecond)
	src := NewGeneratorSource(2, 64, fillValue)
	drv := NewDriver(DriverConfig{Rate: 1000, Records: 2000, Backlog: 16}, src, clock, 0)
	rec := NewRecorder(clock)
	next := make([]int64, 2)

	// Healthy for 100 ms: every millisecond the driver publishes the record
	// due and the engine consumes it at once.
	for now := int64(0); now < 100*ms; now += ms {
		clock.set(now)
		drv.Step(now)
		consume(t, src, next, rec)
	}
	healthy, _ := rec.roll(resultfile.NewHistogram())
	if p99 := healthy.Quantile(99); p99 > 1000 {
		t.Fatalf("healthy p99 %dµs, want about 0", p99)
	}

	// Stall from 100 ms to 1100 ms: the source fills (16 per partition) and
	// the driver stops publishing, but the plan keeps running.
	for now := 100 * ms; now < 1100*ms; now += ms {
		clock.set(now)
		drv.Step(now)
	}
	if sent := drv.Sent(); sent != 100+32 {
		t.Fatalf("driver published %d records during the stall, want 100 + a full source of 32", sent)
	}
	// The engine resumes; the driver catches up tick by tick.
	for now := 1100 * ms; now < 2000*ms; now += ms {
		clock.set(now)
		drv.Step(now)
		consume(t, src, next, rec)
	}
	stalled, _ := rec.roll(resultfile.NewHistogram())
	// Records due at 100 ms were consumed at 1100 ms: a second late.
	if max := stalled.H.Max() / 1e6; max < 990 || max > 1010 {
		t.Errorf("max latency %dms, want the 1000ms stall", max)
	}
	// Every record due during the stall waited for its end: the 500 due in
	// its first half waited more than 500 ms. Of the 1900 records of this
	// window that is the top 26%: p70 below 500 ms, p78 above.
	if p70, p78 := stalled.Quantile(70)/1000, stalled.Quantile(78)/1000; p70 > 500 || p78 < 500 {
		t.Errorf("p70 %dms, p78 %dms: want 500ms between them", p70, p78)
	}
	if d := drv.SendDelay().Summary(); d.Max < 900_000 {
		t.Errorf("max send delay %dµs, want about the stall", d.Max)
	}
}

// TestDriverPlan: records are spread round-robin, stamped with their planned
// time, and the plan ends with the source closed.
func TestDriverPlan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   DriverConfig
		parts int
		want  int64
	}{
		{"records", DriverConfig{Rate: 1e6, Records: 1001, Backlog: 1 << 12}, 3, 1001},
		{"duration", DriverConfig{Rate: 1e6, Duration: time.Millisecond, Backlog: 1 << 12}, 2, 1000},
		{"max", DriverConfig{Records: 500, Backlog: 1 << 12}, 4, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := NewGeneratorSource(tc.parts, 1<<14, fillValue)
			clock := &fakeClock{now: 5e9}
			drv := NewDriver(tc.cfg, src, clock, 5e9)
			done := make(chan error, 1)
			go func() { done <- drv.Run(context.Background()) }()
			// Move the clock on until the plan is done.
			for deadline := time.Now().Add(10 * time.Second); ; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
				default:
					if time.Now().After(deadline) {
						t.Fatal("driver did not finish")
					}
					clock.set(clock.Now() + int64(50*time.Microsecond))
					time.Sleep(50 * time.Microsecond)
					continue
				}
				break
			}
			var total int64
			buf := make([]engines.Record, 4096)
			for p, end := range src.Published() {
				total += end
				n, _ := src.Fetch(p, 0, buf)
				for i, r := range buf[:n] {
					g := r.Offset*int64(tc.parts) + int64(p)
					if tc.cfg.Rate > 0 && r.Intended != 5e9+g*1000 {
						t.Fatalf("record %d/%d intended at %d, want %d", p, i, r.Intended, 5e9+g*1000)
					}
				}
				if _, err := src.Fetch(p, end, buf); !errors.Is(err, io.EOF) {
					t.Errorf("partition %d not closed after the plan: %v", p, err)
				}
			}
			if total != tc.want {
				t.Errorf("published %d records, want %d", total, tc.want)
			}
		})
	}
}

func TestSourceFetchAndWait(t *testing.T) {
	src := NewGeneratorSource(2, 8, fillValue)
	buf := make([]engines.Record, 4)
	if n, err := src.Fetch(0, 0, buf); n != 0 || err != nil {
		t.Fatalf("empty partition: %d, %v", n, err)
	}
	if _, err := src.Fetch(0, 1, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) {
		t.Errorf("offset past the end: %v", err)
	}
	// Wait blocks until a publish, and returns at once afterwards.
	woke := make(chan error, 1)
	go func() { woke <- src.Wait(context.Background(), 0, 0) }()
	src.Publish(0, 3, func(o int64) int64 { return 100 + o })
	if err := <-woke; err != nil {
		t.Fatal(err)
	}
	n, err := src.Fetch(0, 1, buf)
	if n != 2 || err != nil || buf[0].Offset != 1 || buf[0].Intended != 101 || buf[0].Value != "0/1" {
		t.Fatalf("fetch from 1: %d %v %+v", n, err, buf[0])
	}
	if src.Read() != 3 {
		t.Errorf("read %d, want 3", src.Read())
	}
	// Replay: the same offset gives the same record.
	n2, _ := src.Fetch(0, 1, buf[2:])
	if n2 != 2 || buf[2] != buf[0] {
		t.Errorf("replay differs: %+v vs %+v", buf[2], buf[0])
	}
	// Retention: 8 records; offset 0 falls out once 9 are published.
	src.Publish(0, 9, func(o int64) int64 { return o })
	if _, err := src.Fetch(0, 0, buf); !errors.Is(err, engines.ErrOffsetOutOfRange) {
		t.Errorf("offset out of retention: %v", err)
	}
	// Close: EOF at the end, records before it still there.
	src.Close()
	if _, err := src.Fetch(0, 9, buf); !errors.Is(err, io.EOF) {
		t.Errorf("end of closed partition: %v", err)
	}
	if n, _ := src.Fetch(0, 8, buf); n != 1 {
		t.Errorf("last record of closed partition: %d", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Wait(ctx, 1, 0); err != nil {
		t.Errorf("wait on closed partition: %v", err)
	}
}

func TestVerify(t *testing.T) {
	k := func(s string) workloads.Key { return workloads.Key{Key: s} }
	counts := workloads.Expected{Counts: map[workloads.Key]int64{k("a"): 5, k("b"): 3, k("c"): 1}, Unit: "words"}
	exact := workloads.Expected{Exact: map[workloads.Key]int64{k("x"): 7, k("y"): 8}, Unit: "rates"}
	for _, tc := range []struct {
		name             string
		want             workloads.Expected
		got              map[workloads.Key]int64
		g                engines.Guarantee
		lost, dup, wrong int64
		ok               bool
		interrupted      bool
	}{
		{"exact", counts, map[workloads.Key]int64{k("a"): 5, k("b"): 3, k("c"): 1}, engines.ExactlyOnce, 0, 0, 0, true, false},
		{"lost allowed", counts, map[workloads.Key]int64{k("a"): 4, k("b"): 3}, engines.AtMostOnce, 2, 0, 0, true, false},
		{"lost forbidden", counts, map[workloads.Key]int64{k("a"): 4, k("b"): 3}, engines.AtLeastOnce, 2, 0, 0, false, false},
		{"dup allowed", counts, map[workloads.Key]int64{k("a"): 7, k("b"): 3, k("c"): 1}, engines.AtLeastOnce, 0, 2, 0, true, false},
		{"dup forbidden", counts, map[workloads.Key]int64{k("a"): 7, k("b"): 3, k("c"): 1}, engines.ExactlyOnce, 0, 2, 0, false, false},
		{"dup at most once", counts, map[workloads.Key]int64{k("a"): 6, k("b"): 3, k("c"): 1}, engines.AtMostOnce, 0, 1, 0, false, false},
		{"unknown key", counts, map[workloads.Key]int64{k("a"): 5, k("b"): 3, k("c"): 1, k("zz"): 1}, engines.AtLeastOnce, 0, 0, 1, false, false},
		{"exact lost", exact, map[workloads.Key]int64{k("x"): 7}, engines.AtMostOnce, 1, 0, 0, true, false},
		{"exact wrong value", exact, map[workloads.Key]int64{k("x"): 7, k("y"): 9}, engines.AtLeastOnce, 0, 0, 1, false, false},
		// An interrupted run is not judged on what it had not output yet.
		{"interrupted: short", counts, map[workloads.Key]int64{k("a"): 4, k("b"): 3}, engines.ExactlyOnce, 2, 0, 0, true, true},
		{"interrupted: exact missing", exact, map[workloads.Key]int64{k("x"): 7}, engines.AtLeastOnce, 1, 0, 0, true, true},
		{"interrupted: dup forbidden", counts, map[workloads.Key]int64{k("a"): 7}, engines.ExactlyOnce, 4, 2, 0, false, true},
		{"interrupted: dup allowed", counts, map[workloads.Key]int64{k("a"): 7}, engines.AtLeastOnce, 4, 2, 0, true, true},
		{"interrupted: wrong", exact, map[workloads.Key]int64{k("y"): 9}, engines.AtLeastOnce, 1, 0, 1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verify := Verify
			if tc.interrupted {
				verify = VerifyInterrupted
			}
			v := verify(tc.want, tc.got, 10, tc.g)
			if v.Interrupted != tc.interrupted || (v.Note != "") != tc.interrupted {
				t.Errorf("interrupted %v note %q, want interrupted %v", v.Interrupted, v.Note, tc.interrupted)
			}
			if v.Lost != tc.lost || v.Duplicated != tc.dup || v.Wrong != tc.wrong || v.OK != tc.ok {
				t.Errorf("lost %d dup %d wrong %d ok %v, want %d %d %d %v (%v)", v.Lost, v.Duplicated, v.Wrong, v.OK,
					tc.lost, tc.dup, tc.wrong, tc.ok, v.Problems)
			}
			if n := len(v.Examples.Lost) + len(v.Examples.Duplicated) + len(v.Examples.Wrong); (n == 0) != (tc.lost+tc.dup+tc.wrong == 0) {
				t.Errorf("%d examples for %d discrepancies", n, tc.lost+tc.dup+tc.wrong)
			}
		})
	}
	// At most ten examples, largest first.
	many := workloads.Expected{Counts: map[workloads.Key]int64{}}
	for i := range 30 {
		many.Counts[k(fmt.Sprint(i))] = int64(100 + i)
	}
	v := Verify(many, map[workloads.Key]int64{}, 0, engines.AtMostOnce)
	if len(v.Examples.Lost) != 10 || v.Examples.Lost[0].Expected != 129 {
		t.Errorf("examples: %d, first %+v", len(v.Examples.Lost), v.Examples.Lost[0])
	}
}

// TestRecorderKinds: updates keep their last value and are timed as they
// arrive; events are counted; a window is timed once, by its final output,
// from its Intended (the time its input was complete).
func TestRecorderKinds(t *testing.T) {
	const s = int64(time.Second)
	clock := &fakeClock{now: 10 * s}
	rec := NewRecorder(clock)
	src := NewGeneratorSource(1, 8, fillValue)
	m := newMeter(10*s, 0, NewDriver(DriverConfig{Rate: 1, Records: 1, Backlog: 1}, src, clock, 10*s), src, rec)
	write := func(at int64, outs ...engines.Output) {
		clock.set(at)
		if err := rec.Write(outs); err != nil {
			t.Fatal(err)
		}
	}
	win := 5 * s // a window whose input was complete at 10.5 s
	write(10*s+s/10, engines.Output{Key: "count", Value: 1, Intended: 10 * s},
		engines.Output{Key: "alert", Value: 1, Event: true, Intended: 10 * s},
		engines.Output{Key: "w", Window: win, Value: 3, Intended: 10*s + s/2})
	m.sample(11 * s)
	write(11*s+s/2, engines.Output{Key: "count", Value: 2, Intended: 11 * s},
		engines.Output{Key: "alert", Value: 1, Event: true, Intended: 11 * s},
		engines.Output{Key: "w", Window: win, Value: 4, Intended: 10*s + s/2})
	m.sample(12 * s)
	got := rec.close()
	m.finish(got.windows, true)

	want := map[workloads.Key]int64{{Key: "count"}: 2, {Key: "alert"}: 2, {Key: "w", Window: win}: 4}
	if len(got.final) != len(want) {
		t.Fatalf("final %v", got.final)
	}
	for k, v := range want {
		if got.final[k] != v {
			t.Errorf("%v = %d, want %d", k, got.final[k], v)
		}
	}
	// Second 0: two unwindowed outputs at 100 ms. Second 1: two at 500 ms,
	// and the window's final output, 1 s after its input was complete.
	ivs := make([]resultfile.IntervalHistogram, len(m.intervals))
	for i, e := range m.intervals {
		var err error
		if ivs[i], err = e.Decode(); err != nil {
			t.Fatal(err)
		}
	}
	if c := ivs[0].Hist.H.TotalCount(); c != 2 {
		t.Errorf("second 0 timed %d outputs, want 2", c)
	}
	if c, max := ivs[1].Hist.H.TotalCount(), m.timeline[1].LatencyMax; c != 3 || max < 990_000 || max > 1_010_000 {
		t.Errorf("second 1 timed %d outputs, max %dµs; want 3, the window's 1 s", c, max)
	}
	if m.cumul.H.TotalCount() != 5 {
		t.Errorf("run histogram holds %d values, want 5", m.cumul.H.TotalCount())
	}
	if err := rec.Write(nil); !errors.Is(err, ErrSinkClosed) {
		t.Errorf("write after close: %v", err)
	}
}
