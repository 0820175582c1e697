package trident_test

import (
	"reflect"
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
		window func(s *trident.Stream) *trident.Stream
		want   []string
	}{
		// Tuples arrive at 1003 s, 1006 s, ..., 1030 s.
		{"tumbling 10s", func(s *trident.Stream) *trident.Stream {
			return s.TumblingDurationWindow(10*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[15]", "[24]", "[6]"}},
		{"sliding 10s by 5s", func(s *trident.Stream) *trident.Stream {
			return s.SlidingDurationWindow(10*time.Second, 5*time.Second, nil, tuple.NewFields("n"), builtin.Sum{}, tuple.NewFields("sum"))
		}, []string{"[15]", "[1]", "[24]", "[26]", "[6]", "[9]"}},
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
				s := topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(10, 1))).Peek(tick{clock, 3 * time.Second})
				tc.window(s).Peek(&out)
				return topo, nil
			})
			if got := out.sorted(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("windows %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWindowRefuses(t *testing.T) {
	f := tuple.NewFields
	for _, cfg := range []trident.WindowConfig{
		{}, {Count: 3, SlideCount: 4}, {Count: -1}, {Duration: time.Second, SlideDuration: 2 * time.Second},
	} {
		topo := trident.NewTridentTopology()
		topo.NewStream("n", spout.NewBatchSpoutExecutor(numbers(1, 1))).Window(cfg, nil, f("n"), builtin.Sum{}, f("s"))
		if _, err := topo.Build(); err == nil {
			t.Errorf("window %+v accepted", cfg)
		}
	}
}
