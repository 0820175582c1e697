package trident_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streambench/streambench/engines/core"
	"github.com/streambench/streambench/engines/trident"
	"github.com/streambench/streambench/engines/trident/builtin"
	"github.com/streambench/streambench/engines/trident/spout"
	"github.com/streambench/streambench/engines/trident/tuple"
)

func numbers(n, batch int) *spout.FixedBatchSpout {
	vals := make([]tuple.Values, n)
	for i := range vals {
		vals[i] = tuple.Values{int64(i + 1)}
	}
	return spout.NewFixedBatchSpout(tuple.NewFields("n"), batch, vals...)
}

func TestCountWindows(t *testing.T) {
	tests := []struct {
		name   string
		window func(s *trident.Stream) *trident.Stream
		want   []string
	}{
		{"tumbling 4", func(s *trident.Stream) *trident.Stream {
			return s.TumblingWindow(4, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[10]", "[26]"}}, // 1..4, 5..8; 9 and 10 never fill a window
		{"sliding 4 by 2", func(s *trident.Stream) *trident.Stream {
			return s.SlidingWindow(4, 2, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[10]", "[18]", "[26]", "[34]"}}, // 1..4, 3..6, 5..8, 7..10
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out collected
			runTopology(t, nil, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				tc.window(topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(10, 3)))).Peek(&out)
				return topo, nil
			})
			if got := out.sorted(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("windows %v, want %v", got, tc.want)
			}
		})
	}
}

// tick advances the clock by step at every tuple: tuple i arrives at
// start + i*step.
type tick struct {
	c    *core.ManualClock
	step time.Duration
}

func (k tick) Accept(tuple.Tuple) { k.c.Advance(k.step) }

func TestDurationWindows(t *testing.T) {
	tests := []struct {
		name   string
		batch  int
		step   time.Duration
		window func(s *trident.Stream) *trident.Stream
		want   []string
	}{
		// Tuples arrive at 1003 s, 1006 s, ..., 1030 s.
		{"tumbling 10s", 1, 3 * time.Second, func(s *trident.Stream) *trident.Stream {
			return s.TumblingDurationWindow(10*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[15]", "[24]", "[6]"}},
		{"sliding 10s by 5s", 1, 3 * time.Second, func(s *trident.Stream) *trident.Stream {
			return s.SlidingDurationWindow(10*time.Second, 5*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[15]", "[1]", "[24]", "[26]", "[6]", "[9]"}},
		// Tuples arrive on the windows' edges, at 1005 s, 1010 s, ...,
		// 1050 s, in batches of three: a batch fires several windows, and a
		// tuple at a window's end belongs to the next.
		{"tumbling 10s on the edges", 3, 5 * time.Second, func(s *trident.Stream) *trident.Stream {
			return s.TumblingDurationWindow(10*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[1]", "[5]", "[9]", "[13]", "[17]"}},
		{"sliding 10s by 5s on the edges", 3, 5 * time.Second, func(s *trident.Stream) *trident.Stream {
			return s.SlidingDurationWindow(10*time.Second, 5*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[1]", "[3]", "[5]", "[7]", "[9]", "[11]", "[13]", "[15]", "[17]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := core.NewManualClock(time.Unix(1000, 0))
			var out collected
			// The clock also drives the cluster's message timeouts: a
			// long one keeps the 30 s the tuples span from expiring a
			// batch.
			runTopologyWith(t, core.Config{core.TopologyMessageTimeoutSecs: 600}, []trident.JobOption{trident.WithClock(clock)}, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				s := topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(10, tc.batch))).Peek(tick{clock, tc.step})
				tc.window(s).Peek(&out)
				return topo, nil
			})
			if got, want := out.sorted(), sortedConcat(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("windows %v, want %v", got, want)
			}
		})
	}
}

// TestEventTimeWindows windows on a timestamp field with a lag of 5 s,
// against answers worked out by hand. Batches of three [n, ts in s]:
//
//	[1 1] [2 4] [3 2] | [4 11] [5 9] [6 3] | [7 16] [8 21] [9 12] | [10 35] [11 14] [12 16]
//
// The watermarks after each batch are -1, 6, 16 and 30 s; 11 comes after
// the watermark of 16 s and is late, 12 is not. Windows end on multiples of
// the slide and hold (end-length, end].
func TestEventTimeWindows(t *testing.T) {
	f := tuple.NewFields
	tests := []struct {
		name string
		cfg  trident.WindowConfig
		want []string
	}{
		// (0,10] 1+2+3+5+6, (10,20] 4+7+9+12, (20,30] 8; 10 waits.
		{"tumbling 10s", trident.TumblingDurationWindow(10 * time.Second), []string{"[17]", "[32]", "[8]"}},
		// (-5,5] 1+2+3+6, (0,10] 17, (5,15] 5+4+9, (10,20] 32,
		// (15,25] 7+8+12, (20,30] 8.
		{"sliding 10s by 5s", trident.SlidingDurationWindow(10*time.Second, 5*time.Second),
			[]string{"[12]", "[17]", "[18]", "[32]", "[27]", "[8]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rows []tuple.Values
			for i, ts := range []int64{1, 4, 2, 11, 9, 3, 16, 21, 12, 35, 14, 16} {
				rows = append(rows, tuple.Values{int64(i + 1), ts * 1000})
			}
			var out collected
			runTopology(t, nil, func() (*trident.TridentTopology, error) {
				topo := trident.NewTridentTopology()
				topo.NewStream("n", spout.NewBatchSpoutExecutor(spout.NewFixedBatchSpout(f("n", "ts"), 3, rows...))).
					Window(tc.cfg.WithTimestampField("ts").WithLag(5*time.Second), nil, f("n"), builtin.Sum{}, f("sum")).
					Peek(&out)
				return topo, nil
			})
			if got, want := out.sorted(), sortedConcat(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("windows %v, want %v", got, want)
			}
		})
	}
}

func TestWindowRefuses(t *testing.T) {
	f := tuple.NewFields
	for _, tc := range []struct {
		cfg  trident.WindowConfig
		want string
	}{
		{trident.WindowConfig{}, "needs a tuple count or a duration"},
		{trident.SlidingCountWindow(3, 4), "must be in [1, 3]"},
		{trident.WindowConfig{Count: -1}, "negative"},
		{trident.SlidingDurationWindow(time.Second, 2*time.Second), "slide no longer than the window"},
		{trident.WindowConfig{Count: 2, SlideCount: 1, Duration: time.Second}, "one or the other"},
		{trident.TumblingCountWindow(2).WithTimestampField("n"), "applies to duration windows"},
		{trident.TumblingDurationWindow(time.Second).WithLag(time.Second), "without a timestamp field"},
		{trident.TumblingDurationWindow(time.Second).WithTimestampField("ts"), `timestamp field "ts" is not declared`},
		{trident.TumblingDurationWindow(time.Second).WithTimestampField("n").WithLag(-time.Second), "negative"},
	} {
		topo := trident.NewTridentTopology()
		topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(1, 1))).Window(tc.cfg, nil, f("n"), builtin.Sum{}, f("s"))
		if _, err := topo.Build(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("window %+v: %v, want an error with %q", tc.cfg, err, tc.want)
		}
	}
}
