package harness

import (
	"math"
	"slices"

	"github.com/streambench/streambench/harness/resultfile"
)

// Recovery is measured as the fault-tolerance studies measure it (van
// Dongen & Van den Poel's downtime and recovery time; Theodolite's lag
// trend for "the backlog stops growing"), over the run's per-second
// timeline, so it is rebuilt from a result file alone.
const (
	// RecoveryWindow is how many whole seconds outputs must hold up, and
	// the backlog not grow, for the run to count as recovered from their
	// start.
	RecoveryWindow = 5
	// RecoveryOutputShare is the share of the pre-fault median outputs
	// per second a recovered second reaches.
	RecoveryOutputShare = 0.95
	// RecoveryBacklogSlack is how much the backlog may grow over the
	// window, as a share of the records published in it, and still count
	// as not growing (Theodolite's ShuffleBench allows 1% of the load).
	RecoveryBacklogSlack = 0.01
)

// recoveryFigures computes the recovery from a fault at faultS seconds
// from the run's start: downtime, recovery time, baseline, peak backlog and
// the latency while recovering (see resultfile.RecoveryFigures). The
// caller fills in what the injector measured (the first output, the
// detection).
func recoveryFigures(tl []resultfile.TimelinePoint, faultS float64) resultfile.RecoveryFigures {
	var f resultfile.RecoveryFigures
	f.FaultS = faultS
	k := int(math.Floor(faultS)) // the fault's second
	if k < 0 || k >= len(tl) {
		return f
	}
	f.InWarmup = tl[k].Warmup
	var before []int64
	for _, p := range tl[:k] {
		before = append(before, p.Outputs)
	}
	f.BaselineOutputsPerSecond = median(before)
	backlog := make([]int64, len(tl)) // unread records at the end of each second
	var b int64
	for i, p := range tl {
		b += p.RecordsIn - p.RecordsRead
		backlog[i] = b
	}
	backlogBefore := func(i int) int64 {
		if i == 0 {
			return 0
		}
		return backlog[i-1]
	}

	// The first window, starting at or after the fault, of RecoveryWindow
	// seconds that all hold up.
	recovered := -1
	for r := int(math.Ceil(faultS)); r+RecoveryWindow <= len(tl); r++ {
		ok := true
		var in int64
		for _, p := range tl[r : r+RecoveryWindow] {
			in += p.RecordsIn
			if p.Outputs == 0 || float64(p.Outputs) < RecoveryOutputShare*f.BaselineOutputsPerSecond {
				ok = false
				break
			}
		}
		if ok && float64(backlog[r+RecoveryWindow-1]-backlogBefore(r)) <= RecoveryBacklogSlack*float64(in) {
			recovered = r
			break
		}
	}
	end := len(tl)
	if recovered >= 0 {
		s := float64(tl[recovered].Second) - faultS
		f.RecoveryS = &s
		end = max(recovered, k+1)
	}

	// Downtime: the longest stretch of seconds without an output while
	// there was work (records published in the second, or unread at its
	// end); the seconds after the input ended and was drained are idle,
	// not down.
	var run int
	for i := k; i < len(tl); i++ {
		p := tl[i]
		if i >= end && recovered >= 0 {
			break
		}
		if p.Outputs == 0 && (p.RecordsIn > 0 || backlog[i] > 0) {
			run++
			f.DowntimeS = max(f.DowntimeS, float64(run))
		} else {
			run = 0
		}
	}
	for i := k; i < len(tl); i++ {
		f.PeakBacklog = max(f.PeakBacklog, backlog[i])
	}
	for _, p := range tl[k:end] {
		f.RecoveryLatencyP99 = max(f.RecoveryLatencyP99, p.LatencyP99)
	}
	return f
}

// median returns the median of v, 0 for none.
func median(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}
