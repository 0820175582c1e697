package harness

import (
	"testing"

	"github.com/streambench/streambench/harness/resultfile"
)

// faultTimeline builds a synthetic timeline: one point per second, with the
// records published, read and the outputs of each second, and its p99.
func faultTimeline(warmup int, in, read, outs []int64, p99 []int64) []resultfile.TimelinePoint {
	tl := make([]resultfile.TimelinePoint, len(in))
	for i := range tl {
		tl[i] = resultfile.TimelinePoint{Second: i, Warmup: i < warmup, RecordsIn: in[i], RecordsRead: read[i], Outputs: outs[i], LatencyP99: p99[i]}
	}
	return tl
}

func fill(n int, v int64) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestRecoveryFigures(t *testing.T) {
	type want struct {
		recovery            float64 // -1: none
		downtime, baseline  float64
		peakBacklog, p99    int64
		inWarmup, noFigures bool
	}
	in := fill(14, 100)
	for _, tc := range []struct {
		name   string
		tl     []resultfile.TimelinePoint
		faultS float64
		want   want
	}{
		{
			// Steady at 100/s; the fault at 3.5s stops reading and outputs
			// for two seconds; the engine catches up in second 6 and holds
			// from there, so it recovered at 6, and the latency while
			// recovering is that of seconds 3 to 5.
			name: "a dip and recovery",
			tl: faultTimeline(0, in,
				[]int64{100, 100, 100, 50, 0, 0, 300, 100, 100, 100, 100, 100, 100, 100},
				[]int64{100, 100, 100, 50, 0, 0, 300, 100, 96, 100, 100, 100, 100, 100},
				[]int64{10, 10, 10, 900, 0, 0, 2500, 20, 10, 10, 10, 10, 10, 10}),
			faultS: 3.5,
			want:   want{recovery: 6 - 3.5, downtime: 2, baseline: 100, peakBacklog: 250, p99: 900},
		},
		{
			// The engine comes back at half speed: the backlog grows to
			// the end and outputs stay under 95%.
			name: "no recovery before the end",
			tl: faultTimeline(0, in,
				[]int64{100, 100, 100, 0, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50},
				[]int64{100, 100, 100, 0, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50},
				[]int64{10, 10, 10, 0, 900, 1800, 2700, 3600, 4500, 5400, 6300, 7200, 8100, 9000}),
			faultS: 3,
			want:   want{recovery: -1, downtime: 1, baseline: 100, peakBacklog: 100 + 10*50, p99: 9000},
		},
		{
			// A fault in the second second of a 3-second warm-up: the
			// baseline is the one second before it; second 2 has no output,
			// so the recovery starts at 3.
			name: "a fault in the warm-up",
			tl: faultTimeline(3, in,
				[]int64{100, 100, 0, 200, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100},
				[]int64{80, 100, 0, 200, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100},
				[]int64{10, 10, 0, 700, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10}),
			faultS: 1.2,
			want:   want{recovery: 3 - 1.2, downtime: 1, baseline: 80, peakBacklog: 100, p99: 10, inWarmup: true},
		},
		{
			// Idle seconds after the input has ended and drained are not
			// downtime.
			name: "idle after the input",
			tl: faultTimeline(0, []int64{100, 100, 100, 100, 100, 100, 100, 0, 0, 0},
				[]int64{100, 100, 100, 100, 100, 100, 100, 0, 0, 0},
				[]int64{100, 100, 100, 100, 100, 100, 100, 0, 0, 0},
				fill(10, 10)),
			faultS: 1,
			want:   want{recovery: 0, downtime: 0, baseline: 100, p99: 10},
		},
		{
			name:   "a fault after the timeline",
			tl:     faultTimeline(0, fill(3, 1), fill(3, 1), fill(3, 1), fill(3, 1)),
			faultS: 5,
			want:   want{recovery: -1, noFigures: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := recoveryFigures(tc.tl, tc.faultS)
			w := tc.want
			if w.recovery < 0 {
				if f.RecoveryS != nil {
					t.Errorf("recovery %vs, want none", *f.RecoveryS)
				}
			} else if f.RecoveryS == nil || !near(*f.RecoveryS, w.recovery) {
				t.Errorf("recovery %v, want %vs", f.RecoveryS, w.recovery)
			}
			if w.noFigures {
				return
			}
			if f.DowntimeS != w.downtime || f.BaselineOutputsPerSecond != w.baseline || f.PeakBacklog != w.peakBacklog ||
				f.RecoveryLatencyP99 != w.p99 || f.InWarmup != w.inWarmup {
				t.Errorf("downtime %v, baseline %v, peak backlog %d, p99 %d, in warm-up %v; want %+v",
					f.DowntimeS, f.BaselineOutputsPerSecond, f.PeakBacklog, f.RecoveryLatencyP99, f.InWarmup, w)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
