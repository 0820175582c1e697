package microbatch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestWindowOperationsAgree checks every window operation against the same
// table: window first, slide second, the same checks, the same error
// wording naming the operation, and a slide of 0 meaning the parent's slide.
func TestWindowOperationsAgree(t *testing.T) {
	h := newHarness(t, time.Second, nil)
	in := QueueStream(h.ssc, NewRDDQueue[Pair[string, int]](), true, nil)
	add := func(a, b int) int { return a + b }
	sub := func(a, b int) int { return a - b }
	ops := []struct {
		name string
		op   func(d *DStream[Pair[string, int]], window, slide time.Duration) (time.Duration, error)
	}{
		{"Window", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := d.Window(w, s)
			return slideOf(out, err)
		}},
		{"CountByWindow", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := d.CountByWindow(w, s)
			return slideOf(out, err)
		}},
		{"ReduceByWindow", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := d.ReduceByWindow(func(a, b Pair[string, int]) Pair[string, int] { return a }, w, s)
			return slideOf(out, err)
		}},
		{"ReduceByWindowInv", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := ReduceByWindowInv(Map(d, func(p Pair[string, int]) int { return p.Value }), add, sub, w, s)
			return slideOf(out, err)
		}},
		{"ReduceByKeyAndWindow", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := ReduceByKeyAndWindow(d, add, w, s)
			return slideOf(out, err)
		}},
		{"ReduceByKeyAndWindowInv", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := ReduceByKeyAndWindowInv(d, add, sub, w, s, 0, nil)
			return slideOf(out, err)
		}},
		{"CountByValueAndWindow", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := CountByValueAndWindow(d, w, s)
			return slideOf(out, err)
		}},
		{"GroupByKeyAndWindow", func(d *DStream[Pair[string, int]], w, s time.Duration) (time.Duration, error) {
			out, err := GroupByKeyAndWindow(d, w, s)
			return slideOf(out, err)
		}},
	}
	windowed, err := in.Window(4*time.Second, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		parent        *DStream[Pair[string, int]]
		window, slide time.Duration
		wantSlide     time.Duration
		wantErr       string // after "<operation>: "
	}{
		{"window and slide", in, 3 * time.Second, 2 * time.Second, 2 * time.Second, ""},
		{"tumbling", in, 2 * time.Second, 2 * time.Second, 2 * time.Second, ""},
		{"missing slide is the batch interval", in, 3 * time.Second, 0, time.Second, ""},
		{"missing slide of a windowed parent is its slide", windowed, 4 * time.Second, 0, 2 * time.Second, ""},
		{"window not a multiple", in, 1500 * time.Millisecond, time.Second, 0, "window 1.5s is not a multiple of the batch interval 1s"},
		{"slide not a multiple", in, 3 * time.Second, 1500 * time.Millisecond, 0, "slide 1.5s is not a multiple of the batch interval 1s"},
		{"slide longer than window", in, time.Second, 2 * time.Second, 0, "slide 2s is longer than the window 1s"},
		{"zero window", in, 0, time.Second, 0, "window 0s must be positive"},
		{"negative slide", in, 2 * time.Second, -time.Second, 0, "slide -1s must be positive"},
		{"sub-millisecond window", in, time.Second + time.Microsecond, time.Second, 0, "window 1.000001s is not a whole number of milliseconds"},
		{"not a multiple of the parent's slide", windowed, 3 * time.Second, 2 * time.Second, 0, "window 3s is not a multiple of the slide duration 2s of "},
	}
	for _, op := range ops {
		for _, tc := range cases {
			slide, err := op.op(tc.parent, tc.window, tc.slide)
			if tc.wantErr == "" {
				if err != nil || slide != tc.wantSlide {
					t.Errorf("%s %s: slide %v, error %v; want slide %v", op.name, tc.name, slide, err, tc.wantSlide)
				}
				continue
			}
			var de *DefinitionError
			if !errors.Is(err, ErrInvalidDuration) || !errors.As(err, &de) || de.Op != op.name ||
				!strings.HasPrefix(err.Error(), op.name+": "+tc.wantErr) {
				t.Errorf("%s %s: error %v, want %q", op.name, tc.name, err, op.name+": "+tc.wantErr)
			}
		}
	}
}

func slideOf[T any](d *DStream[T], err error) (time.Duration, error) {
	if err != nil {
		return 0, err
	}
	if d.Err() != nil {
		return 0, d.Err()
	}
	return d.SlideDuration(), nil
}
